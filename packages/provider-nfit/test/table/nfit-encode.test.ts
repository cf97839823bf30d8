import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { acpiTableSum } from '../../src/table/nfit-checksum.js'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import { encodeNfit, nfitSubtableOffsets, nfitSubtableSize } from '../../src/table/nfit-encode.js'
import type { NfitDcr, NfitSpa, NfitSubtable, NfitTable, NfitUnknown } from '../../src/table/nfit-types.js'
import { GOLDEN_SKIP_NOTE, goldenBytes, hasGolden } from '../golden.js'
import { EVERY_TYPE_OFFSETS, everyTypeTable } from './fixtures.js'

function refusal(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return (error as NvdimmError).message
  }
  throw new Error('expected EINVAL, but it was accepted')
}

function withOne(subtable: NfitSubtable | NfitUnknown): NfitTable {
  return { header: everyTypeTable().header, subtables: [subtable] }
}

const spa = (): NfitSpa => everyTypeTable().subtables[0] as NfitSpa
const longDcr = (): NfitDcr => everyTypeTable().subtables[10] as NfitDcr

describe.skipIf(!hasGolden)(`encodeNfit on QEMU's NFIT${GOLDEN_SKIP_NOTE}`, () => {
  it('writes the decoded golden table back byte for byte', () => {
    const bytes = goldenBytes('linux-6.1-qemu', 'nfit.bin')
    expect(encodeNfit(decodeNfit(bytes).table)).toEqual(bytes)
  })
})

describe('encodeNfit', () => {
  it('computes the length and checksum itself, whatever the header says', () => {
    const table = everyTypeTable()
    const expected = encodeNfit(table)
    const bytes = encodeNfit({ ...table, header: { ...table.header, length: 1, checksum: 0x42 } })
    expect(bytes).toEqual(expected)
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(652)
    expect(acpiTableSum(bytes)).toBe(0)
  })

  it('lays the sub-tables out with their exact sizes, in order', () => {
    const table = everyTypeTable()
    expect(nfitSubtableOffsets(table)).toEqual(EVERY_TYPE_OFFSETS)
    expect(table.subtables.map((subtable) => nfitSubtableSize(subtable))).toEqual([
      56, 64, 56, 48, 48, 48, 24, 28, 32, 32, 80, 40, 40, 16,
    ])
    const bytes = encodeNfit(table)
    const view = new DataView(bytes.buffer)
    for (const [i, offset] of EVERY_TYPE_OFFSETS.entries()) {
      expect(view.getUint16(offset, true)).toBe(table.subtables[i]!.type)
      expect(view.getUint16(offset + 2, true)).toBe(nfitSubtableSize(table.subtables[i]!))
    }
    // The PM GUID in the stored (mixed-endian) order, as QEMU writes it.
    expect([...bytes.subarray(40 + 16, 40 + 32)]).toEqual([
      0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40, 0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb,
    ])
    // The cookie, last 8 bytes of the 64-byte SPA.
    expect(view.getBigUint64(96 + 56, true)).toBe(0x1122334455667788n)
  })

  it('round-trips tables with SMBIOS data, unknown sub-tables and 3 flush hints', () => {
    const table = everyTypeTable()
    table.subtables.push({ type: 0x1234, unknown: true, data: Uint8Array.from([9, 8, 7]) })
    const bytes = encodeNfit(table)
    const decoded = decodeNfit(bytes)
    expect(decoded.table.subtables).toEqual(table.subtables)
    expect(decoded.table.subtables[12]).toEqual({
      type: 6,
      deviceHandle: 1,
      hintAddresses: [0xf1000000n, 0xf1000040n, 0xf1000080n],
    })
    expect(encodeNfit(decoded.table)).toEqual(bytes)
  })

  it('refuses an SPA whose cookie and cookie flag disagree', () => {
    expect(refusal(() => encodeNfit(withOne({ ...spa(), flags: 0x4 })))).toBe(
      'NFIT: subtables[0] (spa): flags has the location-cookie bit (0x4) but locationCookie is missing',
    )
    expect(refusal(() => encodeNfit(withOne({ ...spa(), locationCookie: 1n })))).toContain(
      'locationCookie is given but flags lacks the location-cookie bit (0x4)',
    )
  })

  it('refuses a control region with some of the block-window fields, or windows in the short form', () => {
    const { dcrFlags: _dropped, ...partial } = longDcr()
    expect(refusal(() => encodeNfit(withOne(partial)))).toContain('subtables[0] (dcr): give all of windowSize')
    const {
      windowSize: _a,
      commandOffset: _b,
      commandSize: _c,
      statusOffset: _d,
      statusSize: _e,
      dcrFlags: _f,
      ...short
    } = longDcr()
    expect(refusal(() => encodeNfit(withOne(short)))).toBe(
      'NFIT: subtables[0] (dcr): the 32-byte form has no block-window fields, but windows is 1',
    )
    expect(encodeNfit(withOne({ ...short, windows: 0 })).length).toBe(40 + 32)
  })

  it('refuses values that do not fit their fields', () => {
    expect(refusal(() => encodeNfit(withOne({ ...spa(), rangeIndex: 0x10000 })))).toBe(
      'NFIT: subtables[0] (spa): rangeIndex 65536 is not a 16-bit unsigned integer',
    )
    expect(refusal(() => encodeNfit(withOne({ ...spa(), proximityDomain: -1 })))).toContain('proximityDomain -1')
    expect(refusal(() => encodeNfit(withOne({ ...spa(), address: 1n << 64n })))).toContain(
      'address 18446744073709551616 is not a 64-bit unsigned integer',
    )
    expect(refusal(() => encodeNfit(withOne({ ...spa(), rangeGuid: 'pmem' })))).toContain(
      "rangeGuid: 'pmem' is not a GUID",
    )
    expect(
      refusal(() => encodeNfit(withOne({ type: 2, interleaveIndex: 1, lineSize: 1.5, lineOffsets: [] }))),
    ).toContain('lineSize 1.5')
    expect(
      refusal(() => encodeNfit({ ...withOne(spa()), header: { ...everyTypeTable().header, oemId: 'TOOLONG' } })),
    ).toBe('NFIT: header: oemId "TOOLONG" is not a name of at most 6 Latin-1 characters')
    expect(refusal(() => encodeNfit(withOne({ type: 3, data: new Uint8Array(0x10000) })))).toContain(
      'subtables[0] (smbios): 65544 bytes do not fit a sub-table (at most 65535)',
    )
  })

  it('refuses an unknown sub-table that claims a known type', () => {
    expect(refusal(() => encodeNfit(withOne({ type: 1, unknown: true, data: new Uint8Array(44) })))).toBe(
      'NFIT: subtables[0] (type 1): an unknown sub-table cannot use type 1, which is a known type',
    )
  })
})
