/**
 * @nvdimm/provider-papr-scm: PowerPC pseries persistent memory (arch/powerpc/platforms/pseries/papr_scm.c):
 * SCM devices in the device tree, reached through hypervisor calls, with PDSM health.
 *
 * @packageDocumentation
 */
export * from './device-tree/index.js'
export * from './hcall/index.js'
export * from './pdsm/index.js'
export { paprCookies } from './driver/interleave-cookies.js'
export { paprScmDeviceName } from './driver/pdev-name.js'
export { attachScmDevice } from './driver/attach.js'
export { PAPR_SCM_MAX_XFER, serveLabelCommand } from './driver/label-channel.js'
export { paprScm } from './papr-scm-provider.js'
export type { PaprScmBacking, PaprScmOptions } from './papr-scm-provider.js'
export { paprScmEntry, paprScmKind, parsePaprOption } from './platform-kind.js'
export type { PaprScmEntry, SpaprNvdimm } from './platform-kind.js'
export { parseHcall, withPaprFault } from './driver/fault-knobs.js'
export type { PaprFault } from './driver/fault-knobs.js'
