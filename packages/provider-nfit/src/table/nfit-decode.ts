/**
 * Bytes → NfitTable, as strict as the kernel's add_table() (drivers/acpi/nfit/core.c): a
 * sub-table whose length does not match its layout is refused, an unknown type is skipped
 * with a message ("unknown table '%d' parsing nfit") and kept here as bytes.
 */
import { NvdimmError } from '@nvdimm/core'
import { ACPI_CHECKSUM_OFFSET, acpiTableSum } from './nfit-checksum.js'
import { decodeGuid } from './nfit-guid.js'
import {
  BDW_SIZE,
  CAPABILITIES_SIZE,
  DCR_SHORT_SIZE,
  DCR_SIZE,
  FLUSH_FIXED_SIZE,
  INTERLEAVE_FIXED_SIZE,
  MEMDEV_SIZE,
  NFIT_HEADER_SIZE,
  NFIT_SIGNATURE,
  NFIT_SUBTABLE_DESCRIPTIONS,
  NFIT_SUBTABLE_HEADER_SIZE,
  NfitType,
  SMBIOS_FIXED_SIZE,
  SPA_COOKIE_SIZE,
  SPA_LOCATION_COOKIE_VALID,
  SPA_SIZE,
} from './nfit-types.js'
import type {
  NfitBdw,
  NfitCapabilities,
  NfitDcr,
  NfitFlush,
  NfitHeader,
  NfitInterleave,
  NfitMemdev,
  NfitSmbios,
  NfitSpa,
  NfitSubtable,
  NfitTable,
  NfitUnknown,
  NfitWarning,
} from './nfit-types.js'

export interface NfitDecodeOptions {
  /** 'verify' (default) refuses a table whose bytes do not sum to 0; 'ignore' only warns. */
  checksum?: 'verify' | 'ignore'
}

export interface NfitDecoded {
  table: NfitTable
  warnings: NfitWarning[]
  /** Byte offset of each sub-table in the table, parallel to `table.subtables`. */
  offsets: number[]
}

export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`
}

/** "(type 1, memory device)", for messages about a sub-table. */
export function subtableLabel(type: number): string {
  return `(type ${type}, ${NFIT_SUBTABLE_DESCRIPTIONS[type] ?? 'unknown'})`
}

function invalid(message: string): NvdimmError {
  return new NvdimmError('EINVAL', `NFIT: ${message}`)
}

/** A fixed-width ACPI name field; trailing NULs are padding, anything else is kept. */
function readName(bytes: Uint8Array, offset: number, size: number): string {
  let end = offset + size
  while (end > offset && bytes[end - 1] === 0) end--
  return String.fromCharCode(...bytes.subarray(offset, end))
}

/** Reserved ranges of each sub-table type, [offset, size] (actbl2.h "Reserved, must be zero"). */
const RESERVED: Record<number, readonly (readonly [number, number])[]> = {
  [NfitType.SPA]: [[8, 4]],
  [NfitType.MEMDEV]: [[46, 2]],
  [NfitType.INTERLEAVE]: [[6, 2]],
  [NfitType.SMBIOS]: [[4, 4]],
  [NfitType.DCR]: [
    [22, 2],
    [74, 6],
  ],
  [NfitType.FLUSH]: [[10, 6]],
  [NfitType.CAPABILITIES]: [
    [5, 3],
    [12, 4],
  ],
}

export function decodeNfit(bytes: Uint8Array, options: NfitDecodeOptions = {}): NfitDecoded {
  if (bytes.length < NFIT_HEADER_SIZE)
    throw invalid(`buffer of ${bytes.length} bytes is shorter than the ${NFIT_HEADER_SIZE}-byte table header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const signature = String.fromCharCode(...bytes.subarray(0, 4))
  if (signature !== NFIT_SIGNATURE)
    throw invalid(`bad signature ${JSON.stringify(signature)} at 0x0, expected "${NFIT_SIGNATURE}"`)
  const length = view.getUint32(4, true)
  if (length < NFIT_HEADER_SIZE)
    throw invalid(`header length ${length} is shorter than the ${NFIT_HEADER_SIZE}-byte table header`)
  if (length > bytes.length) throw invalid(`header length ${length} but the buffer holds ${bytes.length} bytes`)

  const warnings: NfitWarning[] = []
  const checksum = bytes[ACPI_CHECKSUM_OFFSET]!
  const sum = acpiTableSum(bytes, length)
  if (sum !== 0) {
    const fault = `bad checksum ${hex(checksum)} (sum of ${length} bytes is ${hex(sum)}, expected 0)`
    if (options.checksum !== 'ignore') throw invalid(fault)
    warnings.push({ offset: ACPI_CHECKSUM_OFFSET, message: `${fault}, ignored` })
  }
  if (bytes.length > length)
    warnings.push({
      offset: length,
      message: `${bytes.length - length} bytes after the table's length ${length} ignored`,
    })
  if (view.getUint32(36, true) !== 0)
    warnings.push({ offset: 36, message: 'reserved header bytes at 0x24 are not zero' })

  const header: NfitHeader = {
    length,
    revision: bytes[8]!,
    checksum,
    oemId: readName(bytes, 10, 6),
    oemTableId: readName(bytes, 16, 8),
    oemRevision: view.getUint32(24, true),
    aslCompilerId: readName(bytes, 28, 4),
    aslCompilerRevision: view.getUint32(32, true),
  }

  const subtables: (NfitSubtable | NfitUnknown)[] = []
  const offsets: number[] = []
  for (let offset = NFIT_HEADER_SIZE; offset < length;) {
    if (offset + NFIT_SUBTABLE_HEADER_SIZE > length)
      throw invalid(
        `sub-table at ${hex(offset)} runs past the end of the table (${length - offset} bytes left, a sub-table header takes ${NFIT_SUBTABLE_HEADER_SIZE})`,
      )
    const type = view.getUint16(offset, true)
    const size = view.getUint16(offset + 2, true)
    if (size === 0) throw invalid(`sub-table at ${hex(offset)} ${subtableLabel(type)} has zero length`)
    if (offset + size > length)
      throw invalid(
        `sub-table at ${hex(offset)} runs past the end of the table ${subtableLabel(type)}: length ${size}, the table ends at ${hex(length)}`,
      )
    if (size < NFIT_SUBTABLE_HEADER_SIZE)
      throw invalid(
        `sub-table at ${hex(offset)} ${subtableLabel(type)}: length ${size}, shorter than the ${NFIT_SUBTABLE_HEADER_SIZE}-byte sub-table header`,
      )
    subtables.push(decodeSubtable(bytes, view, offset, type, size, warnings))
    offsets.push(offset)
    offset += size
  }
  return { table: { header, subtables }, warnings, offsets }
}

