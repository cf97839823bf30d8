import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { acpiTableSum, fixAcpiChecksum } from '../../src/table/nfit-checksum.js'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { SPA_PM_GUID } from '../../src/table/nfit-guid.js'
import type { NfitDcr, NfitMemdev, NfitSpa, NfitTable } from '../../src/table/nfit-types.js'
import { GOLDEN_SKIP_NOTE, goldenBytes, hasGolden } from '../golden.js'
import { EVERY_TYPE_OFFSETS, everyTypeTable, manyDimmsTable } from './fixtures.js'

function refusal(action: () => unknown): NvdimmError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return error as NvdimmError
  }
  throw new Error('expected EINVAL, but it was accepted')
}

const setU16 = (bytes: Uint8Array, offset: number, value: number) =>
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(offset, value, true)
const setU32 = (bytes: Uint8Array, offset: number, value: number) =>
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value, true)

/** A copy with the table length set to `length` (cut to it) and a good checksum. */
function resized(bytes: Uint8Array, length: number): Uint8Array {
  const copy = new Uint8Array(length)
  copy.set(bytes.subarray(0, length))
  setU32(copy, 4, length)
  fixAcpiChecksum(copy)
  return copy
}

/** A table of one sub-table whose bytes are given. */
function withSubtable(raw: number[]): Uint8Array {
  const base = encodeNfit({ ...everyTypeTable(), subtables: [] })
  const bytes = new Uint8Array(base.length + raw.length)
  bytes.set(base)
  bytes.set(raw, base.length)
  setU32(bytes, 4, bytes.length)
  fixAcpiChecksum(bytes)
  return bytes
}

const subtableBytes = (type: number, length: number, fill: (bytes: Uint8Array) => void = () => {}): number[] => {
  const bytes = new Uint8Array(length)
  setU16(bytes, 0, type)
  setU16(bytes, 2, length)
  fill(bytes)
  return [...bytes]
}

