/**
 * @nvdimm/provider-nfit: NVDIMMs described by the ACPI NFIT, as drivers/acpi/nfit does it.
 *
 * ```ts
 * import { createNvdimm } from '@nvdimm/core'
 * import { nfit, qemuNfitTable, encodeNfit } from '@nvdimm/provider-nfit'
 * ```
 *
 * @packageDocumentation
 */

export * from './table/nfit-types.js'
export * from './table/index.js'
export { nfitDimmId } from './topology/dimm-id.js'
export { interleaveCookies } from './topology/interleave-set.js'
export type { InterleaveCookies, SetMember } from './topology/interleave-set.js'
export { nfitTopology } from './topology/nfit-topology.js'
export type { NfitDimm, NfitMapping, NfitRegion, NfitTopology } from './topology/nfit-topology.js'
export {
  QEMU_DEVICE_MEMORY_BASE,
  QEMU_LABEL_MAX_XFER,
  QEMU_MIN_LABEL_SIZE,
  qemuLayout,
  qemuNfitTable,
} from './presets/qemu.js'
export type { QemuNvdimm, QemuNvdimmLayout, QemuPersistence } from './presets/qemu.js'
export { ACPI_NFIT_PROVIDER, nfit } from './nfit-provider.js'
export type { NfitDimmFirmwareKind, NfitLabelArea, NfitOptions } from './nfit-provider.js'
export * from './dsm/intel/index.js'
export { NfitDimmChannel } from './dsm/dimm-channel.js'
export * from './dsm/bus/index.js'
export { NFIT_BUS_CMD_MASK, NfitBusChannel, NVDIMM_BUS_FAMILY_NFIT } from './dsm/bus-channel.js'
export {
  NFIT_LABEL_MAX_XFER,
  NFIT_LABEL_SIZE,
  nfitKind,
  nfitQemuEntry,
  nfitTableEntry,
  nfitTestEntries,
} from './platform-kind.js'
export type { NfitEntry, QemuImage } from './platform-kind.js'
export { parseQemuImageOption } from './presets/qemu-image-option.js'
export type { QemuImageOption } from './presets/qemu-image-option.js'
export * from './presets/nfit-test.js'
