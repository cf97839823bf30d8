import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { SPA_PM_GUID } from '../../src/table/nfit-guid.js'
import { NFIT_DEFAULT_HEADER, nfitFromJson, nfitToJson } from '../../src/table/nfit-json.js'
import { GOLDEN_SKIP_NOTE, goldenBytes, hasGolden } from '../golden.js'
import { everyTypeTable } from './fixtures.js'

function refusal(json: unknown): string {
  try {
    nfitFromJson(json)
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return (error as NvdimmError).message
  }
  throw new Error('expected EINVAL, but the description was accepted')
}

describe.skipIf(!hasGolden)(`nfitToJson on QEMU's NFIT${GOLDEN_SKIP_NOTE}`, () => {
  it('prints u64s as hex strings, types as names, and reads back the same table', () => {
    const { table } = decodeNfit(goldenBytes('linux-6.1-qemu', 'nfit.bin'))
    const json = nfitToJson(table)
    expect(json.header).toEqual(table.header)
    expect(json.subtables[0]).toEqual({
      type: 'spa',
      rangeIndex: 2,
      flags: 3,
      proximityDomain: 0,
      rangeGuid: SPA_PM_GUID,
      address: '0x100000000',
      length: '0x10000000',
      memoryMapping: '0x8008',
    })
    expect(json.subtables[2]).toMatchObject({
      type: 'dcr',
      vendorId: 0x8086,
      serialNumber: 0x123456,
      windowSize: '0x0',
    })
    const text = JSON.stringify(json)
    expect(nfitFromJson(JSON.parse(text))).toEqual(table)
  })
})

describe('nfitToJson / nfitFromJson', () => {
  it('round-trips every sub-table type through JSON text', () => {
    const table = everyTypeTable()
    table.subtables.push({ type: 300, unknown: true, data: Uint8Array.from([0xde, 0xad]) })
    const json = JSON.parse(JSON.stringify(nfitToJson(table)))
    expect(json.subtables[7]).toEqual({ type: 'smbios', data: '4142434445464748494a4b4c4d4e4f5051525354' })
    expect(json.subtables[12]).toEqual({
      type: 'flush',
      deviceHandle: 1,
      hintAddresses: ['0xf1000000', '0xf1000040', '0xf1000080'],
    })
    expect(json.subtables[14]).toEqual({ type: 300, unknown: true, data: 'dead' })
    expect(json.subtables[8]).not.toHaveProperty('windowSize')
    expect(json.subtables[1]).toHaveProperty('locationCookie', '0x1122334455667788')
    expect(nfitFromJson(json)).toEqual(table)
  })

  it('reads a short description: header defaults, omitted numbers, type names or numbers, range-type names', () => {
    const table = nfitFromJson({
      subtables: [
        { type: 'spa', rangeIndex: 1, flags: 2, rangeGuid: 'pmem', address: '0x100000000', length: 268435456 },
        { type: 1, deviceHandle: 1, rangeIndex: 1, regionIndex: 2, regionSize: '268435456', interleaveWays: 1 },
        { type: 'dcr', regionIndex: 2, vendorId: 0x8086, serialNumber: 7, code: 0x301 },
        { type: 'capabilities', highestCapability: 1, capabilities: 2 },
      ],
    })
    const bytes = encodeNfit(table)
    expect(table.header).toEqual({ ...NFIT_DEFAULT_HEADER, length: bytes.length, checksum: bytes[9] })
    expect(table.subtables[0]).toEqual({
      type: 0,
      rangeIndex: 1,
      flags: 2,
      proximityDomain: 0,
      rangeGuid: SPA_PM_GUID,
      address: 0x100000000n,
      length: 0x10000000n,
      memoryMapping: 0n,
    })
    expect(table.subtables[1]).toMatchObject({ type: 1, regionSize: 0x10000000n, flags: 0, address: 0n })
    expect(table.subtables[2]).toMatchObject({ type: 4, windows: 0, deviceId: 0 })
    expect(table.subtables[2]).not.toHaveProperty('windowSize')
    expect(bytes.length).toBe(40 + 56 + 48 + 32 + 16)
    expect(decodeNfit(bytes).table).toEqual(table)
  })

  it('keeps a header length and checksum that are given', () => {
    const json = { header: { length: 1234, checksum: 7, oemId: 'BOCHS ' }, subtables: [] }
    expect(nfitFromJson(json).header).toEqual({ ...NFIT_DEFAULT_HEADER, oemId: 'BOCHS ', length: 1234, checksum: 7 })
  })

  it.each([
    ['not an object', 'hello', 'NFIT description: Invalid input: expected object'],
    ['no subtables', { header: {} }, 'NFIT description: subtables: '],
    ['an unknown header field', { header: { oem: 'x' }, subtables: [] }, 'NFIT description: header: Unrecognized key'],
    ['an OEM ID too long', { header: { oemId: 'TOOLONGX' }, subtables: [] }, 'NFIT description: header.oemId: '],
    ['a type name that does not exist', { subtables: [{ type: 'nope' }] }, 'NFIT description: subtables.0.type: '],
    [
      'a u64 that is not hex',
      { subtables: [{ type: 'spa', rangeGuid: 'pmem', address: '0xzz' }] },
      'NFIT description: subtables.0.address: ',
    ],
    [
      'a u64 past 64 bits',
      { subtables: [{ type: 'bdw', size: `0x1${'0'.repeat(16)}` }] },
      'NFIT description: subtables.0.size: does not fit in 64 bits',
    ],
    ['a u16 past 16 bits', { subtables: [{ type: 'memdev', rangeIndex: 65536 }] }, 'subtables.0.rangeIndex: '],
    [
      'a GUID that is neither',
      { subtables: [{ type: 'spa', rangeGuid: 'pmemx' }] },
      'subtables.0.rangeGuid: expected a GUID',
    ],
    ['a missing range GUID', { subtables: [{ type: 0 }] }, 'subtables.0.rangeGuid: '],
    [
      'a cookie without its flag',
      { subtables: [{ type: 'spa', rangeGuid: 'pmem', locationCookie: '0x1' }] },
      'subtables.0.locationCookie: locationCookie is given exactly when flags has the location-cookie bit (0x4)',
    ],
    [
      'some block-window fields',
      { subtables: [{ type: 'dcr', windows: 1, windowSize: '0x10' }] },
      'subtables.0.commandOffset: give all of windowSize',
    ],
    [
      'windows without block-window fields',
      { subtables: [{ type: 'dcr', windows: 2 }] },
      'subtables.0.windows: 2 block windows',
    ],
    ['a sub-table without a type', { subtables: [{}, { type: 'flush' }] }, 'subtables.0.type: '],
    ['a misspelt field', { subtables: [{ type: 'flush', hints: [] }] }, 'subtables.0: Unrecognized key: "hints"'],
    [
      'SMBIOS data that is not hex',
      { subtables: [{ type: 'smbios', data: 'abc' }] },
      'subtables.0.data: expected bytes as a hex string',
    ],
    [
      'a known type kept as bytes',
      { subtables: [{ type: 'spa', unknown: true, data: '' }] },
      'subtables.0.unknown: type spa is a known',
    ],
    [
      'a sub-table too big for its length field',
      { subtables: [{ type: 'smbios', data: '00'.repeat(65528) }] },
      'do not fit a sub-table',
    ],
  ])('refuses %s, naming the path', (_name, json, fault) => {
    expect(refusal(json)).toContain(fault)
  })
})
