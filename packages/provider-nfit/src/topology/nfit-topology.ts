import { ND_MAX_MAPPINGS, NvdimmError, type DimmFirmwareFlag, type DimmFlag, type RegionFlag } from '@nvdimm/core'
import { spaRangeTypeName, type SpaRangeTypeName } from '../table/nfit-guid.js'
import {
  CAP_CACHE_FLUSH,
  CAP_MEM_FLUSH,
  MEM_FLUSH_FAILED,
  MEM_HEALTH_OBSERVED,
  MEM_MAP_FAILED,
  MEM_NOT_ARMED,
  MEM_RESTORE_FAILED,
  MEM_SAVE_FAILED,
  NfitType,
  SPA_PROXIMITY_VALID,
  type NfitCapabilities,
  type NfitDcr,
  type NfitFlush,
  type NfitMemdev,
  type NfitSpa,
  type NfitSubtable,
  type NfitTable,
  type NfitUnknown,
} from '../table/nfit-types.js'
import { nfitDimmId } from './dimm-id.js'
import { interleaveCookies } from './interleave-set.js'

/** One NVDIMM as acpi_nfit_register_dimms() sees it (struct nfit_mem). */
export interface NfitDimm {
  handle: number
  physId: number
  id: string
  dcr: NfitDcr
  /** Memdev flags OR-ed over every mapping of the dimm. */
  memdevFlags: number
  flags: DimmFlag[]
  firmwareFlags: DimmFirmwareFlag[]
  flushHints: bigint[]
}

export interface NfitMapping {
  handle: number
  start: bigint
  size: bigint
  position: number
}

/** One region as acpi_nfit_register_region() describes it. */
export interface NfitRegion {
  spa: NfitSpa
  type: 'pmem' | 'volatile'
  spaType: SpaRangeTypeName
  mappings: NfitMapping[]
  interleaveSet: { cookie1: bigint; cookie2: bigint; altcookie: bigint; typeGuid: string }
  numaNode: number
  targetNode: number
  flags: RegionFlag[]
}

export interface NfitTopology {
  dimms: NfitDimm[]
  regions: NfitRegion[]
  /** The masked platform capabilities, 0 when the table has none. */
  capabilities: number
}

// nfit/flags words (core.c flags_show) as ndctl names them.
const FIRMWARE_FLAGS: [number, DimmFirmwareFlag][] = [
  [MEM_MAP_FAILED, 'failed_map'],
  [MEM_SAVE_FAILED, 'failed_save'],
  [MEM_NOT_ARMED, 'failed_arm'],
  [MEM_RESTORE_FAILED, 'failed_restore'],
  [MEM_FLUSH_FAILED, 'failed_flush'],
  [MEM_HEALTH_OBSERVED, 'smart_event'],
]

const hex = (value: number) => `0x${value.toString(16)}`

function ofType<T extends NfitSubtable>(table: NfitTable, type: number): T[] {
  return table.subtables.filter((sub): sub is T => !(sub as NfitUnknown).unknown && sub.type === type)
}

/** The capabilities the platform claims, masked to the highest one it defines (acpi_nfit_add_capabilities). */
function platformCapabilities(table: NfitTable): number {
  const caps = ofType<NfitCapabilities>(table, NfitType.CAPABILITIES)[0]
  if (!caps) return 0
  const mask = caps.highestCapability >= 31 ? 0xffffffff : (1 << (caps.highestCapability + 1)) - 1
  return (caps.capabilities & mask) >>> 0
}

/** Persistence domain bits are hierarchical: a cache flush on power loss implies a memory controller one. */
function persistenceFlags(capabilities: number): RegionFlag[] {
  if (capabilities & CAP_CACHE_FLUSH) return ['persistCache']
  if (capabilities & CAP_MEM_FLUSH) return ['persistMemctrl']
  return []
}

