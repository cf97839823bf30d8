import {
  createNvdimm,
  MemoryMedia,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlList,
  ndctlXableRegion,
  type Nvdimm,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { E820_LABEL_COOKIE, e820 } from '../src/index.js'

const MiB = 1n << 20n

describe('e820 with labels (the ramdax layout)', () => {
  it('splits one range into several namespaces that survive a restart', async () => {
    const media = new MemoryMedia(256n * MiB + 128n * 1024n)
    const ranges = [{ start: 0x1_0000_0000n, size: media.size, type: 12 as const, media }]
    const boot = async (): Promise<Nvdimm> => {
      const nd = createNvdimm({ providers: [e820({ ranges, labels: true })] })
      await nd.start()
      return nd
    }
    const first = await boot()
    expect(first.dimms.map((d) => [d.name, [...d.flags]])).toEqual([['nmem0', ['labeling']]])
    const region = first.region('region0')
    expect([region.namespaceType, region.mappings[0]!.size, region.isetCookie]).toEqual([
      'pmem',
      256n * MiB,
      E820_LABEL_COOKIE,
    ])
    await ndctlXableRegion(first, 'disable', 'all')
    expect((await ndctlInitLabels(first, ['nmem0'], { labelVersion: '1.2' })).exitCode).toBe(0)
    await ndctlXableRegion(first, 'enable', 'all')
    for (const [uuid, name] of [
      ['aaaaaaaa-0000-4000-8000-000000000001', 'db'],
      ['aaaaaaaa-0000-4000-8000-000000000002', 'logs'],
    ] as const) {
      const created = await ndctlCreateNamespace(first, { mode: 'raw', size: '64M', uuid, name })
      expect(created.errors).toEqual([])
    }
    await first.stop()

    const second = await boot()
    const listed = JSON.parse((await ndctlList(second, { namespaces: true }))!)
    expect(
      listed.map((ns: { dev: string; uuid: string; name: string; size: number; mode: string }) => [
        ns.dev,
        ns.uuid,
        ns.name,
        ns.size,
        ns.mode,
      ]),
    ).toEqual([
      // ndctl lists in kernfs hash order: namespace0.1 before namespace0.0.
      ['namespace0.1', 'aaaaaaaa-0000-4000-8000-000000000002', 'logs', 67108864, 'fsdax'],
      ['namespace0.0', 'aaaaaaaa-0000-4000-8000-000000000001', 'db', 67108864, 'fsdax'],
    ])
    expect(second.region('region0').availableSize).toBe(128n * MiB)
    await second.stop()
  })

  it('refuses a range too small to hold its label area', () => {
    expect(() => e820({ memmap: 'memmap=64K!4G', labels: true })).toThrow(/needs more than its 128 KiB label area/)
  })
})
