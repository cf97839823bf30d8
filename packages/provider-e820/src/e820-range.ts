import { hex, NvdimmError, U64_MAX } from '@nvdimm/core'

/** E820_TYPE_PMEM (ACPI 6 persistent memory) and E820_TYPE_PRAM (legacy, memmap=nn!ss). */
export const E820_TYPE_PMEM = 7
export const E820_TYPE_PRAM = 12
export type E820PmemType = typeof E820_TYPE_PMEM | typeof E820_TYPE_PRAM
/** E820_TYPE_SOFT_RESERVED (arch/x86/include/asm/e820/types.h): EFI_MEMORY_SP, left to dax_hmem. */
export const E820_TYPE_SOFT_RESERVED = 0xefffffff
/** The e820 types this provider takes: persistent memory, and Soft Reserved memory. */
export type E820Type = E820PmemType | typeof E820_TYPE_SOFT_RESERVED
export const E820_TYPES: readonly E820Type[] = [E820_TYPE_PMEM, E820_TYPE_PRAM, E820_TYPE_SOFT_RESERVED]

/** A persistent-memory or Soft Reserved range of the e820 map. */
export interface E820Range {
  start: bigint
  size: bigint
  type: E820Type
  /** How the user wrote it ("memmap=4G!12G", a log line): errors quote it. */
  source?: string
  /** The firmware's own map has it (a BIOS entry), not only the kernel's copy memmap= edits. */
  firmware?: boolean
}

/** The kernel's own notation for a range: [mem 0x…-0x…] (%pr, end inclusive). */
export function formatRange(range: { start: bigint; size: bigint }): string {
  return `[mem ${hex(range.start)}-${hex(range.start + range.size - 1n)}]`
}

function describe(range: E820Range): string {
  return range.source ? `${range.source} ${formatRange(range)}` : formatRange(range)
}

/**
 * memmap= and e820 ranges are unvalidated user input (the seed's objection to memmap=):
 * refuse zero sizes, ranges that wrap past the end of the address space and overlaps, naming
 * the offending range. Returns the ranges in address order, the order e820 registers them.
 */
export function validateRanges(ranges: readonly E820Range[]): E820Range[] {
  for (const range of ranges) {
    if (range.size <= 0n)
      throw new NvdimmError('EINVAL', `${range.source ?? formatRange(range)}: the range has zero size`)
    if (range.start < 0n || range.start + range.size - 1n > U64_MAX) {
      throw new NvdimmError(
        'EINVAL',
        `${range.source ?? hex(range.start)}: the range wraps past the end of the address space`,
      )
    }
  }
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!
    const current = sorted[i]!
    if (current.start < previous.start + previous.size) {
      throw new NvdimmError('EINVAL', `${describe(current)} overlaps ${describe(previous)}`)
    }
  }
  return sorted
}
