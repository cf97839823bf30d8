/**
 * The NFITs of the kernel's nfit_test module (tools/testing/nvdimm/test/nfit.c, newest stored
 * version): nfit_test.0 as nfit_test0_setup() first builds it, the same bus after
 * nfit_test_probe() re-runs the setup with setup_hotplug set and hands the grown table to the
 * kernel as _FIT (notification 0x80) — DIMM4 arrives then — and nfit_test.1.
 *
 * nfit_test passes acpi_nfit_init() bare sub-tables: there is no ACPI header, so the header here is
 * ours (revision 1, the length of what follows, checksum left for the encoder to compute).
 */
import { alignUp, SZ_128K, SZ_128M, SZ_4K } from '@nvdimm/core'
import { spaRangeGuid, SPA_PM_GUID } from '../table/nfit-guid.js'
import {
  CAP_MEM_FLUSH,
  DCR_MFG_VALID,
  DCR_SHORT_SIZE,
  MEM_FLUSH_FAILED,
  MEM_HEALTH_ENABLED,
  MEM_HEALTH_OBSERVED,
  MEM_MAP_FAILED,
  MEM_NOT_ARMED,
  MEM_RESTORE_FAILED,
  MEM_SAVE_FAILED,
  NFIT_HEADER_SIZE,
  NfitType,
  type NfitDcr,
  type NfitSubtable,
  type NfitTable,
} from '../table/nfit-types.js'

/** NFIT_DIMM_HANDLE(node, socket, imc, chan, dimm) of nfit.c. */
export function nfitTestDimmHandle(node: number, socket: number, imc: number, chan: number, dimm: number): number {
  return (
    (((node & 0xfff) << 16) | ((socket & 0xf) << 12) | ((imc & 0xf) << 8) | ((chan & 0xf) << 4) | (dimm & 0xf)) >>> 0
  )
}

/** handle[] of nfit.c: [0..3] nfit_test.0, [4] its hotplug DIMM, [5..6] nfit_test.1. */
export const NFIT_TEST_HANDLES: readonly number[] = [
  nfitTestDimmHandle(0, 0, 0, 0, 0),
  nfitTestDimmHandle(0, 0, 0, 0, 1),
  nfitTestDimmHandle(0, 0, 1, 0, 0),
  nfitTestDimmHandle(0, 0, 1, 0, 1),
  nfitTestDimmHandle(0, 1, 0, 0, 0),
  nfitTestDimmHandle(1, 0, 0, 0, 0),
  nfitTestDimmHandle(1, 0, 0, 0, 1),
]
export const NFIT_TEST0_HANDLES: readonly number[] = NFIT_TEST_HANDLES.slice(0, 4)
export const NFIT_TEST0_HOTPLUG_HANDLE: number = NFIT_TEST_HANDLES[4]!
export const NFIT_TEST1_HANDLES: readonly number[] = NFIT_TEST_HANDLES.slice(5, 7)

// The enum at the top of nfit.c.
export const NFIT_TEST_NUM_HINTS = 8
export const NFIT_TEST_DIMM_SIZE = 32n << 20n
export const NFIT_TEST_SPA0_SIZE = NFIT_TEST_DIMM_SIZE
export const NFIT_TEST_SPA1_SIZE = NFIT_TEST_DIMM_SIZE * 2n
export const NFIT_TEST_SPA2_SIZE = NFIT_TEST_DIMM_SIZE
export const NFIT_TEST_SPA_VCD_SIZE = 4n << 20n
export const NFIT_TEST_BDW_SIZE = 64n << 8n
export const NFIT_TEST_DCR_SIZE = 12n
const NUM_PM = 3
const NUM_DCR = 5
const NUM_BDW = NUM_DCR
const NUM_SPA = NUM_PM + NUM_DCR + NUM_BDW
const NUM_MEM = NUM_DCR + NUM_BDW + 2 + 4 + 1 // + the spa0, spa1 and spa11 interleave sets