function buildDimms(table: NfitTable, memdevs: NfitMemdev[]): NfitDimm[] {
  const dcrs = new Map(ofType<NfitDcr>(table, NfitType.DCR).map((dcr) => [dcr.regionIndex, dcr]))
  const flushes = new Map(ofType<NfitFlush>(table, NfitType.FLUSH).map((flush) => [flush.deviceHandle, flush]))
  const byHandle = new Map<number, NfitDimm>()
  for (const memdev of memdevs) {
    const known = byHandle.get(memdev.deviceHandle)
    if (known) {
      known.memdevFlags |= memdev.flags
      continue
    }
    const dcr = dcrs.get(memdev.regionIndex)
    if (!dcr) {
      throw new NvdimmError(
        'ENODEV',
        `NFIT: dimm ${hex(memdev.deviceHandle)} (SPA ${memdev.rangeIndex}) missing DCR ${memdev.regionIndex}`,
      )
    }
    byHandle.set(memdev.deviceHandle, {
      handle: memdev.deviceHandle,
      physId: memdev.physicalId,
      id: nfitDimmId(dcr),
      dcr,
      memdevFlags: memdev.flags,
      flags: [],
      firmwareFlags: [],
      flushHints: [...(flushes.get(memdev.deviceHandle)?.hintAddresses ?? [])],
    })
  }
  // nfit_mem_cmp(): dimms register in handle order, so nmem0 is the lowest handle.
  const dimms = [...byHandle.values()].sort((a, b) => a.handle - b.handle)
  for (const dimm of dimms) {
    if (dimm.memdevFlags & MEM_NOT_ARMED) dimm.flags.push('unarmed')
    dimm.firmwareFlags = FIRMWARE_FLAGS.filter(([bit]) => dimm.memdevFlags & bit).map(([, name]) => name)
  }
  return dimms
}

function buildRegion(
  spa: NfitSpa,
  type: SpaRangeTypeName,
  memdevs: NfitMemdev[],
  dimms: Map<number, NfitDimm>,
  flags: RegionFlag[],
): NfitRegion {
  // A virtual range maps no dimm memory (acpi_nfit_init_mapping() leaves such mappings empty).
  const members = (VIRTUAL_TYPES.includes(type) ? [] : memdevs)
    .filter((memdev) => memdev.rangeIndex === spa.rangeIndex)
    .map((memdev) => {
      const dimm = dimms.get(memdev.deviceHandle)
      if (!dimm)
        throw new NvdimmError('ENODEV', `NFIT: spa${spa.rangeIndex} dimm: ${hex(memdev.deviceHandle)} not found`)
      return { memdev, dcr: dimm.dcr }
    })
  if (members.length > ND_MAX_MAPPINGS) {
    throw new NvdimmError('ENXIO', `NFIT: spa${spa.rangeIndex} exceeds max mappings ${ND_MAX_MAPPINGS}`)
  }
  const { cookie1, cookie2, altcookie, positions } = interleaveCookies(members)
  // Without a valid proximity domain the kernel falls back to the node of the address: one node here.
  const node = spa.flags & SPA_PROXIMITY_VALID ? spa.proximityDomain : 0
  return {
    spa,
    type: type === 'volatile' ? 'volatile' : 'pmem',
    spaType: type,
    mappings: members.map(({ memdev }, index) => ({
      handle: memdev.deviceHandle,
      start: memdev.address,
      size: memdev.regionSize,
      position: positions[index]!,
    })),
    interleaveSet: { cookie1, cookie2, altcookie, typeGuid: spa.rangeGuid },
    numaNode: node,
    targetNode: node,
    flags,
  }
}

// Ranges that become regions: PM and volatile memory, and the virtual disk / CD ranges (pmem regions).
const REGION_TYPES: readonly SpaRangeTypeName[] = [
  'pmem',
  'volatile',
  'volatile-disk',
  'volatile-cd',
  'persistent-disk',
  'persistent-cd',
]
const VIRTUAL_TYPES: readonly SpaRangeTypeName[] = ['volatile-disk', 'volatile-cd', 'persistent-disk', 'persistent-cd']

/**
 * What drivers/acpi/nfit/core.c builds from a table: the dimms (nfit_mem_init(),
 * acpi_nfit_register_dimms()) and one region per memory range (acpi_nfit_register_region()),
 * with the interleave-set cookies and the persistence domain. Control and block-window ranges
 * make no region: libnvdimm dropped BLK.
 */
export function nfitTopology(table: NfitTable): NfitTopology {
  const memdevs = ofType<NfitMemdev>(table, NfitType.MEMDEV)
  const dimms = buildDimms(table, memdevs)
  const byHandle = new Map(dimms.map((dimm) => [dimm.handle, dimm]))
  const capabilities = platformCapabilities(table)
  const flags = persistenceFlags(capabilities)
  const regions: NfitRegion[] = []
  for (const spa of ofType<NfitSpa>(table, NfitType.SPA)) {
    const type = spaRangeTypeName(spa.rangeGuid)
    if (type === 'unknown' || !REGION_TYPES.includes(type)) continue
    // "detected invalid spa index": only virtual ranges may go without one.
    if (spa.rangeIndex === 0 && !VIRTUAL_TYPES.includes(type)) continue
    regions.push(buildRegion(spa, type, memdevs, byHandle, flags))
  }
  return { dimms, regions, capabilities }
}
