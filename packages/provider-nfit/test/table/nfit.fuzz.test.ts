import { NvdimmError } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fixAcpiChecksum } from '../../src/table/nfit-checksum.js'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import type { NfitDecoded } from '../../src/table/nfit-decode.js'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { formatNfit } from '../../src/table/nfit-format.js'
import { nfitFromJson, nfitToJson } from '../../src/table/nfit-json.js'
import { checkNfitReferences } from '../../src/table/nfit-references.js'
import { arbitraryNfitTable } from './arbitrary-nfit.js'

/**
 * Garbage in: a decoded table or NvdimmError EINVAL out, never anything else. What decodes
 * with no warning encodes back to the same bytes, and formats, and its references check
 * either passes or refuses with EINVAL.
 */
function decodesOrRefuses(bytes: Uint8Array, checksum: 'verify' | 'ignore' = 'verify'): NfitDecoded | undefined {
  let decoded: NfitDecoded
  try {
    decoded = decodeNfit(bytes, { checksum })
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return undefined
  }
  if (decoded.warnings.length === 0)
    expect(encodeNfit(decoded.table)).toEqual(bytes.subarray(0, decoded.table.header.length))
  expect(formatNfit(decoded.table)).toContain('Raw Table Data')
  try {
    checkNfitReferences(decoded.table)
  } catch (error) {
    expect((error as NvdimmError).errno).toBe('EINVAL')
  }
  return decoded
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; at: number; value: number }
  | { kind: 'tableLength'; value: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat({ max: 0xff }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  // A sub-table's length field: the u16 at 2 past a sub-table start, found by walking the table.
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.oneof(fc.nat({ max: 0xffff }), fc.nat({ max: 96 })),
  }),
  fc.record({ kind: fc.constant('tableLength' as const), value: fc.nat({ max: 0x2000 }) }),
)

/** Sub-table starts of a well-formed table. */
function subtableStarts(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const starts: number[] = []
  for (let at = 40; at + 4 <= bytes.length; at += view.getUint16(at + 2, true)) {
    starts.push(at)
    if (view.getUint16(at + 2, true) === 0) break
  }
  return starts
}

function mutate(original: Uint8Array, mutations: Mutation[], fixChecksum: boolean): Uint8Array {
  let bytes = original.slice()
  const starts = subtableStarts(original)
  for (const change of mutations) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (change.kind === 'flip' && bytes.length > 0) bytes[change.at % bytes.length] = change.value
    else if (change.kind === 'truncate') bytes = bytes.slice(0, change.at % (bytes.length + 1))
    else if (change.kind === 'length' && starts.length > 0) {
      const at = starts[change.at % starts.length]! + 2
      if (at + 2 <= bytes.length) view.setUint16(at, change.value, true)
    } else if (change.kind === 'tableLength' && bytes.length >= 8) view.setUint32(4, change.value, true)
  }
  if (fixChecksum && bytes.length >= 10) {
    const length = Math.min(new DataView(bytes.buffer).getUint32(4, true), bytes.length)
    fixAcpiChecksum(bytes, length)
  }
  return bytes
}

describe('NFIT codec fed garbage', () => {
  it('arbitrary bytes, with and without a table header in front', () => {
    const header = fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.boolean()).map(([body, fix]) => {
      const bytes = new Uint8Array(40 + body.length)
      bytes.set([0x4e, 0x46, 0x49, 0x54]) // "NFIT"
      new DataView(bytes.buffer).setUint32(4, bytes.length, true)
      bytes.set(body, 40)
      if (fix) fixAcpiChecksum(bytes)
      return bytes
    })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), header), fc.boolean(), (bytes, ignore) => {
        decodesOrRefuses(bytes, ignore ? 'ignore' : 'verify')
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('valid tables, mutated: bytes flipped, cut, lengths changed; the checksum re-fixed half of the time', () => {
    fc.assert(
      fc.property(
        arbitraryNfitTable,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (table, mutations, fixChecksum, ignore) => {
          decodesOrRefuses(mutate(encodeNfit(table), mutations, fixChecksum), ignore ? 'ignore' : 'verify')
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('arbitrary valid tables round-trip through encode/decode and through JSON', () => {
    fc.assert(
      fc.property(arbitraryNfitTable, (table) => {
        const bytes = encodeNfit(table)
        const decoded = decodeNfit(bytes)
        expect(decoded.table).toEqual(table)
        expect(encodeNfit(decoded.table)).toEqual(bytes)
        expect(decoded.warnings.every((warning) => warning.message.includes('unknown table'))).toBe(true)
        expect(nfitFromJson(JSON.parse(JSON.stringify(nfitToJson(table))))).toEqual(table)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