/** nfit_test_cmd_get_config_size(): every dimm's label area and the largest transfer it takes. */
export const NFIT_TEST_LABEL_SIZE = Number(SZ_128K)
export const NFIT_TEST_LABEL_MAX_XFER = Number(SZ_4K)

/** The text sprintf()ed at the start of each label area: "label%d" by the dimm's index on its bus. */
export function nfitTestInitialLabel(indexOnBus: number): string {
  return `label${indexOnBus}`
}

// Sub-table sizes as nfit_test writes header.length (sizeof_spa() drops the ACPI 6.4 cookie).
const SPA_SIZE = 56
const MEMDEV_SIZE = 48
const DCR_SIZE = 80
const BDW_SIZE = 40
const FLUSH_SIZE = 16 + 8 * NFIT_TEST_NUM_HINTS
const CAPABILITIES_SIZE = 16

/** nfit_size of nfit_test0_alloc(): room for the table after the hotplug. */
export const NFIT_TEST0_NFIT_SIZE =
  SPA_SIZE * NUM_SPA +
  MEMDEV_SIZE * NUM_MEM +
  DCR_SIZE * NUM_DCR +
  DCR_SHORT_SIZE * NUM_DCR +
  BDW_SIZE * NUM_BDW +
  FLUSH_SIZE * NUM_DCR +
  CAPABILITIES_SIZE
/** nfit_size of nfit_test1_alloc(). */
export const NFIT_TEST1_NFIT_SIZE = SPA_SIZE * 2 + MEMDEV_SIZE * 2 + DCR_SHORT_SIZE * 2

/**
 * Addresses. test_alloc() vmalloc()s every buffer; one of DIMM_SIZE or more also gets its "dma"
 * address from a gen_pool covering [4 GiB, 8 GiB) (first fit, 128 MiB aligned), a smaller one
 * uses its vmalloc address. We replay the allocations in the order nfit_test0_alloc() then
 * nfit_test1_alloc() make them (nfit_test.0 probes first): pool addresses come out exactly as
 * the kernel's; vmalloc addresses are modelled as a fresh x86_64 vmalloc area (VMALLOC_START,
 * page-rounded, one guard page after each), which a real boot would offset by earlier users.
 */
export const NFIT_TEST_POOL_BASE = 1n << 32n
export const NFIT_TEST_POOL_SIZE = 1n << 32n
export const NFIT_TEST_POOL_ALIGN = SZ_128M
export const NFIT_TEST_VMALLOC_BASE = 0xffff_c900_0000_0000n

class AllocationReplay {
  private nextPool = NFIT_TEST_POOL_BASE
  private nextVmalloc = NFIT_TEST_VMALLOC_BASE

  /** test_alloc(t, size, &dma): the dma address. */
  alloc(size: bigint): bigint {
    const virtual = this.nextVmalloc
    this.nextVmalloc += alignUp(size, SZ_4K) + SZ_4K
    if (size < NFIT_TEST_DIMM_SIZE) return virtual
    // Nothing is freed, and the 128 MiB alignment keeps later buffers out of earlier gaps.
    const start = alignUp(this.nextPool, NFIT_TEST_POOL_ALIGN)
    this.nextPool = start + size
    return start
  }
}

export interface NfitTest0Addresses {
  /** spa_set_dma[0..2]: spa0 (2-way), spa1 (4-way), spa11 (hotplug). */
  spaSet: readonly bigint[]
  /** dimm_dma[0..4]: each dimm's block-window range. */
  dimm: readonly bigint[]
  label: readonly bigint[]
  /** flush_dma[0..4]: hint i of dimm d sits at flush[d] + 8 * i. */
  flush: readonly bigint[]
  /** dcr_dma[0..4]: each dimm's control region (DCR_SIZE of it in the table). */
  dcr: readonly bigint[]
}