function decodeSubtable(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  type: number,
  size: number,
  warnings: NfitWarning[],
): NfitSubtable | NfitUnknown {
  const wrongLength = (expected: string) =>
    invalid(`sub-table at ${hex(at)} ${subtableLabel(type)}: length ${size}, expected ${expected}`)
  const u16 = (offset: number) => view.getUint16(at + offset, true)
  const u32 = (offset: number) => view.getUint32(at + offset, true)
  const u64 = (offset: number) => view.getBigUint64(at + offset, true)

  if (type > NfitType.CAPABILITIES) {
    warnings.push({
      offset: at,
      message: `sub-table at ${hex(at)}: unknown table '${type}' parsing nfit, kept as ${size} bytes`,
    })
    return { type, unknown: true, data: bytes.slice(at + NFIT_SUBTABLE_HEADER_SIZE, at + size) }
  }

  switch (type) {
    case NfitType.SPA: {
      const flags = u16(6)
      const hasCookie = (flags & SPA_LOCATION_COOKIE_VALID) !== 0
      const expected = hasCookie ? SPA_COOKIE_SIZE : SPA_SIZE
      if (size !== expected)
        throw wrongLength(`${expected} (flags ${hex(flags)}: ${hasCookie ? 'with' : 'no'} location cookie)`)
      break
    }
    case NfitType.MEMDEV:
      if (size !== MEMDEV_SIZE) throw wrongLength(`${MEMDEV_SIZE}`)
      break
    case NfitType.INTERLEAVE: {
      if (size < INTERLEAVE_FIXED_SIZE) throw wrongLength(`at least ${INTERLEAVE_FIXED_SIZE}`)
      const lines = u32(8)
      if (size !== INTERLEAVE_FIXED_SIZE + 4 * lines)
        throw wrongLength(`${INTERLEAVE_FIXED_SIZE + 4 * lines} (line count ${lines})`)
      break
    }
    case NfitType.SMBIOS:
      if (size < SMBIOS_FIXED_SIZE) throw wrongLength(`at least ${SMBIOS_FIXED_SIZE}`)
      break
    case NfitType.DCR: {
      // sizeof_dcr(): the 32-byte form (up to window_size) is allowed when there are no windows.
      if (size < DCR_SHORT_SIZE) throw wrongLength(`${DCR_SIZE}, or ${DCR_SHORT_SIZE} without block windows`)
      const windows = u16(30)
      if (windows !== 0 && size !== DCR_SIZE) throw wrongLength(`${DCR_SIZE} (${windows} block windows)`)
      if (size !== DCR_SIZE && size !== DCR_SHORT_SIZE)
        throw wrongLength(`${DCR_SIZE}, or ${DCR_SHORT_SIZE} without block windows`)
      break
    }
    case NfitType.BDW:
      if (size !== BDW_SIZE) throw wrongLength(`${BDW_SIZE}`)
      break
    case NfitType.FLUSH: {
      if (size < FLUSH_FIXED_SIZE) throw wrongLength(`at least ${FLUSH_FIXED_SIZE}`)
      const hints = u16(8)
      if (size !== FLUSH_FIXED_SIZE + 8 * hints)
        throw wrongLength(`${FLUSH_FIXED_SIZE + 8 * hints} (hint count ${hints})`)
      break
    }
    case NfitType.CAPABILITIES:
      if (size !== CAPABILITIES_SIZE) throw wrongLength(`${CAPABILITIES_SIZE}`)
      break
  }

  for (const [offset, count] of RESERVED[type] ?? []) {
    if (offset + count > size) continue
    for (let i = at + offset; i < at + offset + count; i++) {
      if (bytes[i] !== 0) {
        warnings.push({ offset: at + offset, message: `reserved bytes at ${hex(at + offset)} are not zero` })
        break
      }
    }
  }

  switch (type) {
    case NfitType.SPA: {
      const spa: NfitSpa = {
        type: 0,
        rangeIndex: u16(4),
        flags: u16(6),
        proximityDomain: u32(12),
        rangeGuid: decodeGuid(bytes, at + 16),
        address: u64(32),
        length: u64(40),
        memoryMapping: u64(48),
      }
      if (size === SPA_COOKIE_SIZE) spa.locationCookie = u64(56)
      return spa
    }
    case NfitType.MEMDEV:
      return {
        type: 1,
        deviceHandle: u32(4),
        physicalId: u16(8),
        regionId: u16(10),
        rangeIndex: u16(12),
        regionIndex: u16(14),
        regionSize: u64(16),
        regionOffset: u64(24),
        address: u64(32),
        interleaveIndex: u16(40),
        interleaveWays: u16(42),
        flags: u16(44),
      } satisfies NfitMemdev
    case NfitType.INTERLEAVE: {
      const lineOffsets = new Array<number>(u32(8))
      for (let i = 0; i < lineOffsets.length; i++) lineOffsets[i] = u32(16 + 4 * i)
      return { type: 2, interleaveIndex: u16(4), lineSize: u32(12), lineOffsets } satisfies NfitInterleave
    }
    case NfitType.SMBIOS:
      return { type: 3, data: bytes.slice(at + SMBIOS_FIXED_SIZE, at + size) } satisfies NfitSmbios
    case NfitType.DCR: {
      const dcr: NfitDcr = {
        type: 4,
        regionIndex: u16(4),
        vendorId: u16(6),
        deviceId: u16(8),
        revisionId: u16(10),
        subsystemVendorId: u16(12),
        subsystemDeviceId: u16(14),
        subsystemRevisionId: u16(16),
        validFields: bytes[at + 18]!,
        manufacturingLocation: bytes[at + 19]!,
        manufacturingDate: u16(20),
        serialNumber: u32(24),
        code: u16(28),
        windows: u16(30),
      }
      if (size === DCR_SIZE) {
        dcr.windowSize = u64(32)
        dcr.commandOffset = u64(40)
        dcr.commandSize = u64(48)
        dcr.statusOffset = u64(56)
        dcr.statusSize = u64(64)
        dcr.dcrFlags = u16(72)
      }
      return dcr
    }
    case NfitType.BDW:
      return {
        type: 5,
        regionIndex: u16(4),
        windows: u16(6),
        offset: u64(8),
        size: u64(16),
        capacity: u64(24),
        startAddress: u64(32),
      } satisfies NfitBdw
    case NfitType.FLUSH: {
      const hintAddresses = new Array<bigint>(u16(8))
      for (let i = 0; i < hintAddresses.length; i++) hintAddresses[i] = u64(16 + 8 * i)
      return { type: 6, deviceHandle: u32(4), hintAddresses } satisfies NfitFlush
    }
    default:
      return { type: 7, highestCapability: bytes[at + 4]!, capabilities: u32(8) } satisfies NfitCapabilities
  }
}
