import * as fs from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { IN_FLIGHT_FILE, loadInFlight, loadJournal, POWER_FAIL_JOURNAL } from '../../src/platform/in-flight.js'
import { CpuCacheModel, MemoryMedia, type PersistenceOp } from '../../src/index.js'
import { fuzzRuns } from '../../src/testing/index.js'
import { tempDir } from '../helpers.js'

const dir = tempDir('nvdimm-in-flight-fuzz-')
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function errnoOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { errno?: unknown }).errno : undefined
}

/** Text that is sometimes JSON of roughly the right shape. */
const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.anything().map((value) => JSON.stringify(value) ?? 'null'),
  fc
    .record({
      version: fc.oneof(fc.constant(1), fc.integer()),
      regions: fc.dictionary(
        fc.oneof(fc.constant('region0'), fc.string({ maxLength: 8 })),
        fc.array(
          fc.record({
            offset: fc.oneof(fc.nat(), fc.integer(), fc.double()),
            stage: fc.oneof(fc.constantFrom('cached', 'written-back', 'controller'), fc.string({ maxLength: 6 })),
            before: fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 10 })),
            data: fc.base64String({ maxLength: 40 }),
          }),
          { maxLength: 4 },
        ),
      ),
      runtime: fc.oneof(fc.constant({}), fc.anything()),
    })
    .map((value) => JSON.stringify(value)),
)

describe('persistence fuzz', () => {
  it('a garbage inflight.json or journal is read or refused with EINVAL, nothing else', () => {
    fc.assert(
      fc.property(garbage, garbage, (inFlight, journal) => {
        fs.writeFileSync(path.join(dir, IN_FLIGHT_FILE), inFlight)
        fs.writeFileSync(path.join(dir, POWER_FAIL_JOURNAL), journal)
        for (const load of [() => loadInFlight(dir), () => loadJournal(dir)]) {
          try {
            load()
          } catch (error) {
            expect(errnoOf(error)).toBe('EINVAL')
          }
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('any sequence of operations leaves every line with candidates of its length, the last one what is read', () => {
    const op: fc.Arbitrary<PersistenceOp> = fc.oneof(
      fc.record({
        kind: fc.constantFrom('store' as const, 'store-nt' as const),
        offset: fc.bigInt({ min: 0n, max: 1000n }),
        data: fc.uint8Array({ minLength: 1, maxLength: 200 }),
      }),
      fc.record({
        kind: fc.constant('writeback' as const),
        offset: fc.bigInt({ min: 0n, max: 1100n }),
        length: fc.integer({ min: -5, max: 300 }),
      }),
      fc.constant({ kind: 'barrier' as const }),
      fc.constant({ kind: 'deep-flush' as const }),
    )
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.constantFrom('memory_controller' as const, 'unknown' as const, 'cpu_cache' as const),
        fc.constantFrom(64, 128),
        fc.nat(),
        (ops, domain, lineSize, seed) => {
          const media = new MemoryMedia(1200n)
          const model = new CpuCacheModel(media, lineSize, domain)
          for (const operation of ops) model.apply(operation)
          for (const line of model.uncertain()) {
            const current = new Uint8Array(line.candidates[0]!.length)
            media.read(line.offset, current)
            expect(line.candidates.at(-1)).toEqual(current)
            for (const candidate of line.candidates) expect(candidate.length).toBe(current.length)
          }
          const report = model.powerFail({ seed })
          expect(report.linesLost).toBeLessThanOrEqual(report.uncertainLines)
          expect(model.uncertainLines).toBe(0)
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })
})