export interface NfitTest1Addresses {
  /** spa_set_dma[0]: the 32 MiB PM range. */
  pm: bigint
  /** spa_set_dma[1]: the 4 MiB virtual CD, below DIMM_SIZE so vmalloc()ed. */
  vcd: bigint
  label: readonly bigint[]
}

function replayAllocations(): { test0: NfitTest0Addresses; test1: NfitTest1Addresses } {
  const heap = new AllocationReplay()
  const times = (count: number, size: bigint) => Array.from({ length: count }, () => heap.alloc(size))

  // nfit_test0_alloc()
  heap.alloc(BigInt(NFIT_TEST0_NFIT_SIZE))
  const spaSet = [heap.alloc(NFIT_TEST_SPA0_SIZE), heap.alloc(NFIT_TEST_SPA1_SIZE), heap.alloc(NFIT_TEST_SPA0_SIZE)]
  const dimm: bigint[] = []
  const label: bigint[] = []
  const flush: bigint[] = []
  for (let i = 0; i < NUM_DCR; i++) {
    dimm.push(heap.alloc(NFIT_TEST_DIMM_SIZE))
    label.push(heap.alloc(SZ_128K))
    flush.push(heap.alloc(SZ_4K)) // max(PAGE_SIZE, 8 * NUM_HINTS)
  }
  const dcr = times(NUM_DCR, SZ_128K)
  heap.alloc(8n) // t->_fit

  // nfit_test1_alloc()
  heap.alloc(BigInt(NFIT_TEST1_NFIT_SIZE))
  const pm = heap.alloc(NFIT_TEST_SPA2_SIZE)
  const label1 = times(NFIT_TEST1_HANDLES.length, SZ_128K)
  const vcd = heap.alloc(NFIT_TEST_SPA_VCD_SIZE)

  return { test0: { spaSet, dimm, label, flush, dcr }, test1: { pm, vcd, label: label1 } }
}

const ADDRESSES = replayAllocations()
export const NFIT_TEST0_ADDRESSES: NfitTest0Addresses = ADDRESSES.test0
export const NFIT_TEST1_ADDRESSES: NfitTest1Addresses = ADDRESSES.test1

/**
 * Intel DSM functions each bus force-enables for its dimms (dimm_cmd_force_en); nfit_test dimms
 * are NVDIMM_FAMILY_INTEL with exactly these (acpi_nfit_add_dimm(): "nfit test assumes 1:1").
 * nfit_test.0 (handles 0x0, 0x1, 0x100, 0x101 and the hotplug 0x1000) gets the whole family:
 * SMART 1, threshold 2, labels 4-6, LSS 10, firmware update 12-16, set threshold 17, inject 18,
 * security 19-28, firmware activate 29-30. nfit_test.1 (0x10000, 0x10001): labels and LSS.
 */
export const NFIT_TEST0_DIMM_FUNCTIONS: readonly number[] = [
  1, 2, 4, 5, 6, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
]
export const NFIT_TEST1_DIMM_FUNCTIONS: readonly number[] = [4, 5, 6, 10]
export const NFIT_TEST_FULL_INTEL_HANDLES: readonly number[] = [...NFIT_TEST0_HANDLES, NFIT_TEST0_HOTPLUG_HANDLE]

/**
 * Bus commands (bus_cmd_force_en): ARS cap/start/status 1-3, clear error 4, and on nfit_test.0
 * ND_CMD_CALL 10 with NFIT functions translate SPA 5 and ARS inject set/clear/get 7-9, plus the
 * Intel bus family's firmware activate businfo 1 and activate 2.
 */
export const NFIT_TEST0_BUS_COMMANDS: readonly number[] = [1, 2, 3, 4, 10]
export const NFIT_TEST0_BUS_NFIT_FUNCTIONS: readonly number[] = [5, 7, 8, 9]
export const NFIT_TEST0_BUS_INTEL_FUNCTIONS: readonly number[] = [1, 2]
export const NFIT_TEST1_BUS_COMMANDS: readonly number[] = [1, 2, 3, 4]

