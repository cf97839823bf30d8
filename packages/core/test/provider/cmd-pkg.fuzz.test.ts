import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { completeCmdPkg, decodeCmdPkg, encodeCmdPkg, NvdimmError } from '../../src/index.js'
import { fuzzRuns } from '../../src/testing/index.js'

function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
  }
}

describe('nd_cmd_pkg fed garbage', () => {
  it('random bytes decode or are refused with EINVAL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 }), (bytes, output) => {
        decodesOrRefuses(() => decodeCmdPkg(bytes))
        decodesOrRefuses(() => completeCmdPkg(bytes, output))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('mutated valid envelopes decode within their bounds or are refused', () => {
    const envelope = fc
      .record({
        family: fc.nat({ max: 5 }),
        command: fc.nat({ max: 31 }),
        input: fc.uint8Array({ maxLength: 80 }),
        outputSize: fc.nat({ max: 200 }),
      })
      .map((request) => encodeCmdPkg(request))
    fc.assert(
      fc.property(envelope, fc.nat({ max: 300 }), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        const mutated = bytes.slice()
        if (at < mutated.length) mutated[at] = value
        try {
          const pkg = decodeCmdPkg(mutated)
          expect(64 + pkg.sizeIn + pkg.sizeOut).toBeLessThanOrEqual(mutated.length)
          expect(pkg.input.length).toBe(pkg.sizeIn)
          expect(pkg.output.length).toBe(pkg.sizeOut)
        } catch (error) {
          expect(error).toBeInstanceOf(NvdimmError)
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
