import { fletcher64 } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  NFIT_TEST0_ADDRESSES,
  NFIT_TEST0_HANDLES,
  NFIT_TEST0_HOTPLUG_HANDLE,
  NFIT_TEST0_NFIT_SIZE,
  NFIT_TEST1_ADDRESSES,
  NFIT_TEST1_HANDLES,
  NFIT_TEST1_NFIT_SIZE,
  NFIT_TEST_FULL_INTEL_HANDLES,
  NFIT_TEST_POOL_BASE,
  NFIT_TEST_POOL_SIZE,
  NFIT_TEST_VMALLOC_BASE,
  nfitTest0HotplugTable,
  nfitTest0Table,
  nfitTest1Table,
} from '../../src/presets/nfit-test.js'
import {
  CAP_MEM_FLUSH,
  MEM_FLUSH_FAILED,
  MEM_HEALTH_ENABLED,
  MEM_HEALTH_OBSERVED,
  MEM_MAP_FAILED,
  MEM_NOT_ARMED,
  MEM_RESTORE_FAILED,
  MEM_SAVE_FAILED,
  NFIT_HEADER_SIZE,
  NfitType,
  type NfitCapabilities,
  type NfitDcr,
  type NfitFlush,
  type NfitMemdev,
  type NfitSpa,
  type NfitTable,
} from '../../src/table/nfit-types.js'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import { encodeNfit } from '../../src/table/nfit-encode.js'
import { nfitTopology } from '../../src/topology/nfit-topology.js'

const MiB = 1n << 20n
const PM_GUID = '66f0d379-b4f3-4074-ac43-0d3318b78cdb'
const DCR_GUID = '92f701f6-13b4-405d-910b-299367e8234c'
const BDW_GUID = '91af0530-5d86-470e-a6b0-0a2db9408249'
const VCD_GUID = '3d5abd30-4175-87ce-6d64-d2ade523c4bb'

const ofType = <T>(table: NfitTable, type: number): T[] =>
  table.subtables.filter((sub) => sub.type === type) as unknown as T[]
const spas = (table: NfitTable) => ofType<NfitSpa>(table, NfitType.SPA)
const memdevs = (table: NfitTable) => ofType<NfitMemdev>(table, NfitType.MEMDEV)
const dcrs = (table: NfitTable) => ofType<NfitDcr>(table, NfitType.DCR)
const spa = (table: NfitTable, rangeIndex: number) => spas(table).find((s) => s.rangeIndex === rangeIndex)!
const mappingsOf = (table: NfitTable, rangeIndex: number) => memdevs(table).filter((m) => m.rangeIndex === rangeIndex)
const dcrOf = (table: NfitTable, memdev: NfitMemdev) => dcrs(table).find((d) => d.regionIndex === memdev.regionIndex)!

// Sub-table sizes as the kernel's header.length would have them.
function subtableSizes(table: NfitTable): number[] {
  return table.subtables.map((sub) => {
    switch (sub.type) {
      case NfitType.SPA:
        return (sub as NfitSpa).locationCookie === undefined ? 56 : 64
      case NfitType.MEMDEV:
        return 48
      case NfitType.DCR:
        return (sub as NfitDcr).windowSize === undefined ? 32 : 80
      case NfitType.BDW:
        return 40
      case NfitType.FLUSH:
        return 16 + 8 * (sub as NfitFlush).hintAddresses.length
      case NfitType.CAPABILITIES:
        return 16
      default:
        throw new Error(`unexpected sub-table type ${sub.type}`)
    }
  })
}
const subtableBytes = (table: NfitTable) => subtableSizes(table).reduce((a, b) => a + b, 0)

