import { describe, expect, it } from 'vitest'
import {
  createNvdimm,
  DimmCmd,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlXableRegion,
  type Nvdimm,
} from '../../src/index.js'
import { qemuPlatform } from '../fixtures.js'
import {
  setNamespaceHolderClass,
  setNamespaceName,
  setNamespaceSectorSize,
  setNamespaceSize,
  setNamespaceUuid,
} from '../../src/namespace/namespace-attrs.js'
import { firstDifference, goldenBytes, hasGolden } from '../golden.js'

/**
 * Replays the QEMU run of ../shared/golden/linux-6.1-qemu (two NVDIMMs, 128 KiB label areas,
 * init-labels v1.1 on nmem0 and v1.2 on nmem1, then four creates per region) and compares the
 * label areas left behind with the kernel's, byte for byte.
 */

/** ndctl's setup_namespace() attribute writes for one mode, on the region's seed. */
async function createAs(
  nd: Nvdimm,
  region: string,
  mode: 'fsdax' | 'sector' | 'devdax',
  uuid: string,
  size: bigint,
): Promise<void> {
  const seed = nd.region(region).nsSeed!
  await setNamespaceUuid(seed, uuid)
  await setNamespaceName(seed, '')
  await setNamespaceSize(seed, size)
  await setNamespaceSectorSize(seed, mode === 'sector' ? 4096 : 512)
  await setNamespaceHolderClass(seed, { fsdax: 'pfn', sector: 'btt', devdax: 'dax' }[mode])
  await seed.enable()
}

describe('label areas as Linux 6.1 leaves them (golden linux-6.1-qemu)', () => {
  it('init-labels, then fsdax, sector, devdax and raw creates, byte for byte', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const provider = qemuPlatform()
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    expect(nd.regions.map((r) => r.namespaceType)).toEqual(['io', 'io'])

    await ndctlXableRegion(nd, 'disable', 'all')
    expect((await ndctlInitLabels(nd, ['nmem0'], { force: true })).messages).toEqual(['initialized 1 nmem'])
    expect((await ndctlInitLabels(nd, ['nmem1'], { force: true, labelVersion: '1.2' })).messages).toEqual([
      'initialized 1 nmem',
    ])
    expect(
      firstDifference(
        provider.control.labelArea('nmem0'),
        goldenBytes('linux-6.1-qemu', 'label-area-after-init-nmem0.bin'),
      ),
    ).toBe(-1)
    expect(
      firstDifference(
        provider.control.labelArea('nmem1'),
        goldenBytes('linux-6.1-qemu', 'label-area-after-init-nmem1.bin'),
      ),
    ).toBe(-1)

    await ndctlXableRegion(nd, 'enable', 'all')
    expect(nd.regions.map((r) => [r.namespaceType, r.nsSeed?.name, r.availableSize])).toEqual([
      ['pmem', 'namespace0.0', 268435456n],
      ['pmem', 'namespace1.0', 251658240n],
    ])

    const uuids = {
      region0: [
        '2dc1e98c-d677-46a4-887b-bbccc5403369',
        'cca44728-857a-4648-9abe-b4d85e010717',
        '9276f232-711c-4981-8053-0d7ccc0129f0',
        'fca25c3f-d09a-4ac9-b92b-bbc199dcc68c',
      ],
      region1: [
        'ba3c9eb7-af92-4d5e-bc70-28bd80afaced',
        '1c83ef9a-15ea-4b33-a0ae-24895b8b75d1',
        '485ad5a2-86aa-43d0-9351-afbbbfb3980e',
        'eca46532-f8e5-4b88-96c4-bc616085f883',
      ],
    }
    for (const region of ['region0', 'region1'] as const) {
      const [fsdax, sector, devdax, raw] = uuids[region]
      await createAs(nd, region, 'fsdax', fsdax!, 64n << 20n)
      await createAs(nd, region, 'sector', sector!, 32n << 20n)
      await createAs(nd, region, 'devdax', devdax!, 64n << 20n)
      const created = await ndctlCreateNamespace(nd, { region, mode: 'raw', size: '16M', uuid: raw! })
      expect(created.errors).toEqual([])
      expect(JSON.parse(created.stdout as string)).toEqual({
        dev: `namespace${region.slice(-1)}.3`,
        mode: 'raw',
        size: 16777216,
        uuid: raw,
        sector_size: 512,
        blockdev: `pmem${region.slice(-1)}.3`,
      })
    }
    expect(
      firstDifference(provider.control.labelArea('nmem0'), goldenBytes('linux-6.1-qemu', 'label-area-final-nmem0.bin')),
    ).toBe(-1)
    expect(
      firstDifference(provider.control.labelArea('nmem1'), goldenBytes('linux-6.1-qemu', 'label-area-final-nmem1.bin')),
    ).toBe(-1)
    expect(nd.regions.map((r) => [r.availableSize, r.maxAvailableExtent, r.nsSeed?.name])).toEqual([
      [83886080n, 83886080n, 'namespace0.4'],
      [67108864n, 67108864n, 'namespace1.4'],
    ])
    await nd.stop()
  })
})
