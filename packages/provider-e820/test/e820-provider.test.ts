import { BusCmd, createNvdimm, ndctlList, submitCommand } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { e820 } from '../src/index.js'

describe('the e820 provider', () => {
  it('makes one bus, one pagemap region per range in address order, no dimms', async () => {
    const nd = createNvdimm({ providers: [e820({ memmap: 'memmap=4G!20G,4G!12G' })] })
    await nd.start()
    expect(nd.buses.map((b) => b.providerName)).toEqual(['e820'])
    expect(nd.dimms).toEqual([])
    expect(nd.regions.map((r) => [r.name, r.resource.start, [...r.flags], r.persistenceDomain])).toEqual([
      ['region0', 12n << 30n, ['pagemap'], 'unknown'],
      ['region1', 20n << 30n, ['pagemap'], 'unknown'],
    ])
    expect(nd.namespaces.map((n) => [n.name, n.kind, n.mode, n.map, n.enabled])).toEqual([
      ['namespace0.0', 'io', 'fsdax', 'mem', true],
      ['namespace1.0', 'io', 'fsdax', 'mem', true],
    ])
    await expect(submitCommand(nd.bus('ndbus0'), null, BusCmd.ARS_CAP)).rejects.toMatchObject({ errno: 'ENOTTY' })
    await nd.stop()
  })

  it('lists as ndctl lists nd_e820', async () => {
    const nd = createNvdimm({
      providers: [e820({ ranges: [{ start: 0x20000000n, size: 128n << 20n, type: 12, numaNode: 1 }] })],
    })
    await nd.start()
    expect(JSON.parse((await ndctlList(nd, { namespaces: true, verbose: 1 }))!)).toEqual([
      {
        dev: 'namespace0.0',
        mode: 'fsdax',
        map: 'mem',
        size: 134217728,
        sector_size: 512,
        blockdev: 'pmem0',
        numa_node: 1,
        target_node: 1,
      },
    ])
    await nd.stop()
  })

  it('refuses overlapping ranges given as data', () => {
    expect(() =>
      e820({
        ranges: [
          { start: 0n, size: 1n << 30n, type: 12 },
          { start: 1n << 29n, size: 1n << 30n, type: 12 },
        ],
      }),
    ).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
  })

  it('leaves a misaligned range disabled with EOPNOTSUPP when its namespace probes', async () => {
    const nd = createNvdimm({ providers: [e820({ memmap: 'memmap=30M!901M' })] })
    await nd.start()
    const namespace = nd.namespace('namespace0.0')
    expect(nd.region('region0').enabled).toBe(true)
    expect(namespace.enabled).toBe(false)
    expect(namespace.probeError?.errno).toBe('EOPNOTSUPP')
    expect(nd.dmesg.map((entry) => entry.message)).toContain('nd_pmem: probe of namespace0.0 failed with error -95')
    await nd.stop()
  })
})
