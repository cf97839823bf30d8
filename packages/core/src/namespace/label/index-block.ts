import { fletcher64 } from '../../util/fletcher64.js'

/**
 * The namespace index block (struct nd_namespace_index, drivers/nvdimm/label.h; UEFI 2.7
 * "NVDIMM Namespace Specification"), all fields little-endian:
 *   0 sig[16] "NAMESPACE_INDEX\0"   16 flags[3]   19 labelsize (log2 - 7, v1.2+)
 *   20 seq u32   24 myoff u64   32 mysize u64   40 otheroff u64   48 labeloff u64
 *   56 nslot u32   60 major u16   62 minor u16   64 checksum u64   72 free[] (bit set = free)
 */

export const NSINDEX_SIGNATURE = 'NAMESPACE_INDEX\0'
export const NSINDEX_HEADER_SIZE = 72
export const NSINDEX_ALIGN = 256
export const NSINDEX_SEQ_MASK = 0x3
/** ND_LABEL_MIN_SIZE: the smallest label area that can hold two indexes and two labels. */
export const ND_LABEL_MIN_SIZE = 256 * 4

export interface IndexBlock {
  signature: string
  flags: number
  /** The raw labelsize byte: label size is 1 << (7 + labelsize) from v1.2 on. */
  labelSizeField: number
  seq: number
  myoff: bigint
  mysize: bigint
  otheroff: bigint
  labeloff: bigint
  nslot: number
  major: number
  minor: number
  checksum: bigint
  /** Free bitmap, little-endian bit order: slot n is bit n % 8 of byte n / 8. */
  free: Uint8Array
}

/** nd_inc_seq(): 1 → 2 → 3 → 1; 0 stays invalid. */
export function nextSeq(seq: number): number {
  return [0, 2, 3, 1][seq & NSINDEX_SEQ_MASK]!
}

/** best_seq(): of two valid sequence numbers, the newer (the successor wins). */
export function bestSeq(a: number, b: number): number {
  a &= NSINDEX_SEQ_MASK
  b &= NSINDEX_SEQ_MASK
  if (a === 0 || a === b) return b
  if (b === 0) return a
  return nextSeq(a) === b ? b : a
}

/** __sizeof_namespace_index(): header plus bitmap, rounded up to 256 bytes. */
export function indexSizeFor(nslot: number): number {
  return Math.ceil((NSINDEX_HEADER_SIZE + Math.ceil(nslot / 8)) / NSINDEX_ALIGN) * NSINDEX_ALIGN
}

/** The version as one number, major * 100 + minor (102 = v1.2). */
export function indexVersion(index: { major: number; minor: number }): number {
  return index.major * 100 + index.minor
}

/** The label size an index declares: 128 before v1.2, else 1 << (7 + labelsize). */
export function declaredLabelSize(index: IndexBlock): number {
  return indexVersion(index) >= 102 ? 1 << (7 + index.labelSizeField) : 128
}

export function isSlotFree(index: IndexBlock, slot: number): boolean {
  return ((index.free[slot >> 3] ?? 0) & (1 << (slot & 7))) !== 0
}

export function setSlotFree(index: IndexBlock, slot: number, free: boolean): void {
  const byte = slot >> 3
  if (byte >= index.free.length) return
  if (free) index.free[byte]! |= 1 << (slot & 7)
  else index.free[byte]! &= ~(1 << (slot & 7))
}

export function decodeIndexBlock(bytes: Uint8Array): IndexBlock {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    signature: new TextDecoder('latin1').decode(bytes.subarray(0, 16)),
    flags: bytes[16]! | (bytes[17]! << 8) | (bytes[18]! << 16),
    labelSizeField: bytes[19]!,
    seq: view.getUint32(20, true),
    myoff: view.getBigUint64(24, true),
    mysize: view.getBigUint64(32, true),
    otheroff: view.getBigUint64(40, true),
    labeloff: view.getBigUint64(48, true),
    nslot: view.getUint32(56, true),
    major: view.getUint16(60, true),
    minor: view.getUint16(62, true),
    checksum: view.getBigUint64(64, true),
    free: bytes.slice(NSINDEX_HEADER_SIZE),
  }
}

/** Encode into `size` bytes (sizeof_namespace_index) with a fresh checksum. */
export function encodeIndexBlock(index: IndexBlock, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < 16; i++) bytes[i] = index.signature.charCodeAt(i) & 0xff
  bytes[16] = index.flags & 0xff
  bytes[17] = (index.flags >> 8) & 0xff
  bytes[18] = (index.flags >> 16) & 0xff
  bytes[19] = index.labelSizeField
  view.setUint32(20, index.seq, true)
  view.setBigUint64(24, index.myoff, true)
  view.setBigUint64(32, index.mysize, true)
  view.setBigUint64(40, index.otheroff, true)
  view.setBigUint64(48, index.labeloff, true)
  view.setUint32(56, index.nslot, true)
  view.setUint16(60, index.major, true)
  view.setUint16(62, index.minor, true)
  bytes.set(index.free.subarray(0, size - NSINDEX_HEADER_SIZE), NSINDEX_HEADER_SIZE)
  view.setBigUint64(64, fletcher64(bytes), true)
  return bytes
}

/**
 * Fill the fixed header of index block `index` (0 or 1) in place, as both the kernel's
 * nd_label_write_index() and ndctl's write_label_index() do, leaving the checksum zero: the
 * callers differ in what they do to the free bitmap before checksumming.
 */
export function fillIndexHeader(
  bytes: Uint8Array,
  header: { index: number; indexSize: number; seq: number; nslot: number; labelSize: number },
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < 16; i++) bytes[i] = NSINDEX_SIGNATURE.charCodeAt(i)
  bytes.fill(0, 16, 19)
  bytes[19] = header.labelSize >> 8
  view.setUint32(20, header.seq, true)
  view.setBigUint64(24, BigInt(header.index * header.indexSize), true)
  view.setBigUint64(32, BigInt(header.indexSize), true)
  view.setBigUint64(40, BigInt((1 - header.index) * header.indexSize), true)
  view.setBigUint64(48, BigInt(2 * header.indexSize), true)
  view.setUint32(56, header.nslot, true)
  view.setUint16(60, 1, true)
  view.setUint16(62, header.labelSize < 256 ? 1 : 2, true)
  view.setBigUint64(64, 0n, true)
}

/** Set the checksum of an index block filled in place. */
export function sealIndex(bytes: Uint8Array): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(64, fletcher64(bytes), true)
}

/** The checksum an index block's bytes should carry: fletcher64 with the field zeroed. */
export function indexChecksum(bytes: Uint8Array): bigint {
  const copy = bytes.slice()
  new DataView(copy.buffer).setBigUint64(64, 0n, true)
  return fletcher64(copy)
}
