/**
 * The ACPI NFIT as decoded: one interface per sub-table (include/acpi/actbl2.h, ACPI 6.4
 * §5.2.25). Numbers are as stored; u64 fields are bigints; GUIDs are text in the usual
 * 8-4-4-4-12 form (stored mixed-endian on media).
 */

export const NFIT_SIGNATURE = 'NFIT'
export const NFIT_HEADER_SIZE = 40

export const NfitType = {
  SPA: 0,
  MEMDEV: 1,
  INTERLEAVE: 2,
  SMBIOS: 3,
  DCR: 4,
  BDW: 5,
  FLUSH: 6,
  CAPABILITIES: 7,
} as const

/** Short names of the sub-table types, indexed by type: the JSON form's `"type"`. */
export const NFIT_SUBTABLE_NAMES = [
  'spa',
  'memdev',
  'interleave',
  'smbios',
  'dcr',
  'bdw',
  'flush',
  'capabilities',
] as const
export type NfitSubtableName = (typeof NFIT_SUBTABLE_NAMES)[number]

/** What each sub-table type is, in words, for messages. */
export const NFIT_SUBTABLE_DESCRIPTIONS = [
  'system physical address range',
  'memory device',
  'interleave',
  'SMBIOS management information',
  'control region',
  'block data window',
  'flush hint address',
  'platform capabilities',
] as const

/**
 * Sub-table sizes (include/acpi/actbl2.h; the kernel's nfit_init() asserts SPA 64, memdev 48,
 * DCR 80, BDW 40, capabilities 16). Variable ones give their fixed part.
 */
export const NFIT_SUBTABLE_HEADER_SIZE = 4
export const SPA_SIZE = 56
/** With the ACPI 6.4 location cookie: sizeof_spa() when flags has SPA_LOCATION_COOKIE_VALID. */
export const SPA_COOKIE_SIZE = 64
export const MEMDEV_SIZE = 48
/** Plus 4 bytes per line offset. */
export const INTERLEAVE_FIXED_SIZE = 16
/** Plus the SMBIOS data. */
export const SMBIOS_FIXED_SIZE = 8
export const DCR_SIZE = 80
export const BDW_SIZE = 40
/** Plus 8 bytes per hint address. */
export const FLUSH_FIXED_SIZE = 16
export const CAPABILITIES_SIZE = 16
/** Sub-table lengths are u16. */
export const NFIT_SUBTABLE_MAX_SIZE = 0xffff

export interface NfitHeader {
  /** Bytes of the whole table, as the header says. */
  length: number
  revision: number
  checksum: number
  oemId: string
  oemTableId: string
  oemRevision: number
  aslCompilerId: string
  aslCompilerRevision: number
}

/** SPA flags: ACPI_NFIT_ADD_ONLINE_ONLY, ACPI_NFIT_PROXIMITY_VALID, ACPI_NFIT_LOCATION_COOKIE_VALID. */
export const SPA_ADD_ONLINE_ONLY = 1 << 0
export const SPA_PROXIMITY_VALID = 1 << 1
export const SPA_LOCATION_COOKIE_VALID = 1 << 2

export interface NfitSpa {
  type: 0
  rangeIndex: number
  flags: number
  proximityDomain: number
  rangeGuid: string
  address: bigint
  length: bigint
  memoryMapping: bigint
  /** Present exactly when flags has SPA_LOCATION_COOKIE_VALID (the 64-byte form). */
  locationCookie?: bigint
}

/** Memdev flags (ACPI_NFIT_MEM_*). */
export const MEM_SAVE_FAILED = 1 << 0
export const MEM_RESTORE_FAILED = 1 << 1
export const MEM_FLUSH_FAILED = 1 << 2
export const MEM_NOT_ARMED = 1 << 3
export const MEM_HEALTH_OBSERVED = 1 << 4
export const MEM_HEALTH_ENABLED = 1 << 5
export const MEM_MAP_FAILED = 1 << 6

export interface NfitMemdev {
  type: 1
  deviceHandle: number
  physicalId: number
  regionId: number
  rangeIndex: number
  regionIndex: number
  regionSize: bigint
  regionOffset: bigint
  address: bigint
  interleaveIndex: number
  interleaveWays: number
  flags: number
}

export interface NfitInterleave {
  type: 2
  interleaveIndex: number
  lineSize: number
  lineOffsets: number[]
}

export interface NfitSmbios {
  type: 3
  data: Uint8Array
}

/** DCR valid_fields bit 0: the manufacturing location and date are valid. */
export const DCR_MFG_VALID = 1 << 0
/** DCR size without the block-window fields (nfit_test's pmem DCRs). */
export const DCR_SHORT_SIZE = 32

export interface NfitDcr {
  type: 4
  regionIndex: number
  vendorId: number
  deviceId: number
  revisionId: number
  subsystemVendorId: number
  subsystemDeviceId: number
  subsystemRevisionId: number
  validFields: number
  manufacturingLocation: number
  manufacturingDate: number
  serialNumber: number
  code: number
  windows: number
  /** The block-window fields; absent in the 32-byte form. */
  windowSize?: bigint
  commandOffset?: bigint
  commandSize?: bigint
  statusOffset?: bigint
  statusSize?: bigint
  dcrFlags?: number
}

export interface NfitBdw {
  type: 5
  regionIndex: number
  windows: number
  offset: bigint
  size: bigint
  capacity: bigint
  startAddress: bigint
}

export interface NfitFlush {
  type: 6
  deviceHandle: number
  hintAddresses: bigint[]
}

/** Platform capabilities (ACPI_NFIT_CAPABILITY_*). */
export const CAP_CACHE_FLUSH = 1 << 0
export const CAP_MEM_FLUSH = 1 << 1
export const CAP_MEM_MIRRORING = 1 << 2

export interface NfitCapabilities {
  type: 7
  highestCapability: number
  capabilities: number
}

/** A sub-table type this decoder does not know: kept as bytes, skipped by the topology. */
export interface NfitUnknown {
  type: number
  unknown: true
  data: Uint8Array
}

export type NfitSubtable =
  NfitSpa | NfitMemdev | NfitInterleave | NfitSmbios | NfitDcr | NfitBdw | NfitFlush | NfitCapabilities

export interface NfitTable {
  header: NfitHeader
  /** In table order. */
  subtables: (NfitSubtable | NfitUnknown)[]
}

/** Something the decoder accepted but a person should know, with where it is. */
export interface NfitWarning {
  offset: number
  message: string
}

/** Whether a sub-table is one the decoder kept as bytes. */
export function isNfitUnknown(subtable: NfitSubtable | NfitUnknown): subtable is NfitUnknown {
  return (subtable as NfitUnknown).unknown === true
}