// Format interface codes (drivers/acpi/nfit/nfit.h NFIT_FIC_*).
const NFIT_FIC_BYTE = 0x101
const NFIT_FIC_BLK = 0x201
const NFIT_FIC_BYTEN = 0x301

const swap16 = (value: number) => ((value & 0xff) << 8) | ((value >> 8) & 0xff)

interface MemdevFields {
  handle: number
  physicalId: number
  regionId?: number
  rangeIndex: number
  regionIndex: number
  regionSize?: bigint
  regionOffset?: bigint
  address?: bigint
  interleaveWays?: number
  flags?: number
}

/** Appends sub-tables the way nfit_test does: in order, each adding its header.length. */
class TableWriter {
  readonly subtables: NfitSubtable[] = []
  private bytes = 0

  private add(subtable: NfitSubtable, length: number): void {
    this.subtables.push(subtable)
    this.bytes += length
  }

  spa(rangeIndex: number, rangeGuid: string, address: bigint, length: bigint): void {
    this.add(
      { type: NfitType.SPA, rangeIndex, flags: 0, proximityDomain: 0, rangeGuid, address, length, memoryMapping: 0n },
      SPA_SIZE,
    )
  }

  memdev(fields: MemdevFields): void {
    this.add(
      {
        type: NfitType.MEMDEV,
        deviceHandle: fields.handle,
        physicalId: fields.physicalId,
        regionId: fields.regionId ?? 0,
        rangeIndex: fields.rangeIndex,
        regionIndex: fields.regionIndex,
        regionSize: fields.regionSize ?? 0n,
        regionOffset: fields.regionOffset ?? 0n,
        address: fields.address ?? 0n,
        interleaveIndex: 0,
        interleaveWays: fields.interleaveWays ?? 1,
        flags: fields.flags ?? 0,
      },
      MEMDEV_SIZE,
    )
  }

  /** dcr_common_init() plus the fields every nfit_test DCR sets. */
  private dcrCommon(regionIndex: number, handle: number, code: number, windows: number): NfitDcr {
    return {
      type: NfitType.DCR,
      regionIndex,
      vendorId: 0xabcd,
      deviceId: 0,
      revisionId: 1,
      subsystemVendorId: 0,
      subsystemDeviceId: 0,
      subsystemRevisionId: 0,
      validFields: DCR_MFG_VALID,
      manufacturingLocation: 0xa,
      // cpu_to_be16(2016) stored in a little-endian u16: the bytes read 07 e0.
      manufacturingDate: swap16(2016),
      serialNumber: ~handle >>> 0,
      code,
      windows,
    }
  }

  /** An 80-byte DCR with one block window (NFIT_FIC_BLK). */
  blkDcr(regionIndex: number, handle: number): void {
    this.add(
      {
        ...this.dcrCommon(regionIndex, handle, NFIT_FIC_BLK, 1),
        windowSize: NFIT_TEST_DCR_SIZE,
        commandOffset: 0n,
        commandSize: 8n,
        statusOffset: 8n,
        statusSize: 4n,
        dcrFlags: 0,
      },
      DCR_SIZE,
    )
  }

  /** A 32-byte DCR, offsetof(struct acpi_nfit_control_region, window_size). */
  shortDcr(regionIndex: number, handle: number, code: number): void {
    this.add(this.dcrCommon(regionIndex, handle, code, 0), DCR_SHORT_SIZE)
  }

  bdw(regionIndex: number): void {
    this.add(
      {
        type: NfitType.BDW,
        regionIndex,
        windows: 1,
        offset: 0n,
        size: NFIT_TEST_BDW_SIZE,
        capacity: NFIT_TEST_DIMM_SIZE,
        startAddress: 0n,
      },
      BDW_SIZE,
    )
  }

