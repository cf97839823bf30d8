/**
 * @nvdimm/provider-ocxl (experimental): OpenCAPI persistent memory cards, as the unmerged
 * ocxlpmem series drove them, over an emulated card whose register map this package defines.
 *
 * @packageDocumentation
 */
export * from './link/index.js'
export * from './card/index.js'
export * from './driver/index.js'
export * from './family/index.js'
export * from './ocxl-card-store.js'
export * from './ocxl-provider.js'
export * from './platform-kind.js'
export * from './fault-knobs.js'
