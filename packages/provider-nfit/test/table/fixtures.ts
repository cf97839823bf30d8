import { SPA_RANGE_TYPES } from '../../src/table/nfit-guid.js'
import type { NfitTable } from '../../src/table/nfit-types.js'

const guid = (name: string) => SPA_RANGE_TYPES.find((type) => type.name === name)!.guid

/**
 * Every sub-table type and both forms of SPA and DCR: two DIMMs interleaved 2-way in one
 * pmem range, DIMM 0x1 also with a block-window control region reached through an SPA-DCR
 * (with a location cookie) and an SPA-BDW. Header length and checksum are what the encoder
 * computes for it (see every-type.dsl, made from these bytes by iasl 20200925).
 */
export function everyTypeTable(): NfitTable {
  return {
    header: {
      length: 652,
      revision: 1,
      checksum: 0xab,
      oemId: 'NVDIMM',
      oemTableId: 'EVERYTYP',
      oemRevision: 2,
      aslCompilerId: 'NVDM',
      aslCompilerRevision: 0x20200925,
    },
    subtables: [
      {
        type: 0,
        rangeIndex: 1,
        flags: 0x3,
        proximityDomain: 1,
        rangeGuid: guid('pmem'),
        address: 0x100000000n,
        length: 0x20000000n,
        memoryMapping: 0x8008n,
      },
      {
        type: 0,
        rangeIndex: 2,
        flags: 0x6,
        proximityDomain: 0,
        rangeGuid: guid('dimm-control-region'),
        address: 0xf0000000n,
        length: 0x2000n,
        memoryMapping: 0x1n,
        locationCookie: 0x1122334455667788n,
      },
      {
        type: 0,
        rangeIndex: 3,
        flags: 0,
        proximityDomain: 0,
        rangeGuid: guid('block-data-window'),
        address: 0xf0100000n,
        length: 0x1000n,
        memoryMapping: 0x1n,
      },
      {
        type: 1,
        deviceHandle: 0x1,
        physicalId: 0x10,
        regionId: 0,
        rangeIndex: 1,
        regionIndex: 1,
        regionSize: 0x10000000n,
        regionOffset: 0n,
        address: 0n,
        interleaveIndex: 1,
        interleaveWays: 2,
        flags: 0x20,
      },
      {
        type: 1,
        deviceHandle: 0x101,
        physicalId: 0x11,
        regionId: 0,
        rangeIndex: 1,
        regionIndex: 2,
        regionSize: 0x10000000n,
        regionOffset: 0x100n,
        address: 0n,
        interleaveIndex: 1,
        interleaveWays: 2,
        flags: 0x8,
      },
      {
        type: 1,
        deviceHandle: 0x1,
        physicalId: 0x10,
        regionId: 1,
        rangeIndex: 2,
        regionIndex: 3,
        regionSize: 0x2000n,
        regionOffset: 0n,
        address: 0x10000000n,
        interleaveIndex: 0,
        interleaveWays: 1,
        flags: 0,
      },
      { type: 2, interleaveIndex: 1, lineSize: 256, lineOffsets: [0, 0x40] },
      { type: 3, data: Uint8Array.from({ length: 20 }, (_, i) => 0x41 + i) },
      {
        type: 4,
        regionIndex: 1,
        vendorId: 0x8086,
        deviceId: 0x0979,
        revisionId: 1,
        subsystemVendorId: 0x8086,
        subsystemDeviceId: 0x097a,
        subsystemRevisionId: 2,
        validFields: 1,
        manufacturingLocation: 0x0a,
        manufacturingDate: 0x1720,
        serialNumber: 0xdeadbeef,
        code: 0x301,
        windows: 0,
      },
      {
        type: 4,
        regionIndex: 2,
        vendorId: 0x8086,
        deviceId: 0x0979,
        revisionId: 1,
        subsystemVendorId: 0,
        subsystemDeviceId: 0,
        subsystemRevisionId: 0,
        validFields: 0,
        manufacturingLocation: 0,
        manufacturingDate: 0,
        serialNumber: 0xcafe,
        code: 0x301,
        windows: 0,
      },
      {
        type: 4,
        regionIndex: 3,
        vendorId: 0x8086,
        deviceId: 0x0979,
        revisionId: 1,
        subsystemVendorId: 0,
        subsystemDeviceId: 0,
        subsystemRevisionId: 0,
        validFields: 0,
        manufacturingLocation: 0,
        manufacturingDate: 0,
        serialNumber: 0xdeadbeef,
        code: 0x201,
        windows: 1,
        windowSize: 0x2000n,
        commandOffset: 0x100n,
        commandSize: 8n,
        statusOffset: 0x200n,
        statusSize: 4n,
        dcrFlags: 1,
      },
      {
        type: 5,
        regionIndex: 3,
        windows: 1,
        offset: 0n,
        size: 0x1000n,
        capacity: 0x10000000n,
        startAddress: 0n,
      },
      { type: 6, deviceHandle: 0x1, hintAddresses: [0xf1000000n, 0xf1000040n, 0xf1000080n] },
      { type: 7, highestCapability: 2, capabilities: 0x5 },
    ],
  }
}

/** Offsets of everyTypeTable()'s sub-tables. */
export const EVERY_TYPE_OFFSETS = [40, 96, 160, 216, 264, 312, 360, 384, 412, 444, 476, 556, 596, 636]

/**
 * A platform of `dimms` DIMMs as QEMU would describe them, one pmem range each, plus a flush
 * hint table per DIMM: 4 sub-tables per DIMM (1,024 DIMMs: 4,096 sub-tables, ~190 KiB).
 */
export function manyDimmsTable(dimms: number): NfitTable {
  const subtables: NfitTable['subtables'] = []
  for (let i = 0; i < dimms; i++) {
    const rangeIndex = 2 * i + 1
    const regionIndex = 2 * i + 2
    const deviceHandle = ((i >> 4) << 16) | (i & 0xf)
    subtables.push(
      {
        type: 0,
        rangeIndex,
        flags: 0x3,
        proximityDomain: i >> 4,
        rangeGuid: guid('pmem'),
        address: 0x100000000n + BigInt(i) * 0x10000000n,
        length: 0x10000000n,
        memoryMapping: 0x8008n,
      },
      {
        type: 1,
        deviceHandle,
        physicalId: i,
        regionId: 0,
        rangeIndex,
        regionIndex,
        regionSize: 0x10000000n,
        regionOffset: 0n,
        address: 0n,
        interleaveIndex: 0,
        interleaveWays: 1,
        flags: 0,
      },
      {
        type: 4,
        regionIndex,
        vendorId: 0x8086,
        deviceId: 1,
        revisionId: 1,
        subsystemVendorId: 0,
        subsystemDeviceId: 0,
        subsystemRevisionId: 0,
        validFields: 0,
        manufacturingLocation: 0,
        manufacturingDate: 0,
        serialNumber: 0x123456 + i,
        code: 0x301,
        windows: 0,
        windowSize: 0n,
        commandOffset: 0n,
        commandSize: 0n,
        statusOffset: 0n,
        statusSize: 0n,
        dcrFlags: 0,
      },
      { type: 6, deviceHandle, hintAddresses: [0xfed00000n + BigInt(i) * 0x1000n] },
    )
  }
  const table: NfitTable = {
    header: {
      length: 0,
      revision: 1,
      checksum: 0,
      oemId: 'BOCHS ',
      oemTableId: 'BXPC    ',
      oemRevision: 1,
      aslCompilerId: 'BXPC',
      aslCompilerRevision: 1,
    },
    subtables,
  }
  return table
}