  flush(handle: number, base: bigint): void {
    const hintAddresses = Array.from({ length: NFIT_TEST_NUM_HINTS }, (_, i) => base + BigInt(8 * i))
    this.add({ type: NfitType.FLUSH, deviceHandle: handle, hintAddresses }, FLUSH_SIZE)
  }

  capabilities(): void {
    this.add({ type: NfitType.CAPABILITIES, highestCapability: 1, capabilities: CAP_MEM_FLUSH }, CAPABILITIES_SIZE)
  }

  table(oemTableId: string): NfitTable {
    return {
      header: {
        length: NFIT_HEADER_SIZE + this.bytes,
        revision: 1,
        checksum: 0,
        oemId: 'NFTEST',
        oemTableId,
        oemRevision: 1,
        aslCompilerId: 'LNUX',
        aslCompilerRevision: 1,
      },
      subtables: this.subtables,
    }
  }
}

const at = (list: readonly bigint[], index: number): bigint => {
  const value = list[index]
  if (value === undefined) throw new RangeError(`nfit_test: no buffer ${index}`)
  return value
}

const handle = (index: number): number => NFIT_TEST_HANDLES[index]!

/** nfit_test0_setup(); with hotplug, the part under `if (t->setup_hotplug)` follows. */
function nfitTest0(hotplug: boolean): NfitTable {
  const { spaSet, dimm, flush, dcr } = NFIT_TEST0_ADDRESSES
  const w = new TableWriter()
  const pm = SPA_PM_GUID
  const control = spaRangeGuid('dimm-control-region')!
  const data = spaRangeGuid('block-data-window')!

  w.spa(1, pm, at(spaSet, 0), NFIT_TEST_SPA0_SIZE) // spa0: first half of dimm0 and dimm1
  w.spa(2, pm, at(spaSet, 1), NFIT_TEST_SPA1_SIZE) // spa1: last half of the 4 dimms
  for (let i = 0; i < 4; i++) w.spa(3 + i, control, at(dcr, i), NFIT_TEST_DCR_SIZE) // spa2-5
  for (let i = 0; i < 4; i++) w.spa(7 + i, data, at(dimm, i), NFIT_TEST_DIMM_SIZE) // spa6-9

  // mem-region0/1: spa0, 2-way over dimm0/dimm1 at DPA 0.
  const half = NFIT_TEST_SPA0_SIZE / 2n
  w.memdev({
    handle: handle(0),
    physicalId: 0,
    rangeIndex: 1,
    regionIndex: 5,
    regionSize: half,
    regionOffset: 1n,
    interleaveWays: 2,
  })
  w.memdev({
    handle: handle(1),
    physicalId: 1,
    rangeIndex: 1,
    regionIndex: 6,
    regionSize: half,
    regionOffset: 1n << 8n,
    interleaveWays: 2,
    flags: MEM_HEALTH_ENABLED,
  })
  // mem-region2-5: spa1, 4-way over dimm0-3 above DPA SPA0_SIZE/2.
  const quarter = NFIT_TEST_SPA1_SIZE / 4n
  const fourWay = [
    { regionId: 1, regionOffset: 1n << 16n, flags: MEM_HEALTH_ENABLED },
    { regionId: 1, regionOffset: 1n << 24n, flags: 0 },
    { regionId: 0, regionOffset: 1n << 32n, flags: MEM_HEALTH_ENABLED },
    { regionId: 0, regionOffset: 1n << 40n, flags: 0 },
  ]
  fourWay.forEach(({ regionId, regionOffset, flags }, i) =>
    w.memdev({
      handle: handle(i),
      physicalId: i,
      regionId,
      rangeIndex: 2,
      regionIndex: 5 + i,
      regionSize: quarter,
      regionOffset,
      address: half,
      interleaveWays: 4,
      flags,
    }),
  )
  // mem-region6-9: the control regions; mem-region10-13: the block windows (13 health-enabled).
  for (let i = 0; i < 4; i++) w.memdev({ handle: handle(i), physicalId: i, rangeIndex: 3 + i, regionIndex: 1 + i })
  for (let i = 0; i < 4; i++) {
    const flags = i === 3 ? MEM_HEALTH_ENABLED : 0
    w.memdev({ handle: handle(i), physicalId: i, rangeIndex: 7 + i, regionIndex: 1 + i, flags })
  }

  for (let i = 0; i < 4; i++) w.blkDcr(1 + i, handle(i)) // dcr-descriptor0-3: blk
  for (let i = 0; i < 4; i++) w.shortDcr(5 + i, handle(i), NFIT_FIC_BYTEN) // dcr-descriptor0-3: pmem
  for (let i = 0; i < 4; i++) w.bdw(1 + i)
  for (let i = 0; i < 4; i++) w.flush(handle(i), at(flush, i))
  w.capabilities()

  if (hotplug) {
    const dimm4 = handle(4)
    w.blkDcr(9, dimm4)
    w.shortDcr(10, dimm4, NFIT_FIC_BYTEN)
    w.bdw(9)
    w.spa(11, control, at(dcr, 4), NFIT_TEST_DCR_SIZE) // spa10
    w.spa(12, pm, at(spaSet, 2), NFIT_TEST_SPA0_SIZE) // spa11: single-dimm "interleave"
    w.spa(13, data, at(dimm, 4), NFIT_TEST_DIMM_SIZE) // spa12
    w.memdev({ handle: dimm4, physicalId: 4, rangeIndex: 11, regionIndex: 9 })
    w.memdev({
      handle: dimm4,
      physicalId: 4,
      rangeIndex: 12,
      regionIndex: 10,
      regionSize: NFIT_TEST_SPA0_SIZE,
      regionOffset: 1n << 48n,
      flags: MEM_HEALTH_ENABLED,
    })
    w.memdev({ handle: dimm4, physicalId: 4, rangeIndex: 13, regionIndex: 9 })
    w.flush(dimm4, at(flush, 4))
  }
  return w.table(hotplug ? 'NFTEST0H' : 'NFTEST0')
}

