import { type CommandResult, decodeCmdPkg, DIMM_FIRMWARE_FLAGS, HEALTH_STATES, NvdimmError } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodePdsmHeader,
  decodePdsmHealth,
  decodePdsmReply,
  decodePdsmSmartInject,
  encodePdsmHealth,
  encodePdsmRequest,
  encodePdsmSmartInject,
  paprFirmwareFlags,
  paprFlagsText,
  paprHealth,
  PaprScmDimmHealth,
  parsePaprFlags,
  pdsmHealthOf,
  pdsmHealthToHealth,
  servePdsm,
} from '../../src/pdsm/index.js'
import { FakeScmHealthWithStats } from './fake-hypervisor.js'

/** Run `decode`; a refusal must be NvdimmError EINVAL, never anything else. */
function decodesOrRefuses<T>(decode: () => T): T | undefined {
  try {
    return decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return undefined
  }
}

const bytes = fc.uint8Array({ maxLength: 600 })
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })

/** A valid PDSM envelope with a few bytes overwritten, or cut short. */
const mutatedEnvelope = fc
  .record({
    pdsm: fc.integer({ min: 0, max: 3 }),
    inject: fc.uint8Array({ minLength: 184, maxLength: 184 }),
    writes: fc.array(fc.record({ at: fc.nat({ max: 460 }), value: fc.nat({ max: 0xff }) }), { maxLength: 6 }),
    cut: fc.option(fc.nat({ max: 460 }), { nil: undefined }),
  })
  .map(({ pdsm, inject, writes, cut }) => {
    const envelope = encodePdsmRequest(pdsm, pdsm === 2 ? inject : undefined)
    for (const { at, value } of writes) if (at < envelope.length) envelope[at] = value
    return cut === undefined ? envelope : envelope.subarray(0, cut)
  })

function healthState(bitmap: bigint, gauge: bigint | undefined): PaprScmDimmHealth {
  const phyp = new FakeScmHealthWithStats()
  phyp.bitmap = bitmap
  if (gauge !== undefined) phyp.stats.set('MemLife ', gauge)
  return new PaprScmDimmHealth({ source: phyp, dirtyShutdownCounter: gauge ?? 0n })
}

describe('PDSM payload decoders on garbage', () => {
  it('decode the header or refuse EINVAL', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const header = decodesOrRefuses(() => decodePdsmHeader(input))
        expect(header === undefined).toBe(input.length < 8)
        if (header) expect(Number.isInteger(header.cmdStatus)).toBe(true)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('decode the health payload or refuse EINVAL; what decodes encodes and decodes the same', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const health = decodesOrRefuses(() => decodePdsmHealth(input))
        if (!health) return
        expect(decodePdsmHealth(encodePdsmHealth(health))).toEqual(health)
        const common = pdsmHealthToHealth(health)
        expect(HEALTH_STATES).toContain(common.state)
        for (const count of [common.shutdownCount, common.lifeUsedPercentage]) {
          if (count !== undefined) expect(count).toBe(count | 0)
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('decode the inject payload or refuse EINVAL', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const inject = decodesOrRefuses(() => decodePdsmSmartInject(input))
        if (inject) expect(decodePdsmSmartInject(encodePdsmSmartInject(inject))).toEqual(inject)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('decode a reply envelope or refuse EINVAL', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, mutatedEnvelope), (input) => {
        decodesOrRefuses(() => decodePdsmReply(input))
      }),
      { numRuns: fuzzRuns() },
    )
  })
})

describe('servePdsm on garbage', () => {
  it('always answers: refused with nothing back, or the envelope with cmd_rc in cmd_status', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(bytes, mutatedEnvelope), u64, async (input, bitmap) => {
        const original = input.slice()
        const state = healthState(bitmap, undefined)
        const result = await servePdsm(state, input)
        expect(input).toEqual(original)
        if (result.rc !== 0) {
          expect(result).toEqual({ rc: -22, cmdRc: 0, output: new Uint8Array(0) })
          return
        }
        const pkg = decodeCmdPkg(input)
        expect(result.output).toHaveLength(64 + pkg.sizeIn + pkg.sizeOut)
        expect(result.output.subarray(0, 60)).toEqual(input.subarray(0, 60))
        if (result.cmdRc === -22) {
          // Refused by papr_scm_service_pdsm(): the envelope comes back untouched.
          expect(result.output).toEqual(input.subarray(0, result.output.length))
          return
        }
        expect(decodePdsmHeader(result.output.subarray(64)).cmdStatus).toBe(result.cmdRc)
        expect(decodeCmdPkg(result.output).fwSize).toBe(result.cmdRc === 0 ? 192 : 8)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('hands paprHealth either a health or an NvdimmError whatever comes back', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, fc.integer({ min: -40, max: 0 }), async (output, rc) => {
        const state = healthState(0n, undefined)
        const send = async (): Promise<CommandResult> => ({ rc, cmdRc: 0, output })
        try {
          const health = await paprHealth(state, send)
          if (health.state !== undefined) expect(HEALTH_STATES).toContain(health.state)
        } catch (error) {
          expect(error).toBeInstanceOf(NvdimmError)
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })
})

describe('health bitmaps and flags text', () => {
  it('turn any bitmap into a PDSM payload that encodes, and flags ndctl reads back the same', async () => {
    await fc.assert(
      fc.asyncProperty(u64, fc.option(u64, { nil: undefined }), async (bitmap, gauge) => {
        const pdsm = pdsmHealthOf(bitmap, gauge === undefined ? {} : { fuelGauge: gauge })
        expect(decodePdsmHealth(encodePdsmHealth(pdsm))).toEqual(pdsm)
        expect(paprFirmwareFlags(bitmap)).toEqual(parsePaprFlags(paprFlagsText(bitmap)))
        const health = await paprHealth(healthState(bitmap, gauge))
        expect(HEALTH_STATES).toContain(health.state)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('parse any text into known flags, once each, in ndctl order', () => {
    const words = fc.constantFrom('not_armed', 'flush_fail', 'restore_fail', 'smart_notify', 'save_fail', 'x', '')
    const text = fc.oneof(
      fc.string(),
      fc.array(words).map((list) => list.join(' ')),
      fc.array(words).map((list) => `${list.join(' ')} \n`),
    )
    fc.assert(
      fc.property(text, (input) => {
        const flags = parsePaprFlags(input)
        expect(flags).toEqual(DIMM_FIRMWARE_FLAGS.filter((flag) => flags.includes(flag)))
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