describe.skipIf(!hasGolden)(`decodeNfit on QEMU's NFIT (linux-6.1-qemu/nfit.bin)${GOLDEN_SKIP_NOTE}`, () => {
  const golden = () => goldenBytes('linux-6.1-qemu', 'nfit.bin')

  it('reads the header and the two DIMMs QEMU describes', () => {
    const { table, warnings, offsets } = decodeNfit(golden())
    expect(warnings).toEqual([])
    expect(table.header).toEqual({
      length: 408,
      revision: 1,
      checksum: 0xb8,
      oemId: 'BOCHS ',
      oemTableId: 'BXPC    ',
      oemRevision: 1,
      aslCompilerId: 'BXPC',
      aslCompilerRevision: 1,
    })
    expect(table.subtables.map((subtable) => subtable.type)).toEqual([0, 1, 4, 0, 1, 4])
    expect(offsets).toEqual([0x28, 0x60, 0x90, 0xe0, 0x118, 0x148])

    const spas = table.subtables.filter((subtable): subtable is NfitSpa => subtable.type === 0)
    expect(spas.map(({ address, length }) => [address, length])).toEqual([
      [0x100000000n, 0x10000000n],
      [0x110000000n, 0xffe0000n],
    ])
    for (const spa of spas) {
      expect(spa.rangeGuid).toBe(SPA_PM_GUID)
      expect(spa.flags).toBe(3)
      expect(spa.memoryMapping).toBe(0x8008n)
      expect(spa.locationCookie).toBeUndefined()
    }
    expect(spas.map((spa) => spa.rangeIndex)).toEqual([2, 4])

    const memdevs = table.subtables.filter((subtable): subtable is NfitMemdev => subtable.type === 1)
    expect(memdevs.map((memdev) => memdev.deviceHandle)).toEqual([1, 2])
    expect(memdevs.map(({ rangeIndex, regionIndex, regionSize }) => [rangeIndex, regionIndex, regionSize])).toEqual([
      [2, 3, 0x10000000n],
      [4, 5, 0xffe0000n],
    ])

    const dcrs = table.subtables.filter((subtable): subtable is NfitDcr => subtable.type === 4)
    expect(dcrs.map((dcr) => dcr.serialNumber)).toEqual([0x123456, 0x123457])
    for (const dcr of dcrs) {
      expect(dcr.code).toBe(0x301)
      expect(dcr.vendorId).toBe(0x8086)
      expect(dcr.deviceId).toBe(1)
      expect(dcr.windows).toBe(0)
      // QEMU writes the 80-byte form even without block windows.
      expect(dcr.windowSize).toBe(0n)
      expect(dcr.dcrFlags).toBe(0)
    }
  })

  it('refuses a wrong checksum, naming it and the sum', () => {
    const bytes = golden()
    bytes[9] = 0xb7
    expect(refusal(() => decodeNfit(bytes)).message).toBe(
      'NFIT: bad checksum 0xb7 (sum of 408 bytes is 0xff, expected 0)',
    )
    const { table, warnings } = decodeNfit(bytes, { checksum: 'ignore' })
    expect(table.header.checksum).toBe(0xb7)
    expect(warnings).toEqual([{ offset: 9, message: expect.stringContaining('bad checksum 0xb7') }])
  })

  it('refuses a header length past the buffer', () => {
    const bytes = golden()
    setU32(bytes, 4, 500)
    expect(refusal(() => decodeNfit(bytes)).message).toBe('NFIT: header length 500 but the buffer holds 408 bytes')
  })

  it('refuses a memory device of the wrong length, naming where it is', () => {
    const bytes = golden()
    setU16(bytes, 0x62, 40)
    fixAcpiChecksum(bytes)
    expect(refusal(() => decodeNfit(bytes)).message).toBe(
      'NFIT: sub-table at 0x60 (type 1, memory device): length 40, expected 48',
    )
  })

  it('refuses a sub-table that runs past the end of the table', () => {
    const message = refusal(() => decodeNfit(resized(golden(), 0x60 + 20))).message
    expect(message).toContain('NFIT: sub-table at 0x60 runs past the end of the table')
    expect(message).toContain('length 48')
    // Not even room for the 4-byte sub-table header.
    expect(refusal(() => decodeNfit(resized(golden(), 0x60 + 2))).message).toContain(
      'sub-table at 0x60 runs past the end of the table',
    )
  })

  it('refuses a zero-length sub-table', () => {
    const bytes = golden()
    setU16(bytes, 0x92, 0)
    fixAcpiChecksum(bytes)
    expect(refusal(() => decodeNfit(bytes)).message).toBe(
      'NFIT: sub-table at 0x90 (type 4, control region) has zero length',
    )
  })

  it('warns about bytes past the table and non-zero reserved fields, and still decodes', () => {
    const bytes = new Uint8Array(420)
    bytes.set(golden())
    expect(decodeNfit(bytes).warnings).toEqual([
      { offset: 408, message: "12 bytes after the table's length 408 ignored" },
    ])

    const reserved = golden()
    reserved[0x30] = 1 // the first SPA's reserved u32
    reserved[0x8e] = 1 // the first memdev's reserved u16
    fixAcpiChecksum(reserved)
    const { warnings } = decodeNfit(reserved)
    expect(warnings.map((warning) => warning.offset)).toEqual([0x30, 0x8e])
    expect(warnings[0]!.message).toBe('reserved bytes at 0x30 are not zero')
  })
})

describe('decodeNfit: the header', () => {
  const valid = () => encodeNfit(everyTypeTable())

  it('refuses a buffer shorter than the header', () => {
    expect(refusal(() => decodeNfit(valid().subarray(0, 39))).message).toBe(
      'NFIT: buffer of 39 bytes is shorter than the 40-byte table header',
    )
    expect(refusal(() => decodeNfit(new Uint8Array(0))).message).toContain('buffer of 0 bytes')
  })

  it('refuses another signature', () => {
    const bytes = valid()
    bytes.set([0x41, 0x50, 0x49, 0x43], 0) // "APIC"
    expect(refusal(() => decodeNfit(bytes)).message).toBe('NFIT: bad signature "APIC" at 0x0, expected "NFIT"')
  })

  it('refuses a header length shorter than the header', () => {
    const bytes = valid()
    setU32(bytes, 4, 36)
    expect(refusal(() => decodeNfit(bytes)).message).toBe(
      'NFIT: header length 36 is shorter than the 40-byte table header',
    )
  })

  it('reads a table with no sub-tables, and names with NULs inside', () => {
    const table: NfitTable = {
      header: { ...everyTypeTable().header, oemId: 'A\u0000B', oemTableId: '' },
      subtables: [],
    }
    const bytes = encodeNfit(table)
    expect(bytes.length).toBe(40)
    expect(acpiTableSum(bytes)).toBe(0)
    expect(decodeNfit(bytes).table).toEqual({
      header: { ...table.header, length: 40, checksum: bytes[9] },
      subtables: [],
    })
  })
})

