import { NvdimmError } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDts, formatDtsProperty } from '../../src/device-tree/dts-format.js'
import { readCells, readString, readStringList, readU32, readU64 } from '../../src/device-tree/dt-property.js'
import { decodeFdt } from '../../src/device-tree/fdt-decode.js'
import type { FdtDecoded } from '../../src/device-tree/fdt-decode.js'
import { encodeFdt } from '../../src/device-tree/fdt-encode.js'
import { FDT_HEADER, FDT_MAGIC } from '../../src/device-tree/fdt-layout.js'
import { parsePmemoryNodes } from '../../src/device-tree/pmemory-node.js'
import { buildPseriesTree } from '../../src/device-tree/pseries-tree.js'
import { pmemDrcIndex } from '../../src/device-tree/spapr-nvdimm-nodes.js'
import { arbitraryMemReserve, arbitraryTree, arbitraryValue } from './arbitrary-tree.js'
import { goldenDtb, hasGolden } from './golden.js'

/**
 * Garbage in: a tree or NvdimmError EINVAL out. What decodes encodes again (with its strings
 * block and stale padding) to a blob that decodes to the same tree, prints as dts, and offers
 * papr_scm nodes that parse or are refused with ENODEV.
 */
function decodesOrRefuses(bytes: Uint8Array): FdtDecoded | undefined {
  let decoded: FdtDecoded
  try {
    decoded = decodeFdt(bytes)
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return undefined
  }
  const again = decodeFdt(
    encodeFdt(decoded.tree, {
      memReserve: decoded.memReserve,
      bootCpuidPhys: decoded.bootCpuidPhys,
      stringsBlock: decoded.stringsBlock,
      stalePadding: decoded.stalePadding,
    }),
  )
  expect(again.tree).toEqual(decoded.tree)
  expect(again.memReserve).toEqual(decoded.memReserve)
  expect(formatDts(decoded.tree, { memReserve: decoded.memReserve })).toMatch(/^\/dts-v1\/;\n/)
  try {
    parsePmemoryNodes(decoded.tree)
  } catch (error) {
    expect((error as NvdimmError).errno).toBe('ENODEV')
  }
  return decoded
}

const seeds: Uint8Array[] = [
  encodeFdt(
    buildPseriesTree([
      {
        drcIndex: pmemDrcIndex(0),
        unitGuid: '72511b67-0b3b-42fd-8d1d-5be3cae8bcaa',
        blockCount: 4n,
        metadataSize: 0x20000,
        hcallFlushRequired: true,
      },
    ]),
    { memReserve: [{ address: 0x1000n, size: 0x1000n }] },
  ),
  ...(hasGolden ? [goldenDtb('default')] : []),
]

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'header'; field: number; value: number }
  | { kind: 'word'; at: number; value: number }

const HEADER_FIELDS = Object.values(FDT_HEADER)

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat({ max: 0xff }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('header' as const),
    field: fc.nat({ max: HEADER_FIELDS.length - 1 }),
    value: fc.oneof(fc.nat({ max: 0x4000 }), fc.nat({ max: 0xffffffff }), fc.constantFrom(16, 17, 18, 15)),
  }),
  // An aligned word in the structure block: a token, a length or a name offset.
  fc.record({
    kind: fc.constant('word' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(1, 2, 3, 4, 9, 0), fc.nat({ max: 0x200 }), fc.nat({ max: 0xffffffff })),
  }),
)

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = seed.slice()
  for (const change of mutations) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (change.kind === 'flip' && bytes.length > 0) bytes[change.at % bytes.length] = change.value
    if (change.kind === 'truncate') bytes = bytes.slice(0, change.at % (bytes.length + 1))
    if (change.kind === 'header' && bytes.length >= 40) view.setUint32(HEADER_FIELDS[change.field]!, change.value)
    if (change.kind === 'word' && bytes.length >= 48) {
      const offStruct = view.getUint32(FDT_HEADER.offDtStruct)
      const words = Math.floor((bytes.length - offStruct) / 4)
      if (offStruct % 4 === 0 && words > 0) view.setUint32(offStruct + (change.at % words) * 4, change.value)
    }
  }
  return bytes
}

/** A header with a valid magic and plausible offsets over random blocks, to get past the header checks. */
const plausibleBlob = fc
  .record({
    struct: fc.array(fc.oneof(fc.constantFrom(1, 2, 3, 4, 9), fc.nat({ max: 64 }), fc.nat({ max: 0xffffffff })), {
      maxLength: 40,
    }),
    strings: fc.uint8Array({ maxLength: 40 }),
    version: fc.constantFrom(16, 17),
  })
  .map(({ struct, strings, version }) => {
    const offStruct = 56
    const offStrings = offStruct + struct.length * 4
    const bytes = new Uint8Array(offStrings + strings.length)
    const view = new DataView(bytes.buffer)
    view.setUint32(FDT_HEADER.magic, FDT_MAGIC)
    view.setUint32(FDT_HEADER.totalsize, bytes.length)
    view.setUint32(FDT_HEADER.offDtStruct, offStruct)
    view.setUint32(FDT_HEADER.offDtStrings, offStrings)
    view.setUint32(FDT_HEADER.offMemRsvmap, 40)
    view.setUint32(FDT_HEADER.version, version)
    view.setUint32(FDT_HEADER.lastCompVersion, 16)
    view.setUint32(FDT_HEADER.sizeDtStrings, strings.length)
    if (version === 17) view.setUint32(FDT_HEADER.sizeDtStruct, struct.length * 4)
    struct.forEach((word, i) => view.setUint32(offStruct + i * 4, word))
    bytes.set(strings, offStrings)
    return bytes
  })

describe('decodeFdt fed garbage', () => {
  it('arbitrary bytes: a tree or EINVAL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        decodesOrRefuses(bytes)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('random tokens behind a plausible header: a tree or EINVAL', () => {
    fc.assert(
      fc.property(plausibleBlob, (bytes) => {
        decodesOrRefuses(bytes)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('mutated pseries blobs: a tree or EINVAL', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, mutations) => {
          decodesOrRefuses(mutate(seeds[seed]!, mutations))
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })
})

describe('encodeFdt then decodeFdt', () => {
  it('gives any tree back, with its reservations, whatever strings block it starts from', () => {
    fc.assert(
      fc.property(arbitraryTree, arbitraryMemReserve, fc.uint8Array({ maxLength: 16 }), (tree, memReserve, strings) => {
        const plain = decodeFdt(encodeFdt(tree, { memReserve }))
        expect(plain.tree).toEqual(tree)
        expect(plain.memReserve).toEqual(memReserve)
        expect(plain.stalePadding).toEqual([])
        expect(decodeFdt(encodeFdt(tree, { stringsBlock: strings })).tree).toEqual(tree)
      }),
      { numRuns: fuzzRuns(100) },
    )
  })
})

describe('value readers and the dts printer on arbitrary values', () => {
  it('never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), arbitraryValue), (value) => {
        readU32(value)
        readU64(value)
        readCells(value)
        readString(value)
        readStringList(value)
        expect(formatDtsProperty({ name: 'p', value })).toMatch(/^p( = .*)?;$/s)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
