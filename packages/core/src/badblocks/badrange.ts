/** One entry of a badrange list: `length` bad bytes from system-physical address `start`. */
export interface BadrangeEntry {
  readonly start: bigint
  readonly length: bigint
}

/**
 * A list of poisoned address ranges, as drivers/nvdimm/badrange.c keeps it for a bus: entries
 * stay in the order they were found and may overlap (badblocks_populate() resolves overlaps);
 * adding a start already listed only updates its length; forgetting trims, drops or splits.
 */
export class Badrange {
  private list: { start: bigint; length: bigint }[] = []
  /** Bumped by every change, so views derived from the list know when to recompute. */
  private version = 0

  get generation(): number {
    return this.version
  }

  get entries(): readonly BadrangeEntry[] {
    return this.list.map((entry) => ({ ...entry }))
  }

  get size(): number {
    return this.list.length
  }

  /** badrange_add() */
  add(start: bigint, length: bigint): void {
    if (length <= 0n) return
    const same = this.list.find((entry) => entry.start === start)
    if (same) {
      if (same.length !== length) {
        same.length = length
        this.version++
      }
      return
    }
    this.list.push({ start, length })
    this.version++
  }

  /** badrange_forget(): [start, start + length) is no longer bad. */
  forget(start: bigint, length: bigint): void {
    if (length <= 0n) return
    const clearEnd = start + length - 1n
    const next: { start: bigint; length: bigint }[] = []
    const split: { start: bigint; length: bigint }[] = []
    let changed = false
    for (const entry of this.list) {
      const end = entry.start + entry.length - 1n
      if (end < start || entry.start > clearEnd) {
        next.push(entry)
        continue
      }
      changed = true
      if (entry.start >= start && end <= clearEnd) continue
      if (start <= entry.start && clearEnd > entry.start) {
        next.push({ start: clearEnd + 1n, length: entry.length - (clearEnd - entry.start + 1n) })
        continue
      }
      if (entry.start < start && end <= clearEnd) {
        next.push({ start: entry.start, length: start - entry.start })
        continue
      }
      // A hole in the middle: the left half stays in place, the right half is appended.
      next.push({ start: entry.start, length: start - entry.start })
      split.push({ start: clearEnd + 1n, length: end - clearEnd })
    }
    if (!changed) return
    this.list = [...next, ...split]
    this.version++
  }

  /** The entries that intersect [start, start + length), clipped to it (nfit_test's post_ars_status()). */
  within(start: bigint, length: bigint): BadrangeEntry[] {
    if (length <= 0n) return []
    const end = start + length - 1n
    const found: BadrangeEntry[] = []
    for (const entry of this.list) {
      const entryEnd = entry.start + entry.length - 1n
      if (entryEnd < start || entry.start > end) continue
      const from = entry.start < start ? start : entry.start
      const to = entryEnd < end ? entryEnd : end
      found.push({ start: from, length: to - from + 1n })
    }
    return found
  }

  clear(): void {
    if (this.list.length === 0) return
    this.list = []
    this.version++
  }
}
