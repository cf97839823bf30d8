import { describe, expect, it } from 'vitest'
import {
  createNvdimm,
  defineProvider,
  MemoryMedia,
  NvdimmError,
  SZ_16M,
  SZ_1G,
  SZ_2M,
  submitCommand,
  DimmCmd,
  decodeConfigSize,
} from '../src/index.js'
import { mockProvider } from '../src/testing/index.js'
import { twoWayAndLegacy } from './fixtures.js'

const TWO_WAY = twoWayAndLegacy()

describe('the subsystem', () => {
  it('names devices as the kernel does, in probe order', async () => {
    const nd = createNvdimm({ providers: [TWO_WAY] })
    await nd.start()
    expect(nd.buses.map((b) => `${b.name}:${b.providerName}`)).toEqual(['ndbus0:nfit_test.0', 'ndbus1:e820'])
    expect(nd.dimms.map((d) => d.name)).toEqual(['nmem0', 'nmem1'])
    expect(nd.regions.map((r) => r.name)).toEqual(['region0', 'region1'])
    expect(nd.namespaces.map((n) => n.name)).toEqual(['namespace0.0', 'namespace1.0'])
    expect(nd.region('region1').namespaces[0]!.blockDevice).toBe('pmem1')
    expect(nd.dimm('nmem1').uniqueId).toBe('cdab-0a-07e0-feffffff')
    await nd.stop()
  })

  it('refuses unknown names with ENXIO, listing what exists', async () => {
    const nd = createNvdimm({ providers: [TWO_WAY] })
    await nd.start()
    expect(() => nd.region('region9')).toThrow(/no region named 'region9' \(present: region0, region1\)/)
    expect(() => nd.namespace('namespace9.0')).toThrowError(NvdimmError)
    await nd.stop()
  })

  it('derives persistence domain, mode and align from the region', async () => {
    const nd = createNvdimm({ providers: [TWO_WAY] })
    await nd.start()
    const [interleaved, legacy] = nd.regions as [(typeof nd.regions)[0], (typeof nd.regions)[0]]
    expect(interleaved.persistenceDomain).toBe('memory_controller')
    expect(legacy.persistenceDomain).toBe('unknown')
    expect(interleaved.namespaces[0]!.mode).toBe('raw')
    expect(interleaved.namespaces[0]!.map).toBeUndefined()
    expect(legacy.namespaces[0]!.mode).toBe('fsdax')
    expect(legacy.namespaces[0]!.map).toBe('mem')
    expect(interleaved.align).toBe(SZ_16M)
    expect(legacy.isetCookie).toBeUndefined()
    await nd.stop()
  })

  it('emits typed events parent first and in order', async () => {
    const nd = createNvdimm({ providers: [TWO_WAY] })
    const seen: string[] = []
    for (const event of [
      'bus:add',
      'dimm:add',
      'region:add',
      'region:enable',
      'namespace:add',
      'namespace:enable',
    ] as const) {
      nd.on(event, ((device: { name: string }) => seen.push(`${event} ${device.name}`)) as never)
    }
    await nd.start()
    expect(seen).toEqual([
      'bus:add ndbus0',
      'dimm:add nmem0',
      'dimm:add nmem1',
      'region:add region0',
      'bus:add ndbus1',
      'region:add region1',
      'namespace:add namespace0.0',
      'region:enable region0',
      'namespace:enable namespace0.0',
      'namespace:add namespace1.0',
      'region:enable region1',
      'namespace:enable namespace1.0',
    ])
    await nd.stop()
  })

  it('disables a region with its namespaces and brings them back on enable', async () => {
    const nd = createNvdimm({ providers: [TWO_WAY] })
    await nd.start()
    const region = nd.region('region1')
    await region.namespaces[0]!.disable()
    await region.disable()
    expect(region.enabled).toBe(false)
    expect(region.namespaces).toEqual([])
    await region.enable()
    expect(region.namespaces.map((n) => [n.name, n.enabled])).toEqual([['namespace1.0', true]])
    await nd.stop()
  })

  it('restores what an administrator disabled, and forgets probe failures', async () => {
    const nd = createNvdimm({ providers: [TWO_WAY] })
    await nd.start()
    await nd.region('region0').disable()
    await nd.namespace('namespace1.0').disable()
    const state = nd.runtimeState()
    expect(state).toEqual({
      dimms: {},
      regions: { region0: { enabled: false } },
      namespaces: { 'namespace1.0': { enabled: false } },
    })
    await nd.stop()

    const again = createNvdimm({ providers: [TWO_WAY], state })
    await again.start()
    expect(again.region('region0').enabled).toBe(false)
    expect(again.namespace('namespace1.0').enabled).toBe(false)
    expect(again.runtimeState()).toEqual(state)
    await again.stop()
  })

  it('keeps going when one provider fails to probe, and says why', async () => {
    const broken = mockProvider({ buses: [], probeError: new NvdimmError('ETIMEDOUT', 'card never became ready') })
    const nd = createNvdimm({ providers: [broken, TWO_WAY] })
    await nd.start()
    expect(nd.probeErrors.map((p) => p.error.message)).toEqual(['card never became ready'])
    expect(nd.buses.map((b) => b.name)).toEqual(['ndbus0', 'ndbus1'])
    expect(nd.dmesg.some((entry) => entry.level === 'error' && entry.message.includes('never became ready'))).toBe(true)
    await nd.stop()
  })

  it('gates commands by cmd_mask and passes them to the provider', async () => {
    const labelled = mockProvider({ buses: [{ dimms: [{ flags: ['labeling'], configSize: 131072 }] }] })
    const nd = createNvdimm({ providers: [labelled] })
    await nd.start()
    const dimm = nd.dimm('nmem0')
    const size = await submitCommand(dimm.bus, dimm, DimmCmd.GET_CONFIG_SIZE)
    expect(decodeConfigSize(size.output)).toEqual({ status: 0, configSize: 131072, maxXfer: 4096 })
    await expect(submitCommand(dimm.bus, dimm, DimmCmd.SMART)).rejects.toMatchObject({ errno: 'ENOTTY' })
    labelled.control.failCommand({ dimm: 'nmem0', cmd: DimmCmd.GET_CONFIG_SIZE, rc: -5, times: 1 })
    await expect(submitCommand(dimm.bus, dimm, DimmCmd.GET_CONFIG_SIZE)).rejects.toMatchObject({ errno: 'EIO' })
    labelled.control.failCommand({ dimm: 'nmem0', cmd: DimmCmd.GET_CONFIG_SIZE, cmdRc: -6, times: 1 })
    const firmwareFailure = await submitCommand(dimm.bus, dimm, DimmCmd.GET_CONFIG_SIZE)
    expect(firmwareFailure.rc).toBe(0)
    expect(firmwareFailure.cmdRc).toBe(-6)
    await nd.stop()
  })
})

