/**
 * NfitTable → bytes, the exact layouts of include/acpi/actbl2.h. The header's length and
 * checksum are computed here; reserved fields are written as zero.
 */
import { NvdimmError } from '@nvdimm/core'
import { fixAcpiChecksum } from './nfit-checksum.js'
import { encodeGuid } from './nfit-guid.js'
import {
  BDW_SIZE,
  CAPABILITIES_SIZE,
  DCR_SHORT_SIZE,
  DCR_SIZE,
  FLUSH_FIXED_SIZE,
  INTERLEAVE_FIXED_SIZE,
  isNfitUnknown,
  MEMDEV_SIZE,
  NFIT_HEADER_SIZE,
  NFIT_SIGNATURE,
  NFIT_SUBTABLE_HEADER_SIZE,
  NFIT_SUBTABLE_MAX_SIZE,
  NFIT_SUBTABLE_NAMES,
  NfitType,
  SMBIOS_FIXED_SIZE,
  SPA_COOKIE_SIZE,
  SPA_LOCATION_COOKIE_VALID,
  SPA_SIZE,
} from './nfit-types.js'
import type { NfitDcr, NfitHeader, NfitSubtable, NfitTable, NfitUnknown } from './nfit-types.js'

const U64_MAX = (1n << 64n) - 1n

function invalid(where: string, message: string): NvdimmError {
  return new NvdimmError('EINVAL', `NFIT: ${where}: ${message}`)
}

function subtableWhere(index: number, subtable: NfitSubtable | NfitUnknown): string {
  return `subtables[${index}] (${isNfitUnknown(subtable) ? `type ${subtable.type}` : NFIT_SUBTABLE_NAMES[subtable.type]})`
}

/** The DCR's block-window fields, all present (80-byte form) or all absent (32-byte form). */
function dcrHasWindowFields(dcr: NfitDcr, where: string): boolean {
  const fields = [dcr.windowSize, dcr.commandOffset, dcr.commandSize, dcr.statusOffset, dcr.statusSize, dcr.dcrFlags]
  const present = fields.filter((field) => field !== undefined).length
  if (present !== 0 && present !== fields.length)
    throw invalid(
      where,
      'give all of windowSize, commandOffset, commandSize, statusOffset, statusSize and dcrFlags (80-byte form) or none (32-byte form)',
    )
  if (present === 0 && dcr.windows !== 0)
    throw invalid(where, `the 32-byte form has no block-window fields, but windows is ${dcr.windows}`)
  return present !== 0
}

/** Bytes the sub-table takes, header included; EINVAL when the fields do not pick one layout. */
export function nfitSubtableSize(subtable: NfitSubtable | NfitUnknown, where = 'sub-table'): number {
  let size: number
  if (isNfitUnknown(subtable)) {
    size = NFIT_SUBTABLE_HEADER_SIZE + subtable.data.length
  } else {
    switch (subtable.type) {
      case NfitType.SPA: {
        const cookieFlag = (subtable.flags & SPA_LOCATION_COOKIE_VALID) !== 0
        if (cookieFlag !== (subtable.locationCookie !== undefined))
          throw invalid(
            where,
            cookieFlag
              ? 'flags has the location-cookie bit (0x4) but locationCookie is missing'
              : 'locationCookie is given but flags lacks the location-cookie bit (0x4)',
          )
        size = cookieFlag ? SPA_COOKIE_SIZE : SPA_SIZE
        break
      }
      case NfitType.MEMDEV:
        size = MEMDEV_SIZE
        break
      case NfitType.INTERLEAVE:
        size = INTERLEAVE_FIXED_SIZE + 4 * subtable.lineOffsets.length
        break
      case NfitType.SMBIOS:
        size = SMBIOS_FIXED_SIZE + subtable.data.length
        break
      case NfitType.DCR:
        size = dcrHasWindowFields(subtable, where) ? DCR_SIZE : DCR_SHORT_SIZE
        break
      case NfitType.BDW:
        size = BDW_SIZE
        break
      case NfitType.FLUSH:
        size = FLUSH_FIXED_SIZE + 8 * subtable.hintAddresses.length
        break
      case NfitType.CAPABILITIES:
        size = CAPABILITIES_SIZE
        break
      default:
        throw invalid(where, `type ${(subtable as { type: unknown }).type} is not a sub-table type`)
    }
  }
  if (size > NFIT_SUBTABLE_MAX_SIZE)
    throw invalid(where, `${size} bytes do not fit a sub-table (at most ${NFIT_SUBTABLE_MAX_SIZE})`)
  return size
}

