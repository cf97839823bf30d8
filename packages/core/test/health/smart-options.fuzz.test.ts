import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NvdimmError } from '../../src/index.js'
import { parseSmartRequest, strtod, strtoul } from '../../src/ndctl/inject-smart.js'
import { applyMonitorConfig, monitorLogTarget, parseDimmEvents } from '../../src/ndctl/monitor.js'
import { fuzzRuns } from '../../src/testing/index.js'

/** Garbage in: a value, or an NvdimmError; never anything else. */
function parsesOrRefuses(parse: () => unknown): unknown {
  try {
    return parse()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return undefined
  }
}

const text = fc.oneof(fc.string(), fc.stringMatching(/^\s*[+-]?(0[xX])?[0-9a-fA-F.]*([eEpP][+-]?\d{0,4})?.{0,3}$/))
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })

describe('inject-smart and monitor text parsers, fed garbage', () => {
  it('strtod and strtoul always give a number', () => {
    fc.assert(
      fc.property(text, (input) => {
        expect(typeof strtod(input)).toBe('number')
        const value = strtoul(input)
        expect(value >= 0n && value < 1n << 64n).toBe(true)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('smart_init() either makes a request whose values are finite, or refuses with EINVAL', () => {
    fc.assert(
      fc.property(
        fc.record({
          mediaTemperature: maybe(text),
          mediaTemperatureThreshold: maybe(text),
          mediaTemperatureAlarm: maybe(text),
          ctrlTemperature: maybe(text),
          spares: maybe(text),
          sparesThreshold: maybe(text),
          fatal: maybe(fc.boolean()),
          uninjectAll: maybe(fc.boolean()),
        }),
        (options) => {
          const request = parsesOrRefuses(() => parseSmartRequest(options)) as
            ReturnType<typeof parseSmartRequest> | undefined
          if (!request) return
          for (const step of request.inject)
            if (step.value !== undefined) expect(Number.isFinite(step.value)).toBe(true)
          for (const value of Object.values(request.thresholds)) expect(Number.isFinite(value)).toBe(true)
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('the monitor config, -D and -l never fail but with EINVAL', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (config, words) => {
        const { options } = applyMonitorConfig(config, {})
        for (const value of Object.values(options)) expect(typeof value).toBe('string')
        parsesOrRefuses(() => parseDimmEvents(words))
        expect(['standard', 'syslog', 'file']).toContain(monitorLogTarget(words).kind)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
