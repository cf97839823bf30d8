import { describe, expect, it } from 'vitest'
import { Badrange } from '../../src/index.js'

const list = (badrange: Badrange) => badrange.entries.map((entry) => [entry.start, entry.length])

describe('Badrange (drivers/nvdimm/badrange.c)', () => {
  it('keeps entries in the order found, overlaps included, and updates the length of a known start', () => {
    const badrange = new Badrange()
    badrange.add(0x2000n, 0x100n)
    badrange.add(0x1000n, 0x200n)
    badrange.add(0x1100n, 0x400n)
    badrange.add(0x2000n, 0x300n)
    badrange.add(0x3000n, 0n)
    expect(list(badrange)).toEqual([
      [0x2000n, 0x300n],
      [0x1000n, 0x200n],
      [0x1100n, 0x400n],
    ])
  })

  it('forgets by dropping, trimming the head, trimming the tail and splitting, the right half going last', () => {
    const badrange = new Badrange()
    badrange.add(0x1000n, 0x100n) // wholly inside the clear: dropped
    badrange.add(0x0f00n, 0x200n) // ends inside: tail trimmed
    badrange.add(0x1080n, 0x100n) // starts inside: head trimmed
    badrange.add(0x0800n, 0x1000n) // covers it: split
    badrange.add(0x4000n, 0x10n) // elsewhere: untouched
    const before = badrange.generation
    badrange.forget(0x1000n, 0x100n)
    expect(list(badrange)).toEqual([
      [0x0f00n, 0x100n],
      [0x1100n, 0x80n],
      [0x0800n, 0x800n],
      [0x4000n, 0x10n],
      [0x1100n, 0x700n],
    ])
    expect(badrange.generation).toBeGreaterThan(before)
    const after = badrange.generation
    badrange.forget(0x9000n, 0x100n)
    expect(badrange.generation).toBe(after)
  })

  it('clips the entries that intersect a range (what a scan of that range reports)', () => {
    const badrange = new Badrange()
    badrange.add(0x0f00n, 0x200n)
    badrange.add(0x2000n, 0x10n)
    badrange.add(0x1800n, 0x1000n)
    expect(badrange.within(0x1000n, 0x1000n).map((entry) => [entry.start, entry.length])).toEqual([
      [0x1000n, 0x100n],
      [0x1800n, 0x800n],
    ])
    expect(badrange.within(0x1000n, 0n)).toEqual([])
  })
})
