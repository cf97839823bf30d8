import { alignDown, alignUp, NvdimmError, SZ_128K, SZ_4K } from '@nvdimm/core'
import { SPA_PM_GUID } from '../table/nfit-guid.js'
import {
  MEM_NOT_ARMED,
  SPA_ADD_ONLINE_ONLY,
  SPA_PROXIMITY_VALID,
  type NfitSubtable,
  type NfitTable,
} from '../table/nfit-types.js'

/** One `-device nvdimm` of a QEMU x86 guest, backed by a `memory-backend-file` of `fileSize` bytes. */
export interface QemuNvdimm {
  fileSize: bigint
  /** `label-size=`: the last bytes of the backing file; 0 for none. */
  labelSize: bigint
  /** `node=` (the SPA proximity domain). */
  node?: number
  /** `unarmed=on` */
  unarmed?: boolean
}

/** `-machine nvdimm-persistence=`: the platform capabilities sub-table QEMU adds. */
export type QemuPersistence = 'cpu' | 'mem-ctrl'

/** Where QEMU put one NVDIMM: its slot, handle, guest-physical range and label area. */
export interface QemuNvdimmLayout {
  slot: number
  handle: number
  rangeIndex: number
  address: bigint
  /** The pmem size: the file less its label area, aligned down to the backend's page. */
  size: bigint
  labelOffset: bigint
  labelSize: bigint
}

/** hw/mem/nvdimm.c MIN_NAMESPACE_LABEL_SIZE */
export const QEMU_MIN_LABEL_SIZE = SZ_128K
/** The pc machine's device memory starts at 4 GiB when the guest's RAM fits below it. */
export const QEMU_DEVICE_MEMORY_BASE = 0x1_0000_0000n
/** hw/acpi/nvdimm.c: the DSM page is 4 KiB; label transfers fit what is left of it. */
export const QEMU_LABEL_MAX_XFER = 4076
/** hw/acpi/nvdimm.c nvdimm_build_structure_dcr(): Intel's vendor id and the serial base. */
const QEMU_VENDOR_ID = 0x8086
const QEMU_SERIAL_BASE = 0x123456
/** NFIT_FIC_BYTE: byte-addressable, not energy backed (QEMU >= 4.1; 0x201 before). */
const QEMU_FORMAT_CODE = 0x301
/** EFI_MEMORY_WB | EFI_MEMORY_NV */
const QEMU_MEMORY_MAPPING = 0x8008n

/**
 * Place the NVDIMMs as QEMU does: in slot order from the device memory base, each right after
 * the previous one's pmem size, aligned to the file backend's page (4 KiB). The label area is
 * the last `label-size` bytes of each file (nvdimm_prepare_memory_region()).
 */
export function qemuLayout(nvdimms: readonly QemuNvdimm[], base = QEMU_DEVICE_MEMORY_BASE): QemuNvdimmLayout[] {
  let address = base
  return nvdimms.map((nvdimm, slot) => {
    if (nvdimm.labelSize !== 0n && nvdimm.labelSize < QEMU_MIN_LABEL_SIZE) {
      throw new NvdimmError(
        'EINVAL',
        `nvdimm ${slot}: label-size ${nvdimm.labelSize} is below QEMU's minimum of 128 KiB (${QEMU_MIN_LABEL_SIZE})`,
      )
    }
    const size = alignDown(nvdimm.fileSize - nvdimm.labelSize, SZ_4K)
    if (nvdimm.fileSize <= nvdimm.labelSize || size === 0n) {
      throw new NvdimmError(
        'EINVAL',
        `nvdimm ${slot}: a ${nvdimm.fileSize}-byte image leaves no pmem after its ${nvdimm.labelSize}-byte label area`,
      )
    }
    address = alignUp(address, SZ_4K)
    const layout: QemuNvdimmLayout = {
      slot,
      handle: slot + 1,
      rangeIndex: (slot + 1) << 1,
      address,
      size,
      labelOffset: nvdimm.fileSize - nvdimm.labelSize,
      labelSize: nvdimm.labelSize,
    }
    address += size
    return layout
  })
}

/**
 * The NFIT QEMU builds (hw/acpi/nvdimm.c nvdimm_build_fit_buffer()): per slot a SPA (range
 * index (slot+1)*2), a memory-device map (handle slot+1, DCR index = range index + 1) and an
 * 80-byte control region; a platform capabilities entry only with nvdimm-persistence=.
 */
export function qemuNfitTable(
  nvdimms: readonly QemuNvdimm[],
  options: { base?: bigint; persistence?: QemuPersistence } = {},
): NfitTable {
  const subtables: NfitSubtable[] = []
  qemuLayout(nvdimms, options.base).forEach((layout, slot) => {
    const nvdimm = nvdimms[slot]!
    subtables.push(
      {
        type: 0,
        rangeIndex: layout.rangeIndex,
        flags: SPA_ADD_ONLINE_ONLY | SPA_PROXIMITY_VALID,
        proximityDomain: nvdimm.node ?? 0,
        rangeGuid: SPA_PM_GUID,
        address: layout.address,
        length: layout.size,
        memoryMapping: QEMU_MEMORY_MAPPING,
      },
      {
        type: 1,
        deviceHandle: layout.handle,
        physicalId: 0,
        regionId: 0,
        rangeIndex: layout.rangeIndex,
        regionIndex: layout.rangeIndex + 1,
        regionSize: layout.size,
        regionOffset: 0n,
        address: 0n,
        interleaveIndex: 0,
        interleaveWays: 1,
        flags: nvdimm.unarmed ? MEM_NOT_ARMED : 0,
      },
      {
        type: 4,
        regionIndex: layout.rangeIndex + 1,
        vendorId: QEMU_VENDOR_ID,
        deviceId: 1,
        revisionId: 1,
        subsystemVendorId: 0,
        subsystemDeviceId: 0,
        subsystemRevisionId: 0,
        validFields: 0,
        manufacturingLocation: 0,
        manufacturingDate: 0,
        serialNumber: QEMU_SERIAL_BASE + slot,
        code: QEMU_FORMAT_CODE,
        windows: 0,
        windowSize: 0n,
        commandOffset: 0n,
        commandSize: 0n,
        statusOffset: 0n,
        statusSize: 0n,
        dcrFlags: 0,
      },
    )
  })
  if (options.persistence) {
    // nvdimm_build_nfit_platform_cap(): cpu → 3 (cache and memory flush), mem-ctrl → 2.
    const capabilities = options.persistence === 'cpu' ? 3 : 2
    subtables.push({ type: 7, highestCapability: 31 - Math.clz32(capabilities), capabilities })
  }
  return {
    header: {
      length: 0,
      revision: 1,
      checksum: 0,
      oemId: 'BOCHS ',
      oemTableId: 'BXPC    ',
      oemRevision: 1,
      aslCompilerId: 'BXPC',
      aslCompilerRevision: 1,
    },
    subtables,
  }
}
