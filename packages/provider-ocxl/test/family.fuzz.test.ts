import { encodeCmdPkg, ND_CMD_PKG_HEADER_SIZE } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_FAIL_STATUS, ManualClock, OcxlCard } from '../src/card/index.js'
import { AdminCommandEngine, decodeErrorLog } from '../src/driver/index.js'
import {
  loadOcxlCards,
  NVDIMM_FAMILY_OCXL,
  ocxlKind,
  parseOcxlOption,
  serveOcxlCall,
  withOcxlFault,
  type OcxlEntry,
} from '../src/index.js'

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }

function errnoOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { errno?: unknown }).errno : undefined
}

/** Envelopes of our family with garbage sizes and payloads, and plain garbage. */
const envelope = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .record({
      command: fc.integer({ min: 0, max: 8 }),
      input: fc.uint8Array({ maxLength: 16 }),
      outputSize: fc.integer({ min: 0, max: 5000 }),
      family: fc.constantFrom(NVDIMM_FAMILY_OCXL, NVDIMM_FAMILY_OCXL, 5, 0),
    })
    .map((request) => encodeCmdPkg(request)),
)

describe('ocxl family fuzz', () => {
  it('serveOcxlCall answers any envelope with a transport rc or a completed package, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(envelope, fc.boolean(), async (input, fatal) => {
        const clock = new ManualClock()
        const card = new OcxlCard({ clock, maxControllerDumpSize: 100 })
        card.injectErrorLog({ programReferenceCode: 1, data: Uint8Array.of(1, 2, 3) })
        card.collectControllerDump()
        if (fatal) card.setHardwareFatal()
        const result = await serveOcxlCall(new AdminCommandEngine(card, clock), input, quiet)
        expect(result.rc).toBeLessThanOrEqual(0)
        expect(result.cmdRc).toBeLessThanOrEqual(0)
        if (result.rc === 0) expect(result.output.length).toBeGreaterThanOrEqual(ND_CMD_PKG_HEADER_SIZE)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('decodeErrorLog, partial or whole, returns or refuses with EINVAL', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 96 }),
        fc.integer({ min: -8, max: 0x10000 }),
        fc.boolean(),
        (bytes, length, partial) => {
          try {
            const log = decodeErrorLog(bytes, length, partial)
            expect(log.data.length).toBeLessThanOrEqual(Math.max(0, length))
          } catch (error) {
            expect(errnoOf(error)).toBe('EINVAL')
          }
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('a garbage card store, entry, option or fault state is refused with EINVAL or ENXIO', () => {
    const entry = ocxlKind.schema.parse({
      cards: [
        { serial: '0x1000', link: { phbId: 0, bdfn: 1 }, media: 'a.img', size: '0x40000000', labelSize: '0x1000000' },
      ],
    }) as OcxlEntry
    fc.assert(
      fc.property(fc.anything(), fc.string({ maxLength: 40 }), (garbage, text) => {
        for (const attempt of [
          () => loadOcxlCards({ load: () => garbage, save: () => undefined }),
          () => parseOcxlOption(text, 0),
          () =>
            withOcxlFault(entry, garbage, { boot: 0 }, { kind: 'error-log', serial: 0x1000n, programReferenceCode: 1 }),
          () =>
            withOcxlFault(
              entry,
              garbage,
              { boot: 0 },
              { kind: 'fail', serial: 0x1000n, times: 2, status: DEFAULT_FAIL_STATUS },
            ),
        ]) {
          try {
            attempt()
          } catch (error) {
            expect(['EINVAL', 'ENXIO']).toContain(errnoOf(error))
          }
        }
        expect(ocxlKind.schema.safeParse(garbage).success).toBe(false)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
