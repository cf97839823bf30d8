import { describe, expect, it } from 'vitest'
import { Badblocks, BB_MAX_LEN, MAX_BADBLOCKS, populateBadblocks } from '../../src/index.js'

const table = (bb: Badblocks) => bb.entries.map((entry) => [Number(entry.sector), entry.length])

describe('Badblocks (block/badblocks.c, Linux 6.7+)', () => {
  it('splits a long run into entries of at most 512 sectors and fills the last one up first', () => {
    const bb = new Badblocks()
    expect(bb.set(0n, 1000n)).toBe(true)
    expect(table(bb)).toEqual([
      [0, BB_MAX_LEN],
      [512, 488],
    ])
    bb.set(1000n, 30n)
    expect(table(bb)).toEqual([
      [0, 512],
      [512, 512],
      [1024, 6],
    ])
    expect(bb.sectors).toBe(1030n)
  })

  it('merges into an entry a range starts in or right after, and combines neighbours that then touch', () => {
    const bb = new Badblocks()
    bb.set(0n, 8n)
    bb.set(16n, 8n)
    bb.set(4n, 2n)
    expect(table(bb)).toEqual([
      [0, 8],
      [16, 8],
    ])
    bb.set(8n, 8n)
    expect(table(bb)).toEqual([[0, 24]])
  })

  it('inserts before the first entry only up to it, then combines the two and merges the rest', () => {
    const bb = new Badblocks()
    bb.set(100n, 10n)
    bb.set(90n, 30n)
    expect(table(bb)).toEqual([[90, 30]])
  })

  it('refuses what no longer fits once the table holds a page of entries', () => {
    const bb = new Badblocks()
    for (let i = 0; i < MAX_BADBLOCKS; i++) expect(bb.set(BigInt(i * 4), 1n)).toBe(true)
    expect(bb.set(10_000n, 1n)).toBe(false)
    expect(bb.count).toBe(MAX_BADBLOCKS)
  })

  it('answers whether a range touches a bad sector (badblocks_check)', () => {
    const bb = new Badblocks()
    bb.set(10n, 2n)
    bb.set(40n, 8n)
    expect(bb.check(0n, 10n)).toBeUndefined()
    expect(bb.check(0n, 11n)).toEqual({ sector: 10n, length: 2 })
    expect(bb.check(12n, 28n)).toBeUndefined()
    expect(bb.check(20n, 100n)).toEqual({ sector: 40n, length: 8 })
    expect(bb.check(47n, 1n)).toEqual({ sector: 40n, length: 8 })
    expect(new Badblocks().check(0n, 1000n)).toBeUndefined()
  })

  it('prints sysfs badblocks lines', () => {
    const bb = new Badblocks()
    bb.set(42n, 8n)
    bb.set(7n, 1n)
    expect(bb.show()).toBe('7 1\n42 8\n')
  })
})

describe('populateBadblocks (nvdimm_badblocks_populate)', () => {
  const base = 0x1_0000_0000n
  const range = { start: base + 0x10000n, end: base + 0x10000n + 0x100000n - 1n }

  it('marks every sector a badrange touches, relative to the range, clipped at both ends', () => {
    const bb = populateBadblocks(
      [
        { start: base + 0x10000n + 42n * 512n, length: 256n }, // a clear unit: its whole sector
        { start: base + 0x10000n + 100n * 512n + 500n, length: 20n }, // straddles two sectors
        { start: base, length: 0x10000n + 1024n }, // starts before the range
        { start: range.end - 511n, length: 4096n }, // ends after it
        { start: base + 0x300000n, length: 512n }, // outside
      ],
      range,
    )
    expect(table(bb)).toEqual([
      [0, 2],
      [42, 1],
      [100, 2],
      [2047, 1],
    ])
  })
})