// The kernel's interleave-set cookies (acpi_nfit_init_interleave_set), written out independently.
function cookies(table: NfitTable, rangeIndex: number) {
  const members = mappingsOf(table, rangeIndex).map((memdev) => ({ memdev, dcr: dcrOf(table, memdev) }))
  const info = (m: (typeof members)[number]) => {
    const bytes = new Uint8Array(16)
    const view = new DataView(bytes.buffer)
    view.setBigUint64(0, m.memdev.regionOffset, true)
    view.setUint32(8, m.dcr.serialNumber, true)
    return bytes
  }
  const info2 = (m: (typeof members)[number]) => {
    const bytes = new Uint8Array(48)
    const view = new DataView(bytes.buffer)
    view.setBigUint64(0, m.memdev.regionOffset, true)
    view.setUint32(8, m.dcr.serialNumber, true)
    view.setUint16(12, m.dcr.vendorId, true)
    view.setUint16(14, m.dcr.manufacturingDate, true)
    bytes[16] = m.dcr.manufacturingLocation
    return bytes
  }
  const join = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
    return out
  }
  const numeric = [...members].sort((a, b) => (a.memdev.regionOffset < b.memdev.regionOffset ? -1 : 1))
  const memcmp = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < 8; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
    return 0
  }
  const compat = [...members].sort((a, b) => memcmp(info(a), info(b)))
  return {
    cookie1: fletcher64(join(numeric.map(info))),
    cookie2: fletcher64(join(numeric.map(info2))),
    altcookie: fletcher64(join(compat.map(info))),
  }
}

// acpi_nfit_add_dimm(): "%04x-%02x-%04x-%08x" of be16_to_cpu(vendor), location, be16_to_cpu(date), be32_to_cpu(serial).
function dimmId(dcr: NfitDcr): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setUint16(0, dcr.vendorId, true)
  view.setUint16(2, dcr.manufacturingDate, true)
  view.setUint32(4, dcr.serialNumber, true)
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0')
  return [
    hex(view.getUint16(0, false), 4),
    hex(dcr.manufacturingLocation, 2),
    hex(view.getUint16(2, false), 4),
    hex(view.getUint32(4, false), 8),
  ].join('-')
}

