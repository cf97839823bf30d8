import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { NvdimmError } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseE820Table, parseMemmap, readFirmwareMemmap } from '../src/index.js'

function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
  }
}

const memmapAlphabet = fc.constantFrom(...'0123456789xXabcdefKMGTPE!@#$%+-,= memap_fik:'.split(''))
const tableLine = fc
  .tuple(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom('usable', 'reserved', 'persistent (type 12)', 'persistent (type 7)', 'type 12', 'soft reserved'),
  )
  .map(([a, b, type]) => `BIOS-e820: [mem 0x${a.toString(16)}-0x${b.toString(16)}] ${type}`)

describe('e820 parsers fed garbage', () => {
  it('memmap=: random text from the grammar and random strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: memmapAlphabet, maxLength: 40 }), fc.string({ maxLength: 40 })),
        (text) => {
          decodesOrRefuses(() => parseMemmap(text))
          decodesOrRefuses(() => parseMemmap(`efi_fake_mem=${text}`))
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('memmap=: whatever is accepted is sorted, non-empty and disjoint', () => {
    const item = fc.tuple(fc.nat({ max: 64 }), fc.nat({ max: 64 })).map(([size, start]) => `${size}M!${start}M`)
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => {
        let ranges
        try {
          ranges = parseMemmap(`memmap=${items.join(',')}`)
        } catch (error) {
          expect((error as NvdimmError).errno).toBe('EINVAL')
          return
        }
        for (let i = 0; i < ranges.length; i++) {
          expect(ranges[i]!.size).toBeGreaterThan(0n)
          if (i > 0) expect(ranges[i]!.start).toBeGreaterThanOrEqual(ranges[i - 1]!.start + ranges[i - 1]!.size)
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('e820 tables: random lines, random text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(tableLine, { maxLength: 8 }).map((lines) => lines.join('\n')),
          fc.string({ maxLength: 200 }),
        ),
        (text) => {
          decodesOrRefuses(() => parseE820Table(text))
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })
})

describe('/sys/firmware/memmap fed garbage', () => {
  it('random entries with random attribute files', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-memmap-fuzz-'))
    const attribute = fc.option(
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.bigInt({ min: 0n, max: 1n << 64n }).map((n) => `0x${n.toString(16)}`),
        fc.constantFrom('Persistent Memory', 'Persistent Memory (legacy)', 'System RAM'),
      ),
      { nil: undefined },
    )
    const entry = fc.record({ start: attribute, end: attribute, type: attribute })
    let run = 0
    try {
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
          const dir = path.join(root, String(run++))
          fs.mkdirSync(dir)
          entries.forEach((attributes, index) => {
            fs.mkdirSync(path.join(dir, String(index)))
            for (const [name, value] of Object.entries(attributes)) {
              if (value !== undefined) fs.writeFileSync(path.join(dir, String(index), name), value)
            }
          })
          decodesOrRefuses(() => readFirmwareMemmap(dir))
          fs.rmSync(dir, { recursive: true, force: true })
        }),
        { numRuns: Math.min(fuzzRuns(100), 100_000) },
      )
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})
