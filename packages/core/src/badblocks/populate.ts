import type { BadrangeEntry } from './badrange.js'
import { Badblocks } from './badblocks.js'

const SECTOR = 512n
/** INT_MAX: __add_badblock_range() hands badblocks_set() at most this many sectors at once. */
const INT_MAX = 0x7fff_ffffn

/** [start, end], inclusive, in system-physical addresses (struct range). */
export interface PhysRange {
  start: bigint
  end: bigint
}

/** __add_badblock_range(): the 512-byte sectors [offset, offset + length) touches, relative to the range. */
function addBadblockRange(bb: Badblocks, offset: bigint, length: bigint): void {
  const startSector = offset / SECTOR
  const endSector = (offset + length + SECTOR - 1n) / SECTOR
  let remaining = endSector - startSector
  let sector = startSector
  while (remaining > 0n) {
    const done = remaining < INT_MAX ? remaining : INT_MAX
    // A full table is not an error: the hardware still raises the exception.
    bb.set(sector, done)
    remaining -= done
    sector += done
  }
}

/**
 * nvdimm_badblocks_populate() / badblocks_populate() (drivers/nvdimm/badrange.c): the sectors
 * of `range` that the bus's badrange entries touch, in the order the entries were found.
 */
export function populateBadblocks(
  entries: readonly BadrangeEntry[],
  range: PhysRange,
  bb = new Badblocks(),
): Badblocks {
  const rangeLength = range.end - range.start + 1n
  for (const entry of entries) {
    const entryEnd = entry.start + entry.length - 1n
    if (entryEnd < range.start || entry.start > range.end) continue
    if (entry.start >= range.start) {
      const length = entryEnd <= range.end ? entry.length : range.start + rangeLength - entry.start
      addBadblockRange(bb, entry.start - range.start, length)
      continue
    }
    const length = entryEnd < range.end ? entry.start + entry.length - range.start : rangeLength
    addBadblockRange(bb, 0n, length)
  }
  return bb
}
