import * as fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fixAcpiChecksum } from '../../src/table/nfit-checksum.js'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { formatNfit } from '../../src/table/nfit-format.js'
import type { NfitTable } from '../../src/table/nfit-types.js'
import { GOLDEN_SKIP_NOTE, goldenBytes, goldenText, hasGolden } from '../golden.js'
import { everyTypeTable } from './fixtures.js'

/** iasl -d (Debian's acpica-tools 20200925) of encodeNfit(everyTypeTable()), from the first field on. */
const EVERY_TYPE_DSL = fs.readFileSync(new URL('./fixtures/every-type.dsl', import.meta.url), 'utf8')

const fromSignature = (dsl: string) => dsl.slice(dsl.indexOf('[000h 0000   4]   '))

describe.skipIf(!hasGolden)(`formatNfit on QEMU's NFIT (linux-6.1-qemu/nfit.dsl)${GOLDEN_SKIP_NOTE}`, () => {
  it('prints the decoded table exactly as iasl -d did, from the Signature line on', () => {
    const expected = fromSignature(goldenText('linux-6.1-qemu', 'nfit.dsl'))
    const bytes = goldenBytes('linux-6.1-qemu', 'nfit.bin')
    expect(formatNfit(decodeNfit(bytes).table)).toBe(expected)
    expect(formatNfit(bytes)).toBe(expected)
  })

  it("prints iasl's banner when given the file name and time", () => {
    const golden = goldenText('linux-6.1-qemu', 'nfit.dsl')
    const text = formatNfit(goldenBytes('linux-6.1-qemu', 'nfit.bin'), {
      fileName: 'nfit.bin',
      date: new Date(2026, 10, 21, 23, 4, 10),
    })
    expect(text).toBe(golden)
  })
})

describe('formatNfit', () => {
  it('prints every sub-table type as iasl 20200925 does, plus the location cookie of a 64-byte SPA', () => {
    const text = formatNfit(everyTypeTable())
    const lines = text.split('\n')
    const cookieFlag = lines.indexOf('                       Location Cookie Valid : 1')
    const cookie = lines.indexOf('[098h 0152   8]              Location Cookie : 1122334455667788')
    expect(lines[cookieFlag - 1]).toBe('                      Proximity Domain Valid : 1')
    expect(lines[cookie - 1]).toBe('[090h 0144   8]         Memory Map Attribute : 0000000000000001')
    expect(lines.filter((_, i) => i !== cookieFlag && i !== cookie).join('\n')).toBe(EVERY_TYPE_DSL)
    // The first SPA has no cookie: no cookie lines.
    expect(lines.filter((line) => line.includes('Location Cookie'))).toHaveLength(2)
  })

  it("keeps iasl's labels for interleave lines and SMBIOS data, and its early end of a 32-byte DCR", () => {
    const text = formatNfit(everyTypeTable())
    // The interleave sub-table is at 0x168; its lines are at 0x178 and 0x17c, iasl says 0x17c and 0x180.
    expect(text).toContain('[17Ch 0380   4]                  Line Offset : 00000000\n')
    expect(text).toContain('[180h 0384   4]                  Line Offset : 00000040\n')
    expect(text).toContain(
      '[008h 0008  20]         SMBIOS Table Entries : \\\n' +
        '    41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 \\\n' +
        '    51 52 53 54 \n',
    )
    expect(text).toContain(
      '[1BAh 0442   2]                 Window Count : 0000\n' +
        '/**** ACPI subtable terminates early - may be older version (dump table) */\n',
    )
    expect(text).toContain(
      '[27Ch 0636   2]                Subtable Type : 0007 [Platform Capabilities]\n' +
        '[27Eh 0638   2]                       Length : 0010\n' +
        '\n' +
        '[280h 0640   1]           Highest Capability : 02\n' +
        '[281h 0641   3]                     Reserved : 000000\n' +
        '[284h 0644   4] Capabilities (decoded below) : 00000005\n' +
        '                       Cache Flush to NVDIMM : 1\n' +
        '                      Memory Flush to NVDIMM : 0\n' +
        '                            Memory Mirroring : 1\n' +
        '[288h 0648   4]                     Reserved : 00000000\n',
    )
  })

  it('ends the field dump where iasl does when an interleave is the last sub-table', () => {
    const table: NfitTable = {
      header: everyTypeTable().header,
      subtables: [{ type: 2, interleaveIndex: 2, lineSize: 64, lineOffsets: [1, 2] }],
    }
    expect(formatNfit(table)).toContain(
      '[034h 0052   4]                    Line Size : 00000040\n' +
        '[03Ch 0060   4]                  Line Offset : 00000001\n' +
        '/**** ACPI table terminates in the middle of a data structure! (dump table) */\n' +
        '\n' +
        'Raw Table Data: Length 64 (0x40)\n',
    )
  })

  it('shows an unknown sub-table by its header only, its type clamped to 8 in the header line', () => {
    const table: NfitTable = {
      header: everyTypeTable().header,
      subtables: [
        { type: 0x1f, unknown: true, data: Uint8Array.from([1, 2, 3, 4]) },
        { type: 7, highestCapability: 0, capabilities: 1 },
      ],
    }
    expect(formatNfit(table)).toContain(
      '[028h 0040   2]                Subtable Type : 0008 [Unknown Subtable Type]\n' +
        '[02Ah 0042   2]                       Length : 0008\n' +
        '\n' +
        '**** Unknown NFIT subtable type 0x1F\n' +
        '\n' +
        '[030h 0048   2]                Subtable Type : 0007 [Platform Capabilities]\n',
    )
  })

  it('flags a wrong checksum when given bytes', () => {
    const bytes = encodeNfit(everyTypeTable())
    bytes[9] = 0x11
    expect(formatNfit(bytes)).toContain('Checksum : 11     /* Incorrect checksum, should be AB */\n')
    fixAcpiChecksum(bytes)
    expect(formatNfit(bytes)).toContain('Checksum : AB\n')
  })

  it('ends with the raw dump, 16 bytes a line and the printable ones', () => {
    const text = formatNfit(everyTypeTable())
    expect(text).toContain(
      '\nRaw Table Data: Length 652 (0x28C)\n\n    0000: 4E 46 49 54 8C 02 00 00 01 AB 4E 56 44 49 4D 4D  // NFIT......NVDIMM\n',
    )
    expect(text.endsWith('    0280: 02 00 00 00 05 00 00 00 00 00 00 00              // ............\n')).toBe(true)
  })
})