describe('descriptor validation at the provider boundary', () => {
  const withRegion = (region: Record<string, unknown>) =>
    defineProvider('bad', ({ registerBus }) => ({
      async probe() {
        const bus = registerBus({ providerName: 'bad' })
        bus.createRegion({
          type: 'pmem',
          resource: { start: 0n, size: SZ_16M },
          media: new MemoryMedia(SZ_16M),
          mappings: [],
          numaNode: 0,
          targetNode: 0,
          flags: [],
          ...region,
        } as never)
      },
    }))

  const failure = async (region: Record<string, unknown>) => {
    const nd = createNvdimm({ providers: [withRegion(region)] })
    await nd.start()
    const message = nd.probeErrors[0]?.error.message
    await nd.stop()
    return message
  }

  it('fails loudly with EINVAL and the field at fault', async () => {
    expect(await failure({ flags: ['async'] })).toMatch(/flush: an 'async' region needs a flush\(\)/)
    expect(await failure({ flush: async () => {} })).toMatch(/only for regions flagged 'async'/)
    expect(await failure({ media: new MemoryMedia(SZ_2M) })).toMatch(
      /media holds 2097152 bytes but the range is 16777216/,
    )
    expect(await failure({ resource: { start: (1n << 64n) - SZ_2M, size: SZ_16M } })).toMatch(/wraps/)
    expect(await failure({ resource: { start: 0n, size: 0n } })).toMatch(/resource\.size/)
    expect(await failure({ flags: ['shiny'] })).toMatch(/flags\.0/)
    expect(await failure({ numaNode: 1.5 })).toMatch(/numaNode/)
  })

  it('refuses a mapping to a dimm of another bus, and more than 32 mappings', async () => {
    const provider = defineProvider('two', ({ registerBus }) => ({
      async probe() {
        const first = registerBus({ providerName: 'one' })
        const dimm = first.createDimm({ flags: [], cmdMask: [] })
        const second = registerBus({ providerName: 'two' })
        second.createRegion({
          type: 'pmem',
          resource: { start: 0n, size: SZ_16M },
          media: new MemoryMedia(SZ_16M),
          mappings: [{ dimm, start: 0n, size: SZ_16M, position: 0 }],
          numaNode: 0,
          targetNode: 0,
          flags: [],
        })
      },
    }))
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    expect(nd.probeErrors[0]?.error.message).toMatch(/the dimm is not on this bus/)
    expect(nd.buses).toEqual([])
    await nd.stop()

    const wide = mockProvider({
      buses: [
        {
          dimms: Array.from({ length: 33 }, () => ({})),
          regions: [
            {
              start: 0n,
              size: SZ_1G,
              mappings: Array.from({ length: 33 }, (_, dimm) => ({ dimm, start: 0n, size: SZ_16M })),
            },
          ],
        },
      ],
    })
    const tooWide = createNvdimm({ providers: [wide] })
    await tooWide.start()
    expect(tooWide.probeErrors[0]?.error).toMatchObject({ errno: 'EINVAL' })
    await tooWide.stop()
  })
})

