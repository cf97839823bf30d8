import { describe, expect, it } from 'vitest'
import { Btt } from '../../src/btt/btt.js'
import { checkBtt } from '../../src/btt/btt-check.js'
import {
  createNvdimm,
  explorePowerFailures,
  MemoryMedia,
  OverlayMedia,
  ndctlCreateNamespace,
  ndctlDestroyNamespace,
  ndctlInitLabels,
  ndctlXableRegion,
  RegionPersistence,
  type Media,
  type PersistenceDomain,
  type PersistenceOp,
} from '../../src/index.js'
import { NamespacePmem } from '../../src/namespace/namespace-pmem.js'
import { exhaustiveCrashes, mockProvider, type MockProviderInit } from '../../src/testing/index.js'
import { LABEL_COMMANDS } from '../fixtures.js'
import { pattern, restore, snapshot } from '../btt/helpers.js'

/**
 * The library's own metadata writers under the cache model: every state a power failure could
 * leave, at every point of a BTT sector write and of label updates, is consistent.
 */

const MiB = 1n << 20n
const DOMAINS: PersistenceDomain[] = ['memory_controller', 'cpu_cache']

describe('BTT sector writes under the cache model', () => {
  const uuid = '684a835c-25fc-46a1-ac15-10211cc8cf70'
  const parentUuid = '1c83ef9a-15ea-4b33-a0ae-24895b8b75d1'
  const lbasize = 512
  const attach = (media: Media) => Btt.attach(media, { version: '2.0', lbasize, uuid, parentUuid })

  for (const domain of DOMAINS) {
    it(`leaves every sector old or new and the BTT clean at every crash state (${domain})`, async () => {
      const base = new MemoryMedia(16n * MiB)
      const setup = attach(base)
      setup.writeSector(1n, pattern(512, 1, 0), 0)
      setup.writeSector(2n, pattern(512, 2, 0), 0)
      const image = snapshot(base)

      const modelled = new RegionPersistence(restore(image), 64, domain)
      modelled.enableModel()
      modelled.record()
      const btt = attach(modelled)
      btt.writeSector(2n, pattern(512, 2, 1), 0)
      btt.writeSector(3n, pattern(512, 3, 1), 1)
      const trace = modelled.takeTrace()
      expect(trace.filter((op) => op.kind === 'store-nt').length).toBeGreaterThanOrEqual(6)

      const sector = new Uint8Array(512)
      const same = (a: Uint8Array, b: Uint8Array) => a.every((byte, i) => byte === b[i])
      const report = await explorePowerFailures({
        image: restore(image),
        trace,
        lineSize: 64,
        domain,
        // Exhaustive under npm run crash; a sample of the big points in npm test.
        maxStates: exhaustiveCrashes() ? 1 << 16 : 32,
        sample: 24,
        check: (crashed) => {
          // The next attach recovers (btt_freelist_init() fixes a map its log is ahead of), then check.
          const view = new OverlayMedia(crashed)
          const reopened = attach(view)
          for (const [lba, old, next] of [
            [1n, pattern(512, 1, 0), pattern(512, 1, 0)],
            [2n, pattern(512, 2, 0), pattern(512, 2, 1)],
            [3n, new Uint8Array(512), pattern(512, 3, 1)],
          ] as const) {
            reopened.readSector(lba, sector)
            if (!same(sector, old) && !same(sector, next)) return `LBA ${lba} is neither old nor new`
          }
          const result = checkBtt(view, { parentUuid })
          return result.rc === 'OK' || `check-namespace: ${result.rc} ${JSON.stringify(result.messages)}`
        },
      })
      expect(report.failure).toBeUndefined()
      if (exhaustiveCrashes() || domain === 'cpu_cache') expect(report.exhaustive).toBe(true)
      expect(report.crashPoints).toBe(trace.length + 1)
    }, 120_000)
  }
})

describe('label updates under the cache model', () => {
  const FIRST = '11111111-2222-4333-8444-555555555555'
  const SECOND = '66666666-7777-4888-9999-aaaaaaaaaaaa'

  function platform(): MockProviderInit {
    return mockProvider({
      buses: [
        {
          dimms: [{ cmdMask: LABEL_COMMANDS }],
          regions: [
            {
              start: 0x1_0000_0000n,
              size: 256n * MiB,
              mappings: [{ dimm: 0, start: 0n, size: 256n * MiB }],
              interleaveSet: { cookie1: 0x1234n, cookie2: 0x5678n, altcookie: 0n },
            },
          ],
        },
      ],
    })
  }

  async function observe(provider: MockProviderInit): Promise<string> {
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    const region = nd.region('region0')
    const found = region.enabled
      ? region.namespaces
          .filter((ns): ns is NamespacePmem => ns instanceof NamespacePmem && ns.uuid !== undefined)
          .map((ns) => `${ns.uuid}:${ns.size}`)
          .sort()
          .join(' ')
      : `region probe failed`
    await nd.stop()
    return found
  }

  /** Labels initialised and FIRST created; then `operation` runs with its config writes recorded. */
  async function traced(operation: 'create' | 'destroy') {
    const provider = platform()
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlInitLabels(nd, ['all'], { force: true })
    await ndctlXableRegion(nd, 'enable', 'all')
    await ndctlCreateNamespace(nd, { mode: 'raw', size: '32M', uuid: FIRST })
    const base = provider.control.labelArea(0).slice()
    const before = await observe(provider)
    const from = provider.control.configWrites.length
    const again = createNvdimm({ providers: [provider] })
    await again.start()
    if (operation === 'create') await ndctlCreateNamespace(again, { mode: 'raw', size: '16M', uuid: SECOND })
    else await ndctlDestroyNamespace(again, 'namespace0.0', { force: true })
    await again.stop()
    // Each SET_CONFIG_DATA is the firmware's: its lines go out, and it is durable when it completes.
    const trace: PersistenceOp[] = provider.control.configWrites
      .slice(from)
      .flatMap(({ offset, data }) => [
        { kind: 'store-nt' as const, offset: BigInt(offset), data },
        { kind: 'barrier' as const },
        { kind: 'deep-flush' as const },
      ])
    return { provider, base, before, after: await observe(provider), trace }
  }

  for (const operation of ['create', 'destroy'] as const) {
    it(`${operation}: every crash state probes to the old namespaces or the new`, async () => {
      const { provider, base, before, after, trace } = await traced(operation)
      expect(after).not.toBe(before)
      const image = new MemoryMedia(BigInt(base.length))
      image.write(0n, base)
      const area = provider.control.labelArea(0)
      const report = await explorePowerFailures({
        image,
        trace,
        lineSize: 64,
        domain: 'memory_controller',
        maxStates: exhaustiveCrashes() ? 1 << 16 : 64,
        sample: 16,
        check: async (crashed) => {
          crashed.read(0n, area)
          const seen = await observe(provider)
          return seen === before || seen === after || `probed to ${seen}`
        },
      })
      expect(report.failure).toBeUndefined()
      if (exhaustiveCrashes()) expect(report.exhaustive).toBe(true)
    })
  }
})