/** Where each sub-table lands in the encoded table (the same as a decoded table's offsets). */
export function nfitSubtableOffsets(table: NfitTable): number[] {
  const offsets: number[] = []
  let offset = NFIT_HEADER_SIZE
  table.subtables.forEach((subtable, index) => {
    offsets.push(offset)
    offset += nfitSubtableSize(subtable, subtableWhere(index, subtable))
  })
  return offsets
}

class Writer {
  readonly bytes: Uint8Array
  private readonly view: DataView
  at = 0
  where = ''

  constructor(length: number) {
    this.bytes = new Uint8Array(length)
    this.view = new DataView(this.bytes.buffer)
  }

  private checkInteger(field: string, value: number, bits: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1)
      throw invalid(this.where, `${field} ${value} is not a ${bits}-bit unsigned integer`)
  }

  u8(offset: number, field: string, value: number): void {
    this.checkInteger(field, value, 8)
    this.view.setUint8(this.at + offset, value)
  }

  u16(offset: number, field: string, value: number): void {
    this.checkInteger(field, value, 16)
    this.view.setUint16(this.at + offset, value, true)
  }

  u32(offset: number, field: string, value: number): void {
    this.checkInteger(field, value, 32)
    this.view.setUint32(this.at + offset, value, true)
  }

  u64(offset: number, field: string, value: bigint): void {
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX)
      throw invalid(this.where, `${field} ${String(value)} is not a 64-bit unsigned integer`)
    this.view.setBigUint64(this.at + offset, value, true)
  }

  /** A fixed-width ACPI name: Latin-1 characters, NUL-padded. */
  name(offset: number, field: string, value: string, size: number): void {
    if (typeof value !== 'string' || value.length > size || /[^\x00-\xff]/.test(value))
      throw invalid(this.where, `${field} ${JSON.stringify(value)} is not a name of at most ${size} Latin-1 characters`)
    for (let i = 0; i < value.length; i++) this.bytes[this.at + offset + i] = value.charCodeAt(i)
  }

  guid(offset: number, field: string, value: string): void {
    try {
      encodeGuid(value, this.bytes, this.at + offset)
    } catch (error) {
      throw invalid(this.where, `${field}: ${(error as Error).message}`)
    }
  }

  data(offset: number, value: Uint8Array): void {
    this.bytes.set(value, this.at + offset)
  }
}

function writeHeader(w: Writer, header: NfitHeader, length: number): void {
  w.where = 'header'
  w.name(0, 'signature', NFIT_SIGNATURE, 4)
  w.u32(4, 'length', length)
  w.u8(8, 'revision', header.revision)
  w.name(10, 'oemId', header.oemId, 6)
  w.name(16, 'oemTableId', header.oemTableId, 8)
  w.u32(24, 'oemRevision', header.oemRevision)
  w.name(28, 'aslCompilerId', header.aslCompilerId, 4)
  w.u32(32, 'aslCompilerRevision', header.aslCompilerRevision)
}

