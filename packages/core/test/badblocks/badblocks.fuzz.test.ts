import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Badblocks, BB_MAX_LEN, Badrange, populateBadblocks } from '../../src/index.js'
import { fuzzRuns } from '../../src/testing/index.js'

/** The sectors a list of [start, length) ranges covers, as a set. */
function covered(ranges: readonly (readonly [number, number])[]): Set<number> {
  const set = new Set<number>()
  for (const [start, length] of ranges) for (let s = start; s < start + length; s++) set.add(s)
  return set
}

const ranges = fc.array(fc.tuple(fc.nat(3000), fc.integer({ min: 1, max: 1500 })), { maxLength: 12 })

describe('badblocks and badrange properties', () => {
  it('records exactly the sectors set, in sorted, disjoint entries of at most 512 sectors', () => {
    fc.assert(
      fc.property(ranges, (sets) => {
        const bb = new Badblocks()
        for (const [start, length] of sets) expect(bb.set(BigInt(start), BigInt(length))).toBe(true)
        const entries = bb.entries.map((entry) => [Number(entry.sector), entry.length] as const)
        expect(covered(entries)).toEqual(covered(sets))
        for (const [index, [sector, length]] of entries.entries()) {
          expect(length).toBeGreaterThan(0)
          expect(length).toBeLessThanOrEqual(BB_MAX_LEN)
          const next = entries[index + 1]
          if (next) expect(sector + length).toBeLessThanOrEqual(next[0])
        }
        for (const [start, length] of sets) expect(bb.check(BigInt(start), BigInt(length))).toBeDefined()
        const bad = covered(sets)
        const gap = [...Array(4600).keys()].find((sector) => !bad.has(sector))
        if (gap !== undefined) expect(bb.check(BigInt(gap), 1n)).toBeUndefined()
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('forgets exactly the bytes cleared, and populates the sectors the rest touches', () => {
    const bytes = fc.array(fc.tuple(fc.nat(8192), fc.integer({ min: 1, max: 2048 })), { maxLength: 8 })
    fc.assert(
      fc.property(bytes, bytes, (added, forgotten) => {
        const badrange = new Badrange()
        for (const [start, length] of added) badrange.add(BigInt(start), BigInt(length))
        for (const [start, length] of forgotten) badrange.forget(BigInt(start), BigInt(length))
        const left = badrange.entries.map((entry) => [Number(entry.start), Number(entry.length)] as const)
        // Adding a known start only updates its length: the last one added wins.
        const kept = new Map<number, number>()
        for (const [start, length] of added) kept.set(start, length)
        const expected = covered([...kept])
        for (const byte of covered(forgotten)) expected.delete(byte)
        expect(covered(left)).toEqual(expected)

        const bb = populateBadblocks(badrange.entries, { start: 0n, end: 16383n })
        const sectors = new Set([...expected].map((byte) => Math.floor(byte / 512)))
        const got = covered(bb.entries.map((entry) => [Number(entry.sector), entry.length] as const))
        expect(got).toEqual(sectors)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