describe('nfit_test.0 at init', () => {
  const table = nfitTest0Table()

  it('lays the sub-tables out in nfit_test0_setup() order', () => {
    const counts = table.subtables.map((sub) => sub.type)
    expect(counts).toEqual([
      ...Array<number>(10).fill(NfitType.SPA),
      ...Array<number>(14).fill(NfitType.MEMDEV),
      ...Array<number>(8).fill(NfitType.DCR),
      ...Array<number>(4).fill(NfitType.BDW),
      ...Array<number>(4).fill(NfitType.FLUSH),
      NfitType.CAPABILITIES,
    ])
    expect(table.header.length).toBe(NFIT_HEADER_SIZE + subtableBytes(table))
    expect(table.header.revision).toBe(1)
  })

  it('has the SPA ranges with their GUIDs, indexes and sizes', () => {
    expect(spas(table).map((s) => [s.rangeIndex, s.rangeGuid, s.length])).toEqual([
      [1, PM_GUID, 32n * MiB],
      [2, PM_GUID, 64n * MiB],
      [3, DCR_GUID, 12n],
      [4, DCR_GUID, 12n],
      [5, DCR_GUID, 12n],
      [6, DCR_GUID, 12n],
      [7, BDW_GUID, 32n * MiB],
      [8, BDW_GUID, 32n * MiB],
      [9, BDW_GUID, 32n * MiB],
      [10, BDW_GUID, 32n * MiB],
    ])
    expect(spas(table).every((s) => s.flags === 0 && s.locationCookie === undefined)).toBe(true)
    expect(spas(table).map((s) => s.address)).toEqual([
      ...NFIT_TEST0_ADDRESSES.spaSet.slice(0, 2),
      ...NFIT_TEST0_ADDRESSES.dcr.slice(0, 4),
      ...NFIT_TEST0_ADDRESSES.dimm.slice(0, 4),
    ])
  })

  it('interleaves spa0 2-way over dimm0/1 at DPA 0', () => {
    const set = mappingsOf(table, 1)
    expect(set.map((m) => [m.deviceHandle, m.physicalId, m.regionIndex, m.regionOffset, m.flags])).toEqual([
      [0x0, 0, 5, 1n, 0],
      [0x1, 1, 6, 256n, MEM_HEALTH_ENABLED],
    ])
    expect(set.every((m) => m.address === 0n && m.regionSize === 16n * MiB && m.interleaveWays === 2)).toBe(true)
  })

  it('interleaves spa1 4-way over dimm0-3 at DPA 16 MiB', () => {
    const set = mappingsOf(table, 2)
    expect(set.map((m) => [m.deviceHandle, m.physicalId, m.regionId, m.regionIndex, m.regionOffset])).toEqual([
      [0x0, 0, 1, 5, 1n << 16n],
      [0x1, 1, 1, 6, 1n << 24n],
      [0x100, 2, 0, 7, 1n << 32n],
      [0x101, 3, 0, 8, 1n << 40n],
    ])
    expect(set.every((m) => m.address === 16n * MiB && m.regionSize === 16n * MiB && m.interleaveWays === 4)).toBe(true)
    expect(set.map((m) => m.flags)).toEqual([MEM_HEALTH_ENABLED, 0, MEM_HEALTH_ENABLED, 0])
  })

  it('maps each dimm to its control and block-window ranges', () => {
    const blk = memdevs(table).filter((m) => m.rangeIndex >= 3)
    expect(blk.map((m) => [m.deviceHandle, m.rangeIndex, m.regionIndex, m.flags])).toEqual([
      [0x0, 3, 1, 0],
      [0x1, 4, 2, 0],
      [0x100, 5, 3, 0],
      [0x101, 6, 4, 0],
      [0x0, 7, 1, 0],
      [0x1, 8, 2, 0],
      [0x100, 9, 3, 0],
      [0x101, 10, 4, MEM_HEALTH_ENABLED],
    ])
    expect(blk.every((m) => m.regionSize === 0n && m.address === 0n && m.interleaveWays === 1)).toBe(true)
  })

  it('gives handles 0x0, 0x1, 0x100, 0x101 DCRs from dcr_common_init() with serial ~handle', () => {
    expect(NFIT_TEST0_HANDLES).toEqual([0x0, 0x1, 0x100, 0x101])
    const all = dcrs(table)
    expect(all.map((d) => [d.regionIndex, d.code, d.windows, d.serialNumber])).toEqual([
      [1, 0x201, 1, 0xffffffff],
      [2, 0x201, 1, 0xfffffffe],
      [3, 0x201, 1, 0xfffffeff],
      [4, 0x201, 1, 0xfffffefe],
      [5, 0x301, 0, 0xffffffff],
      [6, 0x301, 0, 0xfffffffe],
      [7, 0x301, 0, 0xfffffeff],
      [8, 0x301, 0, 0xfffffefe],
    ])
    for (const dcr of all) {
      expect([dcr.vendorId, dcr.deviceId, dcr.revisionId, dcr.validFields, dcr.manufacturingLocation]).toEqual([
        0xabcd, 0, 1, 1, 0xa,
      ])
      // cpu_to_be16(2016) as it sits in memory: bytes 07 e0.
      const bytes = new Uint8Array(2)
      new DataView(bytes.buffer).setUint16(0, dcr.manufacturingDate, true)
      expect([...bytes]).toEqual([0x07, 0xe0])
    }
    const [blk, pmem] = [all.slice(0, 4), all.slice(4)]
    for (const dcr of blk) {
      const window = [dcr.windowSize, dcr.commandOffset, dcr.commandSize, dcr.statusOffset, dcr.statusSize]
      expect(window).toEqual([12n, 0n, 8n, 8n, 4n])
      expect(dcr.dcrFlags).toBe(0)
    }
    for (const dcr of pmem) expect(dcr.windowSize).toBeUndefined()
  })

  it("prints dimm 0's id as cdab-0a-07e0-ffffffff", () => {
    const dcr = dcrOf(table, mappingsOf(table, 1)[0]!)
    expect(dimmId(dcr)).toBe('cdab-0a-07e0-ffffffff')
  })

  it('yields the 4-way set cookies ndctl and the label images know', () => {
    const { cookie1, cookie2, altcookie } = cookies(table, 2)
    expect(cookie1).toBe(0x0c0ffadb0100fefbn)
    expect(cookie2).toBe(0xa76c6907811fae57n)
    expect(altcookie).toBe(0x0803f6d70100fefbn)
  })

  it('has block windows, 8 flush hints per dimm and MEM_FLUSH capability', () => {
    const bdws = table.subtables.filter((s) => s.type === NfitType.BDW)
    expect(bdws).toEqual(
      [1, 2, 3, 4].map((regionIndex) => ({
        type: NfitType.BDW,
        regionIndex,
        windows: 1,
        offset: 0n,
        size: 64n << 8n,
        capacity: 32n * MiB,
        startAddress: 0n,
      })),
    )
    const flushes = ofType<NfitFlush>(table, NfitType.FLUSH)
    expect(flushes.map((f) => f.deviceHandle)).toEqual([0x0, 0x1, 0x100, 0x101])
    flushes.forEach((flush, d) => {
      const base = NFIT_TEST0_ADDRESSES.flush[d]!
      expect(flush.hintAddresses).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => base + BigInt(8 * i)))
    })
    const [caps] = ofType<NfitCapabilities>(table, NfitType.CAPABILITIES)
    expect(caps).toEqual({ type: NfitType.CAPABILITIES, highestCapability: 1, capabilities: CAP_MEM_FLUSH })
  })
})

