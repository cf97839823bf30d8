import fc from 'fast-check'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { SPA_RANGE_TYPES } from '../../src/table/nfit-guid.js'
import { SPA_LOCATION_COOKIE_VALID } from '../../src/table/nfit-types.js'
import type { NfitDcr, NfitSpa, NfitSubtable, NfitTable, NfitUnknown } from '../../src/table/nfit-types.js'

const u8 = fc.nat({ max: 0xff })
const u16 = fc.nat({ max: 0xffff })
const u32 = fc.nat({ max: 0xffffffff })
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })

/** A name field as the decoder gives it back: no trailing NULs. */
const acpiName = (size: number) =>
  fc.array(fc.nat({ max: 0xff }), { maxLength: size }).map((codes) => String.fromCharCode(...codes).replace(/\0+$/, ''))

const guid = fc.oneof(
  fc.constantFrom(...SPA_RANGE_TYPES.map((type) => type.guid)),
  fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }).map((text) => text.toLowerCase()),
)

const spa: fc.Arbitrary<NfitSpa> = fc
  .record({
    rangeIndex: u16,
    flags: u16,
    proximityDomain: u32,
    rangeGuid: guid,
    address: u64,
    length: u64,
    memoryMapping: u64,
    cookie: u64,
  })
  .map(({ cookie, ...fields }) => {
    const entry: NfitSpa = { type: 0, ...fields }
    if (fields.flags & SPA_LOCATION_COOKIE_VALID) entry.locationCookie = cookie
    return entry
  })

const dcr: fc.Arbitrary<NfitDcr> = fc
  .record({
    regionIndex: u16,
    vendorId: u16,
    deviceId: u16,
    revisionId: u16,
    subsystemVendorId: u16,
    subsystemDeviceId: u16,
    subsystemRevisionId: u16,
    validFields: u8,
    manufacturingLocation: u8,
    manufacturingDate: u16,
    serialNumber: u32,
    code: u16,
    windows: u16,
    short: fc.boolean(),
    windowSize: u64,
    commandOffset: u64,
    commandSize: u64,
    statusOffset: u64,
    statusSize: u64,
    dcrFlags: u16,
  })
  .map(({ short, windowSize, commandOffset, commandSize, statusOffset, statusSize, dcrFlags, ...fields }) =>
    short
      ? { type: 4, ...fields, windows: 0 }
      : { type: 4, ...fields, windowSize, commandOffset, commandSize, statusOffset, statusSize, dcrFlags },
  )

export const arbitrarySubtable: fc.Arbitrary<NfitSubtable | NfitUnknown> = fc.oneof(
  spa,
  fc.record({
    type: fc.constant(1 as const),
    deviceHandle: u32,
    physicalId: u16,
    regionId: u16,
    rangeIndex: u16,
    regionIndex: u16,
    regionSize: u64,
    regionOffset: u64,
    address: u64,
    interleaveIndex: u16,
    interleaveWays: u16,
    flags: u16,
  }),
  fc.record({
    type: fc.constant(2 as const),
    interleaveIndex: u16,
    lineSize: u32,
    lineOffsets: fc.array(u32, { maxLength: 6 }),
  }),
  fc.record({ type: fc.constant(3 as const), data: fc.uint8Array({ maxLength: 40 }) }),
  dcr,
  fc.record({
    type: fc.constant(5 as const),
    regionIndex: u16,
    windows: u16,
    offset: u64,
    size: u64,
    capacity: u64,
    startAddress: u64,
  }),
  fc.record({ type: fc.constant(6 as const), deviceHandle: u32, hintAddresses: fc.array(u64, { maxLength: 5 }) }),
  fc.record({ type: fc.constant(7 as const), highestCapability: u8, capabilities: u32 }),
  fc.record({
    type: fc.integer({ min: 8, max: 0xffff }),
    unknown: fc.constant(true as const),
    data: fc.uint8Array({ maxLength: 24 }),
  }),
)

/** A valid table whose header length and checksum are those of its encoding. */
export const arbitraryNfitTable: fc.Arbitrary<NfitTable> = fc
  .record({
    revision: u8,
    oemId: acpiName(6),
    oemTableId: acpiName(8),
    oemRevision: u32,
    aslCompilerId: acpiName(4),
    aslCompilerRevision: u32,
    subtables: fc.array(arbitrarySubtable, { maxLength: 10 }),
  })
  .map(({ subtables, ...header }) => {
    const table: NfitTable = { header: { ...header, length: 0, checksum: 0 }, subtables }
    const bytes = encodeNfit(table)
    table.header.length = bytes.length
    table.header.checksum = bytes[9]!
    return table
  })