describe('decodeNfit: every sub-table type', () => {
  it('reads back the hand-built table, both SPA and both DCR forms included', () => {
    const table = everyTypeTable()
    const bytes = encodeNfit(table)
    expect(bytes.length).toBe(table.header.length)
    expect(bytes[9]).toBe(table.header.checksum)
    const decoded = decodeNfit(bytes)
    expect(decoded.warnings).toEqual([])
    expect(decoded.table).toEqual(table)
    expect(decoded.offsets).toEqual(EVERY_TYPE_OFFSETS)
  })

  it("keeps an unknown sub-table type as bytes, with the kernel's warning", () => {
    const bytes = withSubtable(subtableBytes(9, 12, (raw) => raw.set([1, 2, 3, 4, 5, 6, 7, 8], 4)))
    const { table, warnings } = decodeNfit(bytes)
    expect(table.subtables).toEqual([{ type: 9, unknown: true, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }])
    expect(warnings).toEqual([
      { offset: 40, message: "sub-table at 0x28: unknown table '9' parsing nfit, kept as 12 bytes" },
    ])
    expect(encodeNfit(table)).toEqual(bytes)
  })

  it.each([
    [
      'an SPA with the cookie flag but 56 bytes',
      subtableBytes(0, 56, (b) => setU16(b, 6, 0x4)),
      'length 56, expected 64',
    ],
    ['an SPA of 64 bytes without the cookie flag', subtableBytes(0, 64), 'length 64, expected 56'],
    ['a memory device of 50 bytes', subtableBytes(1, 50), '(type 1, memory device): length 50, expected 48'],
    ['an interleave shorter than its fixed part', subtableBytes(2, 12), 'length 12, expected at least 16'],
    [
      'an interleave whose line count disagrees',
      subtableBytes(2, 20, (b) => setU32(b, 8, 2)),
      'length 20, expected 24 (line count 2)',
    ],
    ['an SMBIOS sub-table shorter than 8 bytes', subtableBytes(3, 6), 'length 6, expected at least 8'],
    [
      'a control region shorter than 32 bytes',
      subtableBytes(4, 30),
      'length 30, expected 80, or 32 without block windows',
    ],
    [
      'a 32-byte control region with block windows',
      subtableBytes(4, 32, (b) => setU16(b, 30, 2)),
      'length 32, expected 80 (2 block windows)',
    ],
    ['a 40-byte control region', subtableBytes(4, 40), 'length 40, expected 80, or 32 without block windows'],
    ['a block data window of 48 bytes', subtableBytes(5, 48), '(type 5, block data window): length 48, expected 40'],
    [
      'a flush hint table whose count disagrees',
      subtableBytes(6, 24, (b) => setU16(b, 8, 2)),
      'length 24, expected 32 (hint count 2)',
    ],
    ['a flush hint table shorter than its fixed part', subtableBytes(6, 8), 'length 8, expected at least 16'],
    [
      'a capabilities sub-table of 12 bytes',
      subtableBytes(7, 12),
      '(type 7, platform capabilities): length 12, expected 16',
    ],
    [
      'a sub-table shorter than its own header',
      subtableBytes(9, 4)
        .slice(0, 4)
        .map((b, i) => (i === 2 ? 2 : b)),
      'length 2, shorter than the 4-byte sub-table header',
    ],
  ])('refuses %s', (_name, raw, fault) => {
    const message = refusal(() => decodeNfit(withSubtable(raw))).message
    expect(message).toContain('NFIT: sub-table at 0x28')
    expect(message).toContain(fault)
  })

  it('accepts the 80-byte control region without windows, and the interleave and flush forms with no entries', () => {
    const raw = [
      ...subtableBytes(4, 80, (b) => setU16(b, 4, 7)),
      ...subtableBytes(2, 16),
      ...subtableBytes(6, 16),
      ...subtableBytes(3, 8),
    ]
    const { table, warnings } = decodeNfit(withSubtable(raw))
    expect(warnings).toEqual([])
    expect(table.subtables).toMatchObject([
      { type: 4, regionIndex: 7, windows: 0, windowSize: 0n, dcrFlags: 0 },
      { type: 2, lineOffsets: [] },
      { type: 6, hintAddresses: [] },
      { type: 3, data: new Uint8Array(0) },
    ])
  })
})

describe('decodeNfit: a large table', () => {
  it('decodes 1,024 DIMMs (4,096 sub-tables); its speed is in npm run bench', () => {
    const bytes = encodeNfit(manyDimmsTable(1024))
    expect(decodeNfit(bytes).table.subtables.length).toBe(4096)
  })
})
