import * as fs from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  decodeConfigDataOut,
  decodeConfigSize,
  decodeGetConfigData,
  decodeSetConfigData,
  initPlatform,
  memparse,
  NvdimmError,
  parseSize,
  Platform,
  toJsonC,
} from '../src/index.js'
import { fuzzRuns } from '../src/testing/index.js'
import { kinds, spec, tempDir } from './helpers.js'

/** Garbage in: a typed NvdimmError out, or a value; never anything else. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
  }
}

const root = tempDir('nvdimm-fuzz-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('decoders fed garbage', () => {
  it('platform.json: random JSON and mutations of a valid description', async () => {
    const dir = path.join(root, 'p')
    await initPlatform(dir, spec(2), kinds)
    const file = path.join(dir, 'platform.json')
    const valid = fs.readFileSync(file, 'utf8')
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 40 }), fc.string({ maxLength: 12 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut))
    fc.assert(
      fc.property(fc.oneof(mutated, fc.json(), fc.string()), (text) => {
        fs.writeFileSync(file, text)
        decodesOrRefuses(() => Platform.open(dir, kinds))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('label-area command payloads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodesOrRefuses(() => decodeConfigSize(bytes))
        decodesOrRefuses(() => decodeGetConfigData(bytes))
        decodesOrRefuses(() => decodeSetConfigData(bytes))
        decodesOrRefuses(() => decodeConfigDataOut(bytes))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('sizes: memparse and parse_size64 never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (text) => {
        const parsed = memparse(text)
        if (parsed) expect(parsed.value).toBeGreaterThanOrEqual(0n)
        const size = parseSize(text)
        if (size !== undefined) expect(size).toBeGreaterThanOrEqual(0n)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('the json-c printer writes JSON that parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const plain = JSON.parse(JSON.stringify(value)) as never
        const integersOnly = JSON.stringify(plain, (_key, item: unknown) =>
          typeof item === 'number' && !Number.isInteger(item) ? 0 : item === -0 ? 0 : item,
        )
        const input = JSON.parse(integersOnly) as never
        expect(JSON.parse(toJsonC(input))).toEqual(input)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
