/**
 * @nvdimm/provider-e820: legacy persistent memory — `memmap=nn!ss` and e820 type 7/12
 * ranges — as label-less pmem regions on a bus named "e820", the way the kernel's nd_e820
 * driver presents them.
 *
 * ```ts
 * import { createNvdimm } from '@nvdimm/core'
 * import { e820 } from '@nvdimm/provider-e820'
 *
 * const nd = createNvdimm({ providers: [e820({ memmap: 'memmap=4G!12G,4G!20G' })] })
 * await nd.start()
 * nd.regions.map((r) => r.name) // ['region0', 'region1']
 * ```
 *
 * @packageDocumentation
 */
export { E820_LABEL_AREA_SIZE, E820_LABEL_COOKIE, E820_LABEL_MAX_XFER, e820 } from './e820-provider.js'
export type { E820Options, E820RegionOptions } from './e820-provider.js'
export {
  E820_TYPE_PMEM,
  E820_TYPE_PRAM,
  E820_TYPE_SOFT_RESERVED,
  E820_TYPES,
  formatRange,
  validateRanges,
} from './e820-range.js'
export type { E820PmemType, E820Range, E820Type } from './e820-range.js'
export { parseMemmap } from './memmap.js'
export { parseE820Table, readFirmwareMemmap } from './e820-table.js'
export { e820Entry, e820Kind, e820MediaFile } from './platform-kind.js'
export type { E820Entry } from './platform-kind.js'