describe('memremap_compat_align() on namespace probe', () => {
  const legacy = (start: bigint, size: bigint) =>
    mockProvider({ buses: [{ providerName: 'e820', regions: [{ start, size, flags: ['pagemap'] }] }] })

  it('refuses a page-mapped namespace that is not 2 MiB aligned on x86_64', async () => {
    const nd = createNvdimm({ providers: [legacy(0x38500000n, 30n << 20n)], arch: 'x86_64' })
    await nd.start()
    const namespace = nd.namespace('namespace0.0')
    expect(namespace.enabled).toBe(false)
    expect(namespace.probeError).toMatchObject({ errno: 'EOPNOTSUPP' })
    expect(namespace.probeError?.message).toContain('[mem 0x38500000-0x3a2fffff] misaligned, unable to map')
    await expect(namespace.enable()).rejects.toMatchObject({ errno: 'EOPNOTSUPP' })
    expect(nd.runtimeState()).toEqual({ dimms: {}, regions: {}, namespaces: {} })
    await nd.stop()
  })

  it('accepts 2 MiB alignment on x86_64 and ppc64 radix, but not on ppc64 hash (16 MiB)', async () => {
    for (const [arch, enabled] of [
      ['x86_64', true],
      ['ppc64', true],
      ['ppc64-hash', false],
    ] as const) {
      const nd = createNvdimm({ providers: [legacy(0x38400000n, 30n << 20n)], arch })
      await nd.start()
      expect([arch, nd.namespace('namespace0.0').enabled]).toEqual([arch, enabled])
      await nd.stop()
    }
  })

  it('does not check a namespace whose pages are not mapped (no pagemap flag)', async () => {
    const raw = mockProvider({ buses: [{ regions: [{ start: 0x38500000n, size: 30n << 20n }] }] })
    const nd = createNvdimm({ providers: [raw] })
    await nd.start()
    expect(nd.namespace('namespace0.0').enabled).toBe(true)
    expect(nd.namespace('namespace0.0').mode).toBe('raw')
    await nd.stop()
  })
})