/** nfit_test.0 at init: 4 dimms, a 2-way and a 4-way PM range, BLK aliases, flush hints, MEM_FLUSH. */
export function nfitTest0Table(): NfitTable {
  return nfitTest0(false)
}

/** nfit_test.0 after the hotplug: the init table followed by DIMM4 (handle 0x1000) and its 32 MiB spa11. */
export function nfitTest0HotplugTable(): NfitTable {
  return nfitTest0(true)
}

/** nfit_test1_setup(): a flat 32 MiB PM range on a failed dimm, an unmapped dimm, and a virtual CD. */
export function nfitTest1Table(): NfitTable {
  const { pm, vcd } = NFIT_TEST1_ADDRESSES
  const w = new TableWriter()
  w.spa(1, SPA_PM_GUID, pm, NFIT_TEST_SPA2_SIZE)
  w.spa(0, spaRangeGuid('volatile-cd')!, vcd, NFIT_TEST_SPA_VCD_SIZE)
  w.memdev({
    handle: handle(5),
    physicalId: 0,
    rangeIndex: 1,
    regionIndex: 1,
    regionSize: NFIT_TEST_SPA2_SIZE,
    flags: MEM_SAVE_FAILED | MEM_RESTORE_FAILED | MEM_FLUSH_FAILED | MEM_HEALTH_OBSERVED | MEM_NOT_ARMED,
  })
  w.shortDcr(1, handle(5), NFIT_FIC_BYTE)
  w.memdev({
    handle: handle(6),
    physicalId: 0,
    rangeIndex: 0,
    regionIndex: 2,
    regionSize: NFIT_TEST_SPA2_SIZE,
    flags: MEM_MAP_FAILED,
  })
  w.shortDcr(2, handle(6), NFIT_FIC_BYTE)
  return w.table('NFTEST1')
}
