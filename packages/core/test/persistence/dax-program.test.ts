import { describe, expect, it } from 'vitest'
import { createNvdimm, type DaxMapping, type Media, ndctlCreateNamespace, type RegionFlag } from '../../src/index.js'
import { mockProvider } from '../../src/testing/index.js'

/**
 * A program on a devdax namespace, as one would write it with libpmem: a record, then its
 * valid flag. The cache model sits under the mapping; the platform's persistence domain decides
 * what a power failure keeps.
 */

const MiB = 1n << 20n
const RECORD = 0n
const FLAG = 4096n
const record = new TextEncoder().encode('an order of 3 widgets for ACME, paid in full.....................')

function program(map: DaxMapping, careful: boolean): void {
  map.write(RECORD, record)
  if (careful) map.persist(RECORD, record.length)
  map.write(FLAG, Uint8Array.of(1))
  map.persist(FLAG, 1)
}

function consistent(map: DaxMapping) {
  return (image: Media) => {
    const view = map.view(image)
    const flag = new Uint8Array(1)
    view.read(FLAG, flag)
    if (flag[0] === 0) return true
    const seen = new Uint8Array(record.length)
    view.read(RECORD, seen)
    return seen.every((byte, i) => byte === record[i]) || 'the flag is set over a torn record'
  }
}

async function devdax(flags: RegionFlag[]) {
  const provider = mockProvider({
    buses: [{ regions: [{ start: 0x1_0000_0000n, size: 64n * MiB, flags: ['pagemap', ...flags] }] }],
  })
  const nd = createNvdimm({ providers: [provider], cacheModel: true })
  await nd.start()
  const made = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'devdax', force: true })
  expect(made.errors).toEqual([])
  const region = nd.region('region0')
  const dax = nd.namespace('namespace0.0').openDaxDevice()
  return { nd, region, map: dax.map(0n, dax.align) }
}

describe('a program on a devdax mapping under the cache model', () => {
  for (const [flags, domain, sloppyCaught] of [
    [['persistMemctrl'], 'memory_controller', true],
    [['persistCache'], 'cpu_cache', false],
  ] as const) {
    it(`${domain}: the missing flush and fence ${sloppyCaught ? 'is' : 'is not'} caught; the careful program passes`, async () => {
      for (const careful of [false, true]) {
        const { nd, region, map } = await devdax([...flags])
        expect(region.persistenceDomain).toBe(domain)
        region.persistence.barrier()
        region.persistence.record()
        program(map, careful)
        const report = await region.persistence.explore(consistent(map))
        if (!careful && sloppyCaught) {
          expect(report.failure?.reason).toBe('the flag is set over a torn record')
          expect(report.failure?.ops.map((op) => op.kind)).toEqual(['store', 'store'])
        } else {
          expect(report.failure).toBeUndefined()
          expect(report.exhaustive).toBe(true)
        }
        // Exploring leaves the real media alone.
        const flag = new Uint8Array(1)
        map.read(FLAG, flag)
        expect(flag[0]).toBe(1)
        await nd.stop()
      }
    })
  }

  it('keeps what the domain guarantees on a power failure, by the seed', async () => {
    const kept = new Set<number>()
    for (let seed = 0; seed < 16; seed++) {
      const { nd, map } = await devdax(['persistMemctrl'])
      map.write(RECORD, record)
      map.persist(RECORD, record.length)
      map.write(FLAG, Uint8Array.of(1))
      const [report] = nd.powerFail({ seed })
      expect(report).toMatchObject({ region: 'region0', uncertainLines: 1 })
      const seen = new Uint8Array(record.length)
      map.read(RECORD, seen)
      expect(seen).toEqual(record)
      const flag = new Uint8Array(1)
      map.read(FLAG, flag)
      kept.add(flag[0]!)
      await nd.stop()
    }
    expect([...kept].sort()).toEqual([0, 1])
  })
})
