import { describe, expect, it } from 'vitest'
import {
  createNvdimm,
  defineProvider,
  type Media,
  MemoryMedia,
  ndctlCreateNamespace,
  ndctlList,
  OverlayMedia,
  type RegionFlag,
} from '../../src/index.js'
import { exhaustiveCrashes } from '../../src/testing/index.js'

/**
 * Turning a raw namespace into fsdax writes its pfn info block through nsio (memcpy_flushcache,
 * then nvdimm_flush()). Whatever a power failure leaves, the next probe finds the namespace raw
 * (no valid info block: the old state) or fsdax with all of its capacity (the new one).
 */

const MiB = 1n << 20n
const FLAGS: RegionFlag[] = ['pagemap', 'persistMemctrl']

function range(media: Media) {
  return defineProvider('range', ({ registerBus }) => ({
    async probe() {
      registerBus({ providerName: 'range' }).createRegion({
        type: 'pmem',
        resource: { start: 1n << 32n, size: media.size },
        media,
        mappings: [],
        numaNode: 0,
        targetNode: 0,
        flags: FLAGS,
      })
    },
  }))
}

/** The namespace as ndctl lists it, uuid aside (a pfn info block carries a new one). */
async function listed(media: Media): Promise<string> {
  const nd = createNvdimm({ providers: [range(media)] })
  await nd.start()
  const [namespace] = JSON.parse((await ndctlList(nd, { namespaces: true }))!) as Record<string, unknown>[]
  await nd.stop()
  const { uuid: _, ...rest } = namespace!
  return JSON.stringify(rest)
}

describe('the fsdax info block under the cache model', () => {
  for (const align of ['4K', '2M']) {
    it(`raw to fsdax (align ${align}): every crash state probes raw or as the whole fsdax namespace`, async () => {
      const media = new MemoryMedia(64n * MiB)
      const nd = createNvdimm({ providers: [range(media)], cacheModel: true })
      await nd.start()
      const region = nd.region('region0')
      const before = await listed(new OverlayMedia(media))
      region.persistence.barrier()
      region.persistence.record()
      const made = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'fsdax', align, force: true })
      expect(made.errors).toEqual([])
      const after = await listed(new OverlayMedia(media))
      expect(after).not.toBe(before)
      const report = await region.persistence.explore(
        async (image) => {
          const found = await listed(new OverlayMedia(image))
          return found === before || found === after || `probed as ${found}`
        },
        { maxStates: 16, sample: exhaustiveCrashes() ? 256 : 8, seed: 7 },
      )
      expect(report.failure).toBeUndefined()
      expect(report.statesChecked).toBeGreaterThan(report.crashPoints)
      await nd.stop()
      expect(await listed(media)).toBe(after)
    }, 120_000)
  }
})
