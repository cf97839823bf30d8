import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock, OCXL_MMIO_SIZE, OcxlCard } from '../src/card/index.js'
import { decodeControllerStats, decodeErrorLog, decodeSmart } from '../src/driver/index.js'

function isEinval(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { errno?: unknown }).errno === 'EINVAL'
}

const offset = fc.oneof(
  fc.integer({ min: 0, max: OCXL_MMIO_SIZE / 8 - 1 }).map((word) => word * 8),
  fc.integer({ min: -16, max: OCXL_MMIO_SIZE + 16 }),
  fc.constantFrom(Number.NaN, Infinity, 2 ** 60, 0.5),
)
const value = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }))

describe('card fuzz', () => {
  it('garbage MMIO writes and reads never throw and read back u64 values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), offset, value, fc.nat({ max: 50 })), { maxLength: 60 }),
        (operations) => {
          const clock = new ManualClock()
          const card = new OcxlCard({ clock })
          card.injectErrorLog({ programReferenceCode: 1, data: Uint8Array.of(1, 2) })
          for (const [write, at, word, wait] of operations) {
            clock.advance(wait)
            if (write) card.write64(at, word)
            else {
              const read = card.read64(at)
              expect(read >= 0n && read < 1n << 64n).toBe(true)
            }
          }
          expect(() => card.toJSON()).not.toThrow()
          expect(OcxlCard.fromJSON(JSON.parse(JSON.stringify(card.toJSON())), { clock }).fwVersion).toBe(card.fwVersion)
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('garbage fromJSON is EINVAL', () => {
    const valid = new OcxlCard({ clock: new ManualClock() }).toJSON()
    const mutated = fc.oneof(
      fc.anything(),
      fc.dictionary(fc.constantFrom(...Object.keys(valid)), fc.anything()).map((patch) => ({ ...valid, ...patch })),
    )
    fc.assert(
      fc.property(mutated, (json) => {
        try {
          OcxlCard.fromJSON(json, { clock: new ManualClock() })
        } catch (error) {
          expect(isEinval(error)).toBe(true)
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('garbage error-log, SMART and stats buffers decode or are EINVAL', () => {
    const elHeader = fc.tuple(fc.nat({ max: 0xffff }), fc.uint8Array({ maxLength: 200 })).map(([length, rest]) => {
      const bytes = new Uint8Array(8 + rest.length)
      new DataView(bytes.buffer).setBigUint64(0, (0x454cn << 48n) | BigInt(length), true)
      bytes.set(rest, 8)
      return bytes
    })
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), elHeader),
        fc.integer({ min: -8, max: 0x10008 }),
        (bytes, length) => {
          for (const decode of [
            () => decodeErrorLog(bytes, length),
            () => decodeSmart(bytes),
            () => decodeControllerStats(bytes),
          ]) {
            try {
              decode()
            } catch (error) {
              expect(isEinval(error)).toBe(true)
            }
          }
          try {
            const log = decodeErrorLog(bytes, length)
            expect(log.data.length).toBeLessThanOrEqual(Math.min(length, log.length))
          } catch (error) {
            expect(isEinval(error)).toBe(true)
          }
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })
})
