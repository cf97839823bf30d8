import { fletcher64 } from '@nvdimm/core'
import type { NfitDcr, NfitMemdev } from '../table/nfit-types.js'

/** One mapping of an interleave set: its memdev and the DCR of its dimm. */
export interface SetMember {
  memdev: NfitMemdev
  dcr: NfitDcr
}

export interface InterleaveCookies {
  /** v1.1 labels: struct nfit_set_info sorted by region_offset. */
  cookie1: bigint
  /** v1.2 labels: struct nfit_set_info2 sorted by region_offset. */
  cookie2: bigint
  /** v1.1 labels written by kernels that sorted by memcmp() of the little-endian offset. */
  altcookie: bigint
  /** For each member in the order given, its index in the sorted info2 array: the mapping position. */
  positions: number[]
}

const INFO_SIZE = 16
const INFO2_SIZE = 48

// struct nfit_set_info { u64 region_offset; u32 serial_number; u32 pad; } (drivers/acpi/nfit/core.c)
function setInfo(member: SetMember): Uint8Array {
  const bytes = new Uint8Array(INFO_SIZE)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, member.memdev.regionOffset, true)
  view.setUint32(8, member.dcr.serialNumber, true)
  return bytes
}

// struct nfit_set_info2 { u64 region_offset; u32 serial_number; u16 vendor_id;
//   u16 manufacturing_date; u8 manufacturing_location; u8 reserved[31]; }
function setInfo2(member: SetMember): Uint8Array {
  const bytes = new Uint8Array(INFO2_SIZE)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, member.memdev.regionOffset, true)
  view.setUint32(8, member.dcr.serialNumber, true)
  view.setUint16(12, member.dcr.vendorId, true)
  view.setUint16(14, member.dcr.manufacturingDate, true)
  view.setUint8(16, member.dcr.manufacturingLocation)
  return bytes
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(parts.length * size)
  parts.forEach((part, index) => out.set(part, index * size))
  return out
}

const byOffset = (a: SetMember, b: SetMember) =>
  a.memdev.regionOffset < b.memdev.regionOffset ? -1 : a.memdev.regionOffset > b.memdev.regionOffset ? 1 : 0

/** cmp_map_compat(): memcmp() of the offsets as they sit in memory, little-endian. */
function byOffsetBytes(a: SetMember, b: SetMember): number {
  const x = setInfo(a)
  const y = setInfo(b)
  for (let i = 0; i < 8; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return 0
}

const sameDimm = (a: NfitDcr, b: NfitDcr) =>
  a.serialNumber === b.serialNumber &&
  a.vendorId === b.vendorId &&
  a.manufacturingDate === b.manufacturingDate &&
  a.manufacturingLocation === b.manufacturingLocation

/**
 * acpi_nfit_init_interleave_set(): the cookies that tie labels to this set of dimms, each a
 * fletcher64 over the members' identities sorted by their offset in the set.
 */
export function interleaveCookies(members: readonly SetMember[]): InterleaveCookies {
  const sorted = [...members].sort(byOffset)
  const sortedCompat = [...members].sort(byOffsetBytes)
  const cookie1 = fletcher64(concat(sorted.map(setInfo), INFO_SIZE))
  const cookie2 = fletcher64(concat(sorted.map(setInfo2), INFO2_SIZE))
  const altcookie = fletcher64(concat(sortedCompat.map(setInfo), INFO_SIZE))
  // The kernel gives each mapping the index of the first sorted entry with its dimm's identity.
  const positions = members.map((member) => sorted.findIndex((entry) => sameDimm(entry.dcr, member.dcr)))
  return { cookie1, cookie2, altcookie, positions }
}