describe('nfit_test.0 after the DIMM4 hotplug', () => {
  const init = nfitTest0Table()
  const table = nfitTest0HotplugTable()

  it('keeps the init table and appends DIMM4 in setup order', () => {
    expect(table.subtables.slice(0, init.subtables.length)).toEqual(init.subtables)
    expect(table.subtables.slice(init.subtables.length).map((s) => s.type)).toEqual([
      NfitType.DCR,
      NfitType.DCR,
      NfitType.BDW,
      NfitType.SPA,
      NfitType.SPA,
      NfitType.SPA,
      NfitType.MEMDEV,
      NfitType.MEMDEV,
      NfitType.MEMDEV,
      NfitType.FLUSH,
    ])
  })

  it("fills nfit_test0_alloc()'s buffer exactly, as the kernel's WARN_ON checks", () => {
    expect(subtableBytes(table)).toBe(NFIT_TEST0_NFIT_SIZE)
    expect(NFIT_TEST0_NFIT_SIZE).toBe(56 * 13 + 48 * 17 + 80 * 5 + 32 * 5 + 40 * 5 + 80 * 5 + 16)
    expect(table.header.length).toBe(NFIT_HEADER_SIZE + NFIT_TEST0_NFIT_SIZE)
  })

  it('adds spa11: 32 MiB of PM on handle 0x1000 alone, region offset 1<<48', () => {
    expect(NFIT_TEST0_HOTPLUG_HANDLE).toBe(0x1000)
    const range = spa(table, 12)
    expect([range.rangeGuid, range.address, range.length]).toEqual([PM_GUID, NFIT_TEST0_ADDRESSES.spaSet[2], 32n * MiB])
    const [memdev] = mappingsOf(table, 12)
    expect(memdev).toMatchObject({
      deviceHandle: 0x1000,
      physicalId: 4,
      regionIndex: 10,
      regionSize: 32n * MiB,
      regionOffset: 1n << 48n,
      address: 0n,
      interleaveWays: 1,
      flags: MEM_HEALTH_ENABLED,
    })
    const dcr = dcrOf(table, memdev!)
    expect([dcr.code, dcr.serialNumber, dcr.windowSize]).toEqual([0x301, ~0x1000 >>> 0, undefined])
    expect([spa(table, 11).rangeGuid, spa(table, 13).rangeGuid]).toEqual([DCR_GUID, BDW_GUID])
    const flush = ofType<NfitFlush>(table, NfitType.FLUSH).at(-1)!
    expect([flush.deviceHandle, flush.hintAddresses[0]]).toEqual([0x1000, NFIT_TEST0_ADDRESSES.flush[4]])
  })
})

