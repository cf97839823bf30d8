import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { formatNfit } from '../../src/table/nfit-format.js'
import { fixAcpiChecksum } from '../../src/table/nfit-checksum.js'
import type { NfitTable } from '../../src/table/nfit-types.js'
import { arbitraryNfitTable } from './arbitrary-nfit.js'
import { everyTypeTable, manyDimmsTable } from './fixtures.js'

/** The real disassembler, when this machine has it (Debian's acpica-tools 20200925). */
function iaslVersion(): string | undefined {
  try {
    return execFileSync('iasl', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return undefined
  }
}

const version = iaslVersion()
const hasIasl = version?.includes('version 20200925') ?? false
const scratch = hasIasl ? fs.mkdtempSync(path.join(os.tmpdir(), 'nfit-iasl-')) : ''
afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
})

/** `iasl -d` of the bytes, from the first field line on (the banner carries the time). */
function iasl(bytes: Uint8Array, name: string): string {
  const input = path.join(scratch, `${name}.bin`)
  fs.writeFileSync(input, bytes)
  execFileSync('iasl', ['-d', input], { stdio: 'ignore' })
  const text = fs.readFileSync(path.join(scratch, `${name}.dsl`), 'utf8')
  return text.slice(text.indexOf('[000h 0000'))
}

/** Our one addition to what 20200925 prints: an SPA's location cookie. */
function withoutCookieLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/ Location Cookie( Valid)? : /.test(line))
    .join('\n')
}

describe.skipIf(!hasIasl)(
  `formatNfit against iasl 20200925${hasIasl ? '' : ' (skipped: no iasl 20200925 on PATH)'}`,
  () => {
    it('prints what iasl -d prints for arbitrary valid tables', () => {
      let run = 0
      fc.assert(
        fc.property(arbitraryNfitTable, (table) => {
          const bytes = encodeNfit(table)
          expect(withoutCookieLines(formatNfit(table))).toBe(iasl(bytes, `t${run++}`))
        }),
        { numRuns: Math.min(fuzzRuns(60), 2000) },
      )
    }, 120_000)

    it('prints what iasl -d prints for the sub-tables whose layout iasl gets wrong, and for large tables', () => {
      const base = everyTypeTable()
      const cases: Record<string, NfitTable> = {
        everyType: base,
        interleaveLast: {
          ...base,
          subtables: [...base.subtables, { type: 2, interleaveIndex: 2, lineSize: 64, lineOffsets: [1, 2, 3] }],
        },
        oneLineLast: { ...base, subtables: [{ type: 2, interleaveIndex: 2, lineSize: 64, lineOffsets: [7] }] },
        smbios16: { ...base, subtables: [{ type: 3, data: new Uint8Array(16).fill(0x7f) }] },
        smbios17: { ...base, subtables: [{ type: 3, data: new Uint8Array(17).fill(0x20) }] },
        smbiosEmpty: { ...base, subtables: [{ type: 3, data: new Uint8Array(0) }] },
        oddNames: { ...base, header: { ...base.header, oemId: 'A\u0001B\u0000C', oemTableId: '\u00ff\u007f~ x' } },
        manyDimms: manyDimmsTable(400),
      }
      for (const [name, table] of Object.entries(cases)) {
        expect(withoutCookieLines(formatNfit(table)), name).toBe(iasl(encodeNfit(table), name))
      }
    })

    it('flags a wrong checksum in bytes as iasl does', () => {
      const bytes = encodeNfit(everyTypeTable())
      bytes[9] = (bytes[9]! + 1) & 0xff
      expect(withoutCookieLines(formatNfit(bytes))).toBe(iasl(bytes, 'badsum'))
      fixAcpiChecksum(bytes)
      expect(withoutCookieLines(formatNfit(bytes))).toBe(iasl(bytes, 'fixedsum'))
    })
  },
)
