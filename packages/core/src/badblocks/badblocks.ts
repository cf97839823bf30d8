/** One entry of a badblocks table: `length` bad 512-byte sectors from `sector`. */
export interface BadblocksEntry {
  readonly sector: bigint
  readonly length: number
}

/** BB_MAX_LEN: an entry covers at most 512 sectors. */
export const BB_MAX_LEN = 512
/** MAX_BADBLOCKS: the table is one page of 8-byte entries. */
export const MAX_BADBLOCKS = 4096 / 8

const MAX = BigInt(BB_MAX_LEN)

interface Entry {
  sector: bigint
  length: bigint
}

const end = (entry: Entry): bigint => entry.sector + entry.length

/**
 * A bad-sector table as block/badblocks.c keeps it since Linux 6.7 (the rewrite that handles
 * multiple ranges): sorted entries of at most 512 sectors, a new range merged into the entry
 * it starts in or right after, adjacent entries combined while they fit, a full table (one
 * page) refusing the rest. nvdimm_badblocks_populate() sets every entry acknowledged, so the
 * ack-overwrite cases of the kernel never arise here.
 */
export class Badblocks {
  private p: Entry[] = []

  get count(): number {
    return this.p.length
  }

  get entries(): readonly BadblocksEntry[] {
    return this.p.map((entry) => ({ sector: entry.sector, length: Number(entry.length) }))
  }

  /** Total bad sectors. */
  get sectors(): bigint {
    return this.p.reduce((sum, entry) => sum + entry.length, 0n)
  }

  /** badblocks_set(): false when the table filled up before the whole range was recorded. */
  set(start: bigint, count: bigint): boolean {
    let s = start
    let sectors = count
    if (sectors <= 0n) return false
    const p = this.p
    let prev = -1
    let hint = -1
    while (sectors > 0n) {
      let length = sectors
      let len = 0n
      if (p.length >= MAX_BADBLOCKS) return false
      if (p.length === 0) {
        len = this.insertAt(0, s, length)
      } else {
        prev = this.prevBadblocks(s, hint)
        if (prev < 0) {
          // Starts before every entry: insert in front, up to the first one.
          if (length > p[0]!.sector - s) length = p[0]!.sector - s
          len = this.insertAt(0, s, length)
          hint = ++prev
        } else if (this.canCombineFront(prev, s)) {
          this.frontCombine(prev)
          hint = prev
        } else if (this.canMergeFront(prev, s)) {
          len = this.frontMerge(prev, s, sectors)
          hint = prev
        } else if (s >= p[prev]!.sector && s < end(p[prev]!)) {
          // Already bad (and acknowledged): skip what the entry covers.
          len = end(p[prev]!) - s < sectors ? end(p[prev]!) - s : sectors
          hint = prev
        } else {
          const next = p[prev + 1]
          if (next && s < next.sector && s + length > next.sector) length = next.sector - s
          len = this.insertAt(prev + 1, s, length)
          hint = ++prev
        }
      }
      s += len
      sectors -= len
    }
    this.tryAdjacentCombine(prev)
    return true
  }

  /** badblocks_check(): the first bad entry overlapping [s, s + sectors), if any. */
  check(start: bigint, count: bigint): BadblocksEntry | undefined {
    const p = this.p
    let s = start
    let sectors = count
    let hint = -1
    while (sectors > 0n) {
      if (p.length === 0) return undefined
      const prev = this.prevBadblocks(s, hint)
      if (prev >= 0 && s >= p[prev]!.sector && s < end(p[prev]!)) {
        return { sector: p[prev]!.sector, length: Number(p[prev]!.length) }
      }
      const next = p[prev + 1]
      if (next && s < next.sector && s + sectors > next.sector) {
        sectors -= next.sector - s
        s = next.sector
        hint = prev + 1
        continue
      }
      return undefined
    }
    return undefined
  }

  /** badblocks_show(): "sector length" lines, as a sysfs `badblocks` file reads (one page at most). */
  show(): string {
    let text = ''
    for (const entry of this.p) {
      if (text.length >= 4096) break
      text += `${entry.sector} ${entry.length}\n`
    }
    return text.length > 4096 ? text.slice(0, 4095) : text
  }

  /** prev_badblocks(): the last entry that starts at or before s, trying `hint` and the one after first. */
  private prevBadblocks(s: bigint, hint: number): number {
    const p = this.p
    if (p.length === 0) return -1
    if (hint >= 0) {
      for (let at = hint; at < hint + 2 && at + 1 <= p.length && p[at]!.sector <= s; at++) {
        if (at + 1 === p.length || p[at + 1]!.sector > s) return at
      }
    }
    let lo = 0
    let hi = p.length
    if (p[lo]!.sector > s) return -1
    if (p[hi - 1]!.sector <= s) return hi - 1
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      const a = p[mid]!.sector
      if (a === s) return mid
      if (a < s) lo = mid
      else hi = mid
    }
    return p[lo]!.sector <= s ? lo : -1
  }

  /** can_merge_front(): s lies inside entry `prev`, or right after it while it has room. */
  private canMergeFront(prev: number, s: bigint): boolean {
    const entry = this.p[prev]!
    return s < end(entry) || (s === end(entry) && entry.length < MAX)
  }

  /** front_merge(): how many of the sectors from s entry `prev` now covers. */
  private frontMerge(prev: number, s: bigint, sectors: bigint): bigint {
    const p = this.p
    const entry = p[prev]!
    if (s < end(entry)) return sectors < end(entry) - s ? sectors : end(entry) - s
    let merged = sectors < MAX - entry.length ? sectors : MAX - entry.length
    const next = p[prev + 1]
    if (next && merged > next.sector - end(entry)) merged = next.sector - end(entry)
    p[prev] = { sector: entry.sector, length: entry.length + merged }
    return merged
  }

  /** can_combine_front(): entry `prev` starts at s right where its predecessor ends, and both fit in one. */
  private canCombineFront(prev: number, s: bigint): boolean {
    const p = this.p
    const before = p[prev - 1]
    const entry = p[prev]!
    return !!before && entry.sector === s && end(before) === entry.sector && before.length + entry.length <= MAX
  }

  private frontCombine(prev: number): void {
    const p = this.p
    p[prev - 1] = { sector: p[prev - 1]!.sector, length: p[prev - 1]!.length + p[prev]!.length }
    p.splice(prev, 1)
  }

  /** insert_at(): at most BB_MAX_LEN sectors of the range, as a new entry at index `at`. */
  private insertAt(at: number, s: bigint, length: bigint): bigint {
    const len = length < MAX ? length : MAX
    this.p.splice(at, 0, { sector: s, length: len })
    return len
  }

  /** try_adjacent_combine(): the entry after `prev` starts where it ends and both fit in one. */
  private tryAdjacentCombine(prev: number): void {
    const p = this.p
    const entry = p[prev]
    const next = p[prev + 1]
    if (prev < 0 || !entry || !next) return
    if (end(entry) === next.sector && entry.length + next.length <= MAX) {
      p[prev] = { sector: entry.sector, length: entry.length + next.length }
      p.splice(prev + 1, 1)
    }
  }
}