describe('nfit_test.1', () => {
  const table = nfitTest1Table()

  it('fills nfit_test1_alloc()s buffer: two SPAs, two memdevs, two short DCRs', () => {
    expect(table.subtables.map((s) => s.type)).toEqual([
      NfitType.SPA,
      NfitType.SPA,
      NfitType.MEMDEV,
      NfitType.DCR,
      NfitType.MEMDEV,
      NfitType.DCR,
    ])
    expect(subtableBytes(table)).toBe(NFIT_TEST1_NFIT_SIZE)
    expect(NFIT_TEST1_NFIT_SIZE).toBe(56 * 2 + 48 * 2 + 32 * 2)
  })

  it('has a flat 32 MiB PM range and a 4 MiB virtual CD without a range index', () => {
    expect(spas(table).map((s) => [s.rangeIndex, s.rangeGuid, s.address, s.length])).toEqual([
      [1, PM_GUID, NFIT_TEST1_ADDRESSES.pm, 32n * MiB],
      [0, VCD_GUID, NFIT_TEST1_ADDRESSES.vcd, 4n * MiB],
    ])
  })

  it('marks the mapped dimm failed and leaves the second unmapped', () => {
    expect(NFIT_TEST1_HANDLES).toEqual([0x10000, 0x10001])
    const [mapped, unmapped] = memdevs(table)
    expect(mapped).toMatchObject({ deviceHandle: 0x10000, rangeIndex: 1, regionIndex: 1, regionSize: 32n * MiB })
    expect(mapped!.flags).toBe(
      MEM_SAVE_FAILED | MEM_RESTORE_FAILED | MEM_FLUSH_FAILED | MEM_HEALTH_OBSERVED | MEM_NOT_ARMED,
    )
    expect(unmapped).toMatchObject({ deviceHandle: 0x10001, rangeIndex: 0, regionIndex: 2, flags: MEM_MAP_FAILED })
    expect(dcrs(table).map((d) => [d.regionIndex, d.code, d.serialNumber, d.windowSize])).toEqual([
      [1, 0x101, 0xfffeffff, undefined],
      [2, 0x101, 0xfffefffe, undefined],
    ])
    // ~0x10000 is 0xfffeffff; be32_to_cpu() reverses its bytes.
    expect(dimmId(dcrs(table)[0]!)).toBe('cdab-0a-07e0-fffffeff')
  })
})

describe('nfit_test addresses', () => {
  it('hands out pool buffers from 4 GiB, 128 MiB aligned, in allocation order', () => {
    const G4 = 1n << 32n
    const M128 = 128n * MiB
    expect(NFIT_TEST_POOL_BASE).toBe(G4)
    expect(NFIT_TEST0_ADDRESSES.spaSet).toEqual([G4, G4 + M128, G4 + 2n * M128])
    expect(NFIT_TEST0_ADDRESSES.dimm).toEqual([3n, 4n, 5n, 6n, 7n].map((n) => G4 + n * M128))
    expect(NFIT_TEST1_ADDRESSES.pm).toBe(G4 + 8n * M128)
  })

  it('models the smaller buffers as distinct page-aligned vmalloc addresses outside the pool', () => {
    const small = [
      ...NFIT_TEST0_ADDRESSES.label,
      ...NFIT_TEST0_ADDRESSES.flush,
      ...NFIT_TEST0_ADDRESSES.dcr,
      ...NFIT_TEST1_ADDRESSES.label,
      NFIT_TEST1_ADDRESSES.vcd,
    ]
    expect(new Set(small).size).toBe(small.length)
    for (const address of small) {
      expect(address % 4096n).toBe(0n)
      expect(address >= NFIT_TEST_VMALLOC_BASE).toBe(true)
      expect(address >= NFIT_TEST_POOL_BASE && address < NFIT_TEST_POOL_BASE + NFIT_TEST_POOL_SIZE).toBe(false)
    }
  })

  it('names the nfit_test.0 dimms as the ones with the full Intel family', () => {
    expect(NFIT_TEST_FULL_INTEL_HANDLES).toEqual([0x0, 0x1, 0x100, 0x101, 0x1000])
  })
})

