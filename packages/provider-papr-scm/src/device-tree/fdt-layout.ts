/**
 * The flattened device tree blob (Devicetree Specification v0.4 §5; libfdt fdt.h): a big-endian
 * header, the memory reservation map, the structure block of 4-byte-aligned tokens and the
 * strings block of property names.
 */

export const FDT_MAGIC = 0xd00dfeed

/** Structure block tokens (fdt.h). */
export const FDT_BEGIN_NODE = 0x1
export const FDT_END_NODE = 0x2
export const FDT_PROP = 0x3
export const FDT_NOP = 0x4
export const FDT_END = 0x9

/** What this decoder reads (libfdt's FDT_LAST_SUPPORTED_VERSION) and what the encoder writes. */
export const FDT_VERSION = 17
/** v17 blobs can be read by v16 readers: the last_comp_version dtc and libfdt write. */
export const FDT_LAST_COMP_VERSION = 16
/** Older blobs (v1-v3 carried full paths and no strings-block size) are refused. */
export const FDT_FIRST_SUPPORTED_VERSION = 16

/** Header size by version: v17 adds size_dt_struct to v16's 36 bytes (libfdt fdt_header_size_()). */
export const FDT_V16_HEADER_SIZE = 36
export const FDT_V17_HEADER_SIZE = 40

/** Header field offsets (struct fdt_header). */
export const FDT_HEADER = {
  magic: 0,
  totalsize: 4,
  offDtStruct: 8,
  offDtStrings: 12,
  offMemRsvmap: 16,
  version: 20,
  lastCompVersion: 24,
  bootCpuidPhys: 28,
  sizeDtStrings: 32,
  sizeDtStruct: 36,
} as const

/** struct fdt_reserve_entry: u64 address, u64 size; the list ends at an entry of size 0. */
export const FDT_RESERVE_ENTRY_SIZE = 16

/** drivers/of/fdt.c FDT_MAX_DEPTH: the kernel does not unflatten nodes nested deeper. */
export const FDT_MAX_DEPTH = 64

/** One /memreserve/ entry. */
export interface MemReserveEntry {
  address: bigint
  size: bigint
}

/**
 * Non-zero bytes in the alignment padding after a node name or a property value. libfdt does
 * not clear that padding when it moves a structure block around (fdt_splice_()), so QEMU's blobs
 * carry stale bytes there ("emu" after `compatible = "qemu,pseries"`). The tree does not hold
 * them; they are kept aside to rebuild such a blob byte for byte.
 */
export interface FdtStalePadding {
  /** Byte offset in the blob where the padding starts. */
  at: number
  bytes: Uint8Array
}

/** FDT_TAGALIGN(): tokens and values start on 4-byte boundaries. */
export function fdtAlign(offset: number): number {
  // Arithmetic, not `& ~3`: offsets past 2^31 must not turn negative.
  return offset + ((4 - (offset % 4)) % 4)
}