function writeSubtable(w: Writer, subtable: NfitSubtable | NfitUnknown, size: number): void {
  w.u16(0, 'type', subtable.type)
  w.u16(2, 'length', size)
  if (isNfitUnknown(subtable)) {
    if (subtable.type <= NfitType.CAPABILITIES)
      throw invalid(w.where, `an unknown sub-table cannot use type ${subtable.type}, which is a known type`)
    w.data(NFIT_SUBTABLE_HEADER_SIZE, subtable.data)
    return
  }
  switch (subtable.type) {
    case NfitType.SPA:
      w.u16(4, 'rangeIndex', subtable.rangeIndex)
      w.u16(6, 'flags', subtable.flags)
      w.u32(12, 'proximityDomain', subtable.proximityDomain)
      w.guid(16, 'rangeGuid', subtable.rangeGuid)
      w.u64(32, 'address', subtable.address)
      w.u64(40, 'length', subtable.length)
      w.u64(48, 'memoryMapping', subtable.memoryMapping)
      if (subtable.locationCookie !== undefined) w.u64(56, 'locationCookie', subtable.locationCookie)
      return
    case NfitType.MEMDEV:
      w.u32(4, 'deviceHandle', subtable.deviceHandle)
      w.u16(8, 'physicalId', subtable.physicalId)
      w.u16(10, 'regionId', subtable.regionId)
      w.u16(12, 'rangeIndex', subtable.rangeIndex)
      w.u16(14, 'regionIndex', subtable.regionIndex)
      w.u64(16, 'regionSize', subtable.regionSize)
      w.u64(24, 'regionOffset', subtable.regionOffset)
      w.u64(32, 'address', subtable.address)
      w.u16(40, 'interleaveIndex', subtable.interleaveIndex)
      w.u16(42, 'interleaveWays', subtable.interleaveWays)
      w.u16(44, 'flags', subtable.flags)
      return
    case NfitType.INTERLEAVE:
      w.u16(4, 'interleaveIndex', subtable.interleaveIndex)
      w.u32(8, 'lineCount', subtable.lineOffsets.length)
      w.u32(12, 'lineSize', subtable.lineSize)
      subtable.lineOffsets.forEach((line, i) => w.u32(16 + 4 * i, `lineOffsets[${i}]`, line))
      return
    case NfitType.SMBIOS:
      w.data(SMBIOS_FIXED_SIZE, subtable.data)
      return
    case NfitType.DCR:
      w.u16(4, 'regionIndex', subtable.regionIndex)
      w.u16(6, 'vendorId', subtable.vendorId)
      w.u16(8, 'deviceId', subtable.deviceId)
      w.u16(10, 'revisionId', subtable.revisionId)
      w.u16(12, 'subsystemVendorId', subtable.subsystemVendorId)
      w.u16(14, 'subsystemDeviceId', subtable.subsystemDeviceId)
      w.u16(16, 'subsystemRevisionId', subtable.subsystemRevisionId)
      w.u8(18, 'validFields', subtable.validFields)
      w.u8(19, 'manufacturingLocation', subtable.manufacturingLocation)
      w.u16(20, 'manufacturingDate', subtable.manufacturingDate)
      w.u32(24, 'serialNumber', subtable.serialNumber)
      w.u16(28, 'code', subtable.code)
      w.u16(30, 'windows', subtable.windows)
      if (size === DCR_SIZE) {
        w.u64(32, 'windowSize', subtable.windowSize!)
        w.u64(40, 'commandOffset', subtable.commandOffset!)
        w.u64(48, 'commandSize', subtable.commandSize!)
        w.u64(56, 'statusOffset', subtable.statusOffset!)
        w.u64(64, 'statusSize', subtable.statusSize!)
        w.u16(72, 'dcrFlags', subtable.dcrFlags!)
      }
      return
    case NfitType.BDW:
      w.u16(4, 'regionIndex', subtable.regionIndex)
      w.u16(6, 'windows', subtable.windows)
      w.u64(8, 'offset', subtable.offset)
      w.u64(16, 'size', subtable.size)
      w.u64(24, 'capacity', subtable.capacity)
      w.u64(32, 'startAddress', subtable.startAddress)
      return
    case NfitType.FLUSH:
      w.u32(4, 'deviceHandle', subtable.deviceHandle)
      w.u16(8, 'hintCount', subtable.hintAddresses.length)
      subtable.hintAddresses.forEach((address, i) => w.u64(16 + 8 * i, `hintAddresses[${i}]`, address))
      return
    case NfitType.CAPABILITIES:
      w.u8(4, 'highestCapability', subtable.highestCapability)
      w.u32(8, 'capabilities', subtable.capabilities)
      return
  }
}

/** The table's bytes; `header.length` and `header.checksum` are ignored and recomputed. */
export function encodeNfit(table: NfitTable): Uint8Array {
  const sizes = table.subtables.map((subtable, index) => nfitSubtableSize(subtable, subtableWhere(index, subtable)))
  let length = NFIT_HEADER_SIZE
  for (const size of sizes) length += size
  if (length > 0xffffffff) throw invalid('header', `${length} bytes do not fit an ACPI table`)

  const w = new Writer(length)
  writeHeader(w, table.header, length)
  w.at = NFIT_HEADER_SIZE
  table.subtables.forEach((subtable, index) => {
    w.where = subtableWhere(index, subtable)
    writeSubtable(w, subtable, sizes[index]!)
    w.at += sizes[index]!
  })
  fixAcpiChecksum(w.bytes, length)
  return w.bytes
}
