import { describe, expect, it } from 'vitest'
import {
  diskBadblocks,
  ndctlCreateNamespace,
  ndctlList,
  ndctlStartScrub,
  ndctlWaitScrub,
  NdPfn,
} from '../../src/index.js'
import { poisonPlatform, REGION0, REGION1 } from './poison-provider.js'

async function scrubbed(poison: { spa: bigint; length: bigint }[]) {
  const { nd, fake } = poisonPlatform()
  await nd.start()
  for (const { spa, length } of poison) await fake.ops.errorInjection!.inject(spa, length, false)
  await ndctlStartScrub(nd, [], { sleep: fake.sleep })
  await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
  return { nd, fake }
}

const list = async (nd: Parameters<typeof ndctlList>[0], options: Parameters<typeof ndctlList>[1]) =>
  JSON.parse((await ndctlList(nd, options))!)

describe('ndctl list -M: badblock_count and badblocks', () => {
  it('lists region bad blocks in region sectors, after state and before persistence_domain, with their dimms', async () => {
    const { nd } = await scrubbed([
      // 4 KiB interleave: line 3 is on the second dimm; lines 5 and 6 on both.
      { spa: REGION0.start + 3n * 4096n + 512n, length: 256n },
      { spa: REGION0.start + 21504n, length: 4096n },
      { spa: REGION1.start + 8n * 512n, length: 4096n },
    ])
    const regions = await list(nd, { regions: true, mediaErrors: true, region: 'region0' })
    expect(Object.keys(regions[0])).toEqual([
      'dev',
      'size',
      'align',
      'available_size',
      'max_available_extent',
      'type',
      'badblock_count',
      'badblocks',
      'persistence_domain',
    ])
    expect(regions[0].badblock_count).toBe(9)
    expect(regions[0].badblocks).toEqual([
      { offset: 25, length: 1, dimms: ['nmem1'] },
      { offset: 42, length: 8, dimms: ['nmem0', 'nmem1'] },
    ])
    const oneWay = await list(nd, { regions: true, mediaErrors: true, region: 'region1' })
    expect(oneWay[0].badblocks).toEqual([{ offset: 8, length: 8, dimms: ['nmem1'] }])
    // Without -M the count alone, as `ndctl list --region=7` shows it.
    const plain = await list(nd, { regions: true, region: 'region0' })
    expect(plain[0].badblock_count).toBe(9)
    expect(plain[0].badblocks).toBeUndefined()
    await nd.stop()
  })

  it('shows a raw namespace its region list, and a count only without -M', async () => {
    const { nd } = await scrubbed([{ spa: REGION0.start + 512n * 100n, length: 1024n }])
    const [raw] = await list(nd, { namespaces: true, mediaErrors: true, namespace: 'namespace0.0' })
    expect(raw).toMatchObject({ dev: 'namespace0.0', mode: 'raw', badblock_count: 2 })
    expect(Object.keys(raw).slice(-2)).toEqual(['badblock_count', 'badblocks'])
    expect(raw.badblocks).toEqual([{ offset: 100, length: 2, dimms: ['nmem0'] }])
    const [plain] = await list(nd, { namespaces: true, namespace: 'namespace0.0' })
    expect(plain.badblock_count).toBe(2)
    expect(plain.badblocks).toBeUndefined()
    expect(diskBadblocks(nd.namespace('namespace0.0'))!.entries).toEqual([{ sector: 100n, length: 2 }])
    await nd.stop()
  })

  it('counts fsdax bad blocks relative to the data and leaves out those in the info block and memmap', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    const created = await ndctlCreateNamespace(nd, { reconfig: 'namespace1.0', mode: 'fsdax', map: 'dev', force: true })
    expect(created.exitCode).toBe(0)
    const pfn = nd.namespace('namespace1.0').claim as NdPfn
    const dataStart = pfn.resource!
    await fake.ops.errorInjection!.inject(REGION1.start + 4096n, 512n, false)
    await fake.ops.errorInjection!.inject(dataStart + 7n * 512n, 1024n, false)
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    const [fsdax] = await list(nd, { namespaces: true, mediaErrors: true, namespace: 'namespace1.0' })
    expect(fsdax).toMatchObject({ mode: 'fsdax', map: 'dev', badblock_count: 2 })
    expect(fsdax.badblocks).toEqual([{ offset: 7, length: 2, dimms: ['nmem1'] }])
    const [region] = await list(nd, { regions: true, mediaErrors: true, region: 'region1' })
    const dataSector = Number((dataStart - REGION1.start) / 512n)
    expect(region.badblocks).toEqual([
      { offset: 8, length: 1, dimms: ['nmem1'] },
      { offset: dataSector + 7, length: 2, dimms: ['nmem1'] },
    ])
    // The pmem disk's own table starts at the data too.
    expect(diskBadblocks(nd.namespace('namespace1.0'))!.entries).toEqual([{ sector: 7n, length: 2 }])
    await nd.stop()
  })

  it('gives a sector namespace a count over the whole namespace and no list', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    const created = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'sector', force: true })
    expect(created.exitCode).toBe(0)
    await fake.ops.errorInjection!.inject(REGION0.start + 0x10000n, 2048n, false)
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    const [sector] = await list(nd, { namespaces: true, mediaErrors: true, namespace: 'namespace0.0' })
    expect(sector).toMatchObject({ mode: 'sector', badblock_count: 4 })
    expect(sector.badblocks).toBeUndefined()
    await nd.stop()
  })

  it('shows no badblocks for a disabled region, whose sysfs badblocks cannot be read', async () => {
    const { nd } = await scrubbed([{ spa: REGION0.start, length: 512n }])
    await nd.region('region0').disable()
    const [region] = await list(nd, { regions: true, mediaErrors: true, region: 'region0', idle: true })
    expect(region.state).toBe('disabled')
    expect(region.badblock_count).toBeUndefined()
    await nd.region('region0').enable()
    const [again] = await list(nd, { regions: true, region: 'region0' })
    expect(again.badblock_count).toBe(1)
    await nd.stop()
  })
})