describe('nfit_test tables through the NFIT topology', () => {
  it('gives nfit_test.0 its two PM regions with the 4-way iset id ndctl lists', () => {
    const topology = nfitTopology(nfitTest0Table())
    expect(topology.dimms.map((d) => [d.handle, d.id])).toEqual([
      [0x0, 'cdab-0a-07e0-ffffffff'],
      [0x1, 'cdab-0a-07e0-feffffff'],
      [0x100, 'cdab-0a-07e0-fffeffff'],
      [0x101, 'cdab-0a-07e0-fefeffff'],
    ])
    expect(topology.regions.map((r) => [r.spa.rangeIndex, r.mappings.length, r.spa.length])).toEqual([
      [1, 2, 32n * MiB],
      [2, 4, 64n * MiB],
    ])
    expect(topology.regions[1]!.interleaveSet.cookie2).toBe(0xa76c6907811fae57n)
    expect(topology.regions[0]!.flags).toEqual(['persistMemctrl'])
  })

  it('gives nfit_test.1 a failed, unarmed dimm, an unmapped one, and a virtual CD region', () => {
    const topology = nfitTopology(nfitTest1Table())
    expect(topology.dimms.map((d) => d.handle)).toEqual([0x10000, 0x10001])
    expect(topology.dimms[0]!.flags).toContain('unarmed')
    expect(topology.dimms[1]!.firmwareFlags).toEqual(['failed_map'])
    expect(topology.regions.map((r) => [r.spaType, r.mappings.length])).toEqual([
      ['pmem', 1],
      ['volatile-cd', 0],
    ])
  })
})

describe('nfit_test tables as bytes', () => {
  const tables = {
    'nfit_test.0': nfitTest0Table(),
    'nfit_test.0 hotplug': nfitTest0HotplugTable(),
    'nfit_test.1': nfitTest1Table(),
  }

  for (const [name, table] of Object.entries(tables)) {
    it(`${name} encodes at the kernel's sizes and decodes back unchanged`, () => {
      const bytes = encodeNfit(table)
      expect(bytes.length).toBe(table.header.length)
      const decoded = decodeNfit(bytes)
      expect(decoded.warnings).toEqual([])
      expect(decoded.table.subtables).toEqual(table.subtables)
      expect({ ...decoded.table.header, checksum: 0 }).toEqual(table.header)
      // Each sub-table starts where nfit_test's running offset put it.
      const sizes = decoded.offsets.map((offset, i) => (decoded.offsets[i + 1] ?? bytes.length) - offset)
      expect(sizes).toEqual(subtableSizes(table))
      // dcr_common_init() as it lands in memory: vendor cd ab, location 0a, date 07 e0.
      const dcr = decoded.offsets[table.subtables.findIndex((sub) => sub.type === NfitType.DCR)]!
      expect([...bytes.subarray(dcr + 6, dcr + 8), bytes[dcr + 19], ...bytes.subarray(dcr + 20, dcr + 22)]).toEqual([
        0xcd, 0xab, 0x0a, 0x07, 0xe0,
      ])
    })
  }
})
