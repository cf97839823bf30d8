import { describe, expect, it } from 'vitest'
import { createNvdimm, ndctlList, ndctlXableNamespace, ndctlXableRegion, type Nvdimm } from '../src/index.js'
import { twoWayAndLegacy } from './fixtures.js'

async function platform(): Promise<Nvdimm> {
  const nd = createNvdimm({
    providers: [
      twoWayAndLegacy({
        dimms: [
          { id: 'cdab-0a-07e0-ffffffff', handle: 0, physId: 0 },
          {
            id: 'cdab-0a-07e0-feffffff',
            handle: 1,
            physId: 1,
            health: { state: 'non-critical', temperature: 23, sparesPercentage: 75 },
          },
        ],
        legacySize: 8n << 30n,
        targetNode: 2,
      }),
    ],
  })
  await nd.start()
  return nd
}

const parse = (text: string | undefined) => JSON.parse(text ?? 'null')

describe('ndctl list', () => {
  it('lists namespaces by default, as an array', async () => {
    const nd = await platform()
    expect(parse(await ndctlList(nd, {}))).toEqual([
      { dev: 'namespace1.0', mode: 'fsdax', map: 'mem', size: 8589934592, sector_size: 512, blockdev: 'pmem1' },
      { dev: 'namespace0.0', mode: 'raw', size: 67108864, sector_size: 512, blockdev: 'pmem0' },
    ])
    await nd.stop()
  })

  it('nests dimms and regions in buses under -B, buses in ndctl order', async () => {
    const nd = await platform()
    const buses = parse(await ndctlList(nd, { buses: true, dimms: true, regions: true }))
    expect(buses.map((bus: { dev: string }) => bus.dev)).toEqual(['ndbus1', 'ndbus0'])
    expect(buses[1].dimms.map((d: { dev: string }) => d.dev)).toEqual(['nmem1', 'nmem0'])
    // mapping0..N-1 are read in order and added at the head: listed last first.
    expect(buses[1].regions[0].mappings).toEqual([
      { dimm: 'nmem1', offset: 0, length: 33554432, position: 1 },
      { dimm: 'nmem0', offset: 0, length: 33554432, position: 0 },
    ])
    await nd.stop()
  })

  it('makes an object of several classes without -B, namespaces inside their regions', async () => {
    const nd = await platform()
    const out = parse(await ndctlList(nd, { dimms: true, regions: true, namespaces: true }))
    expect(Object.keys(out)).toEqual(['dimms', 'regions'])
    expect(out.regions[0].namespaces[0].dev).toBe('namespace1.0')
    await nd.stop()
  })

  it('prints one element bare under --human, with human sizes and hex', async () => {
    const nd = await platform()
    const text = await ndctlList(nd, { regions: true, region: 'region0', human: true })
    expect(text).toContain('"size":"64.00 MiB (67.11 MB)"')
    expect(text?.startsWith('{')).toBe(true)
    const dimm = await ndctlList(nd, { dimms: true, dimm: 'nmem1', human: true })
    expect(dimm).toContain('"handle":"0x1"')
    expect(dimm).toContain('"phys_id":"0x1"')
    await nd.stop()
  })

  it('filters by bus provider, region id, namespace id and mode', async () => {
    const nd = await platform()
    expect(parse(await ndctlList(nd, { bus: 'e820', namespaces: true })).map((n: { dev: string }) => n.dev)).toEqual([
      'namespace1.0',
    ])
    expect(parse(await ndctlList(nd, { region: '0' }))[0].dev).toBe('region0')
    expect(parse(await ndctlList(nd, { namespace: '1.0' })).map((n: { dev: string }) => n.dev)).toEqual([
      'namespace1.0',
    ])
    expect(parse(await ndctlList(nd, { mode: 'raw' })).map((n: { dev: string }) => n.dev)).toEqual(['namespace0.0'])
    expect(parse(await ndctlList(nd, { mode: 'memory' })).map((n: { dev: string }) => n.dev)).toEqual(['namespace1.0'])
    expect(await ndctlList(nd, { regions: true, type: 'blk' })).toBeUndefined()
    expect(parse(await ndctlList(nd, { dimms: true, region: 'region0' })).map((d: { dev: string }) => d.dev)).toEqual([
      'nmem1',
      'nmem0',
    ])
    expect(parse(await ndctlList(nd, { regions: true, numaNode: '0' })).length).toBe(2)
    await nd.stop()
  })

  it('refuses what ndctl refuses', async () => {
    const nd = await platform()
    await expect(ndctlList(nd, { type: 'nvme' })).rejects.toMatchObject({
      errno: 'EINVAL',
      message: 'unknown type "nvme" must be "pmem" or "blk"',
    })
    await expect(ndctlList(nd, { mode: 'fast' })).rejects.toMatchObject({
      errno: 'EINVAL',
      message: "invalid mode: 'fast'",
    })
    await expect(ndctlList(nd, { numaNode: 'x' })).rejects.toMatchObject({ errno: 'EINVAL' })
    await nd.stop()
  })

  it('shows disabled devices only with -i, and verbose adds nodes', async () => {
    const nd = await platform()
    await nd.region('region1').disable()
    expect(parse(await ndctlList(nd, { regions: true })).map((r: { dev: string }) => r.dev)).toEqual(['region0'])
    const idle = parse(await ndctlList(nd, { regions: true, idle: true, verbose: 1 }))
    expect(idle.regions.find((r: { dev: string }) => r.dev === 'region1').state).toBe('disabled')
    expect(idle.regions.find((r: { dev: string }) => r.dev === 'region0')).toMatchObject({
      numa_node: 0,
      target_node: 2,
    })
    await nd.stop()
  })

  it('prints health under -H for dimms that report it, and capabilities under -C', async () => {
    const nd = await platform()
    const dimms = parse(await ndctlList(nd, { dimms: true, health: true }))
    expect(dimms[0]).toEqual({
      dev: 'nmem1',
      id: 'cdab-0a-07e0-feffffff',
      handle: 1,
      phys_id: 1,
      health: { health_state: 'non-critical', temperature_celsius: 23, spares_percentage: 75 },
    })
    expect(await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem1' })).toContain('"temperature_celsius":23.0')
    expect(dimms[1].health).toBeUndefined()
    const region = parse(await ndctlList(nd, { regions: true, capabilities: true, region: 'region1' }))[0]
    expect(region.capabilities).toEqual([
      { mode: 'sector', sector_sizes: [512, 520, 528, 4096, 4104, 4160, 4224] },
      { mode: 'fsdax', alignments: [4096, 2097152, 1073741824] },
      { mode: 'devdax', alignments: [4096, 2097152, 1073741824] },
    ])
    await nd.stop()
  })
})

describe('ndctl enable/disable', () => {
  it('counts regions and words the summary as ndctl does', async () => {
    const nd = await platform()
    expect((await ndctlXableRegion(nd, 'disable', 'all')).messages).toEqual(['disabled 2 regions'])
    expect((await ndctlXableRegion(nd, 'enable', 'region0')).messages).toEqual(['enabled 1 region'])
    expect((await ndctlXableRegion(nd, 'enable', 'region7')).messages).toEqual(['enabled 0 regions'])
    expect((await ndctlXableRegion(nd, 'enable', 'all', { bus: 'e820' })).count).toBe(1)
    await expect(ndctlXableRegion(nd, 'enable', 'all', { type: 'volatile' })).rejects.toMatchObject({ errno: 'EINVAL' })
    await nd.stop()
  })

  it('returns -ENXIO for a namespace that does not exist', async () => {
    const nd = await platform()
    const result = await ndctlXableNamespace(nd, 'disable', 'namespace5.0')
    expect(result).toMatchObject({
      count: 0,
      rc: -6,
      messages: ['error disabling namespaces: No such device or address', 'disabled 0 namespaces'],
    })
    const all = await ndctlXableNamespace(nd, 'disable', 'all')
    expect(all).toMatchObject({ count: 2, rc: 0, messages: ['disabled 2 namespaces'] })
    const one = await ndctlXableNamespace(nd, 'enable', 'namespace0.0')
    expect(one.messages).toEqual(['enabled 1 namespace'])
    await nd.stop()
  })
})
