import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  CAP_CACHE_FLUSH,
  CAP_MEM_FLUSH,
  interleaveCookies,
  MEM_HEALTH_OBSERVED,
  MEM_MAP_FAILED,
  MEM_NOT_ARMED,
  MEM_SAVE_FAILED,
  nfitDimmId,
  nfitTopology,
  qemuNfitTable,
  type NfitDcr,
  type NfitMemdev,
  type NfitTable,
} from '../../src/index.js'

const MiB = 1n << 20n

function dcr(regionIndex: number, serialNumber: number, fields: Partial<NfitDcr> = {}): NfitDcr {
  return {
    type: 4,
    regionIndex,
    vendorId: 0xabcd,
    deviceId: 0,
    revisionId: 1,
    subsystemVendorId: 0,
    subsystemDeviceId: 0,
    subsystemRevisionId: 0,
    validFields: 1,
    manufacturingLocation: 0xa,
    // cpu_to_be16(2016) as it sits in memory, read back little-endian
    manufacturingDate: 0xe007,
    serialNumber,
    code: 0x301,
    windows: 0,
    ...fields,
  }
}

function memdev(
  fields: Partial<NfitMemdev> & Pick<NfitMemdev, 'deviceHandle' | 'rangeIndex' | 'regionIndex'>,
): NfitMemdev {
  return {
    type: 1,
    physicalId: 0,
    regionId: 0,
    regionSize: 16n * MiB,
    regionOffset: 0n,
    address: 0n,
    interleaveIndex: 0,
    interleaveWays: 1,
    flags: 0,
    ...fields,
  }
}

const header = {
  length: 0,
  revision: 1,
  checksum: 0,
  oemId: 'TEST  ',
  oemTableId: 'TEST    ',
  oemRevision: 1,
  aslCompilerId: 'TEST',
  aslCompilerRevision: 1,
}

const PM = '66f0d379-b4f3-4074-ac43-0d3318b78cdb'
const HANDLES = [0x0, 0x1, 0x100, 0x101]
const OFFSETS = [1n << 16n, 1n << 24n, 1n << 32n, 1n << 40n]

/** nfit_test.0's 4-way set (notes §2.8, values verified against ndctl's label-compat fixtures). */
function fourWay(order: number[] = [0, 1, 2, 3], extra: Partial<NfitMemdev> = {}): NfitTable {
  return {
    header,
    subtables: [
      {
        type: 0,
        rangeIndex: 2,
        flags: 0,
        proximityDomain: 0,
        rangeGuid: PM,
        address: 0x1_0000_0000n,
        length: 64n * MiB,
        memoryMapping: 0n,
      },
      ...order.map((i) =>
        memdev({
          deviceHandle: HANDLES[i]!,
          physicalId: i,
          rangeIndex: 2,
          regionIndex: i + 1,
          regionOffset: OFFSETS[i]!,
          address: 16n * MiB,
          interleaveWays: 4,
          ...(i === 2 ? extra : {}),
        }),
      ),
      ...HANDLES.map((handle, i) => dcr(i + 1, ~handle >>> 0)),
    ],
  }
}

describe('interleave-set cookies (acpi_nfit_init_interleave_set)', () => {
  it("gives nfit_test.0's 4-way set the cookies the kernel and ndctl's fixtures carry", () => {
    const region = nfitTopology(fourWay()).regions[0]!
    expect(region.interleaveSet.cookie1).toBe(0x0c0ffadb0100fefbn)
    expect(region.interleaveSet.cookie2).toBe(0xa76c6907811fae57n)
    expect(region.interleaveSet.altcookie).toBe(0x0803f6d70100fefbn)
  })

  it('does not depend on the order of the memdevs, and positions follow the sorted offsets', () => {
    const region = nfitTopology(fourWay([3, 1, 0, 2])).regions[0]!
    expect(region.interleaveSet.cookie2).toBe(0xa76c6907811fae57n)
    expect(region.mappings.map((m) => [m.handle, m.position])).toEqual([
      [0x101, 3],
      [0x1, 1],
      [0x0, 0],
      [0x100, 2],
    ])
  })

  it('matches the cookies Linux 6.1 stored in the golden QEMU labels', () => {
    const topology = nfitTopology(
      qemuNfitTable([
        { fileSize: 268566528n, labelSize: 131072n },
        { fileSize: 268435456n, labelSize: 131072n },
      ]),
    )
    expect(topology.regions[0]!.interleaveSet.cookie1).toBe(0x2468ac00123456n)
    expect(topology.regions[1]!.interleaveSet.cookie2).toBe(0xba901c0012b4ddn)
  })

  it('sorts the compat cookie by the little-endian bytes of the offsets', () => {
    const members = [1n << 8n, 1n].map((regionOffset, i) => ({
      memdev: memdev({ deviceHandle: i, rangeIndex: 1, regionIndex: i + 1, regionOffset }),
      dcr: dcr(i + 1, i),
    }))
    const cookies = interleaveCookies(members)
    // Numerically 1 < 256; as bytes 00 01 … sorts before 01 00 …
    expect(cookies.positions).toEqual([1, 0])
    expect(cookies.altcookie).not.toBe(cookies.cookie1)
  })
})

