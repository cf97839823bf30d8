import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeKeyBlob, encodeKeyBlob, normalizePassphrase, NvdimmError, parseKeyHandle } from '../../src/index.js'
import { fuzzRuns } from '../../src/testing/index.js'

/** Garbage in: a key, or an EINVAL NvdimmError; never anything else. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
  }
}

const handle = fc
  .tuple(fc.constantFrom('user', 'trusted'), fc.stringMatching(/^[A-Za-z0-9._-]{1,24}$/))
  .map(([type, description]) => `${type}:${description}`)
const key = fc.record({ kek: handle, passphrase: fc.uint8Array({ minLength: 32, maxLength: 32 }) })

describe('key blob decoding, fed garbage', () => {
  it('bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRefuses(() => decodeKeyBlob(bytes))),
      { numRuns: fuzzRuns() },
    )
  })

  it('text near the real shape', () => {
    const field = fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('plain', 'user:k', '32', '', ' '))
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), (fields) =>
        decodesOrRefuses(() => decodeKeyBlob(fields.join(' '))),
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('a flipped character of a valid blob decodes to a key or is refused', () => {
    fc.assert(
      fc.property(key, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, at, code) => {
        const blob = encodeKeyBlob(value)
        const index = at % blob.length
        decodesOrRefuses(() => decodeKeyBlob(blob.slice(0, index) + String.fromCharCode(code) + blob.slice(index + 1)))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('handles and passphrases', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (text, bytes) => {
        decodesOrRefuses(() => parseKeyHandle(text))
        decodesOrRefuses(() => normalizePassphrase(bytes))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('every key round-trips', () => {
    fc.assert(
      fc.property(key, (value) => {
        expect(decodeKeyBlob(encodeKeyBlob(value))).toEqual(value)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