describe('dimms (acpi_nfit_register_dimms)', () => {
  it('prints the id with the kernel byte swaps', () => {
    expect(nfitDimmId(dcr(1, 0xffffffff))).toBe('cdab-0a-07e0-ffffffff')
    expect(nfitDimmId(dcr(1, 0x123456, { vendorId: 0x8086, validFields: 0 }))).toBe('8680-56341200')
  })

  it('registers dimms in handle order and ORs the flags of all their memdevs', () => {
    const table = fourWay([3, 2, 1, 0], { flags: MEM_NOT_ARMED | MEM_HEALTH_OBSERVED })
    table.subtables.push({
      type: 0,
      rangeIndex: 3,
      flags: 0,
      proximityDomain: 0,
      rangeGuid: PM,
      address: 0x2_0000_0000n,
      length: 16n * MiB,
      memoryMapping: 0n,
    })
    table.subtables.push(
      memdev({ deviceHandle: 0x100, rangeIndex: 3, regionIndex: 3, flags: MEM_SAVE_FAILED | MEM_MAP_FAILED }),
    )
    const { dimms, regions } = nfitTopology(table)
    expect(dimms.map((d) => d.handle)).toEqual([0x0, 0x1, 0x100, 0x101])
    const third = dimms[2]!
    expect(third.flags).toEqual(['unarmed'])
    expect(third.firmwareFlags).toEqual(['failed_map', 'failed_save', 'failed_arm', 'smart_event'])
    expect(dimms[0]!.firmwareFlags).toEqual([])
    expect(regions.map((r) => r.mappings.length)).toEqual([4, 1])
  })

  it('refuses a memdev whose control region is missing (ENODEV)', () => {
    const table = fourWay()
    table.subtables = table.subtables.filter((sub) => !(sub.type === 4 && (sub as NfitDcr).regionIndex === 3))
    expect(() => nfitTopology(table)).toThrowError(/dimm 0x100 \(SPA 2\) missing DCR 3/)
    try {
      nfitTopology(table)
    } catch (error) {
      expect((error as NvdimmError).errno).toBe('ENODEV')
    }
  })
})

describe('regions (acpi_nfit_register_region)', () => {
  it('takes the persistence domain from the platform capabilities, masked to the highest one', () => {
    const withCaps = (highestCapability: number, capabilities: number) => {
      const table = fourWay()
      table.subtables.push({ type: 7, highestCapability, capabilities })
      return nfitTopology(table).regions[0]!.flags
    }
    expect(nfitTopology(fourWay()).regions[0]!.flags).toEqual([])
    expect(withCaps(1, CAP_MEM_FLUSH)).toEqual(['persistMemctrl'])
    expect(withCaps(1, CAP_CACHE_FLUSH | CAP_MEM_FLUSH)).toEqual(['persistCache'])
    // A capability above the highest one the platform defines does not count.
    expect(withCaps(0, CAP_MEM_FLUSH)).toEqual([])
  })

  it('makes no region of an invalid range index, and numa node 0 without a proximity domain', () => {
    const table = fourWay()
    const spa = table.subtables[0]!
    expect(nfitTopology(table).regions[0]!.numaNode).toBe(0)
    ;(spa as { rangeIndex: number }).rangeIndex = 0
    expect(nfitTopology(table).regions).toEqual([])
  })

  it('gives QEMU regions their proximity domain and type guid', () => {
    const topology = nfitTopology(qemuNfitTable([{ fileSize: 1n << 30n, labelSize: 0n, node: 2 }]))
    expect(topology.regions[0]!).toMatchObject({ numaNode: 2, targetNode: 2, type: 'pmem', spaType: 'pmem' })
    expect(topology.regions[0]!.interleaveSet.typeGuid).toBe(PM)
  })
})
