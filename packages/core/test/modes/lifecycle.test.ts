import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  initPlatform,
  ndctlCreateNamespace,
  ndctlDestroyNamespace,
  ndctlList,
  ndctlXableNamespace,
  Platform,
  type Nvdimm,
  type PlatformSpec,
} from '../../src/index.js'
import { kinds, tempDir } from '../helpers.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** One 64 MiB label-less range at 512 MiB, as memmap=64M!512M gives. */
function spec(): PlatformSpec {
  return {
    arch: 'x86_64',
    providers: [
      { kind: 'test', entry: { ranges: [{ start: '0x20000000', size: '0x4000000', media: 'media/range-0.img' }] } },
    ],
  }
}

async function platform(): Promise<Platform> {
  const dir = path.join(tempDir(), 'p')
  dirs.push(path.dirname(dir))
  return initPlatform(dir, spec(), kinds)
}

/** One session: open, act, save the runtime state, close, as each CLI command does. */
function session<T>(store: Platform, use: (nd: Nvdimm) => Promise<T>): Promise<T> {
  return Platform.open(store.dir, kinds).update(use)
}

async function namespaceJson(store: Platform): Promise<Record<string, unknown>> {
  return session(store, async (nd) => JSON.parse((await ndctlList(nd, { namespaces: true, idle: true }))!)[0])
}

const pattern = (seed: number, length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

describe('every mode survives closing and reopening the platform', () => {
  for (const [mode, map, expected] of [
    ['fsdax', undefined, { mode: 'fsdax', map: 'dev', size: 65011712, align: 4096, blockdev: 'pmem0' }],
    // Already fsdax (memory mode) with the memmap in RAM: ndctl sets up no pfn (do_setup_pfn()).
    ['fsdax', 'mem', { mode: 'fsdax', map: 'mem', size: 67108864, blockdev: 'pmem0' }],
    ['devdax', undefined, { mode: 'devdax', map: 'dev', size: 65011712, align: 2097152 }],
    ['devdax', 'none', { mode: 'devdax', map: 'none', size: 67108864, align: 2097152 }],
    ['sector', undefined, { mode: 'sector', size: 65961984, sector_size: 4096, blockdev: 'pmem0s' }],
    ['raw', undefined, { mode: 'fsdax', map: 'mem', size: 67108864, sector_size: 512, blockdev: 'pmem0' }],
  ] as const) {
    it(`${mode}${map ? ` --map ${map}` : ''}: create, write, reopen, disable, enable, destroy`, async () => {
      const store = await platform()
      const created = await session(store, (nd) =>
        ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode, force: true, ...(map ? { map } : {}) }),
      )
      expect(created.errors).toEqual([])
      expect(JSON.parse(created.stdout as string)).toMatchObject(expected)

      // Data through the namespace's own interface, found again after a reopen.
      const data = pattern(7, mode === 'devdax' ? 2 << 20 : 8192)
      await session(store, async (nd) => {
        const ns = nd.namespace('namespace0.0')
        if (mode === 'devdax') {
          const mapping = ns.openDaxDevice().map(2n << 20n, 2n << 20n)
          mapping.write(0n, data)
          mapping.flush()
        } else {
          const disk = ns.openBlockDevice()
          disk.write(BigInt(disk.granularity) * 3n, data)
          await disk.flush()
        }
      })
      expect(await namespaceJson(store)).toMatchObject({
        ...expected,
        ...(mode === 'devdax' ? { chardev: 'dax0.0' } : {}),
      })
      const readBack = async () =>
        session(store, async (nd) => {
          const ns = nd.namespace('namespace0.0')
          const out = new Uint8Array(data.length)
          if (mode === 'devdax')
            ns.openDaxDevice()
              .map(2n << 20n, 2n << 20n)
              .read(0n, out)
          else {
            const disk = ns.openBlockDevice()
            disk.read(BigInt(disk.granularity) * 3n, out)
          }
          return out
        })
      expect(Buffer.from(await readBack()).equals(Buffer.from(data))).toBe(true)

      expect((await session(store, (nd) => ndctlXableNamespace(nd, 'disable', 'namespace0.0'))).count).toBe(1)
      expect(await namespaceJson(store)).toMatchObject({ state: 'disabled' })
      expect((await session(store, (nd) => ndctlXableNamespace(nd, 'enable', 'namespace0.0'))).count).toBe(1)
      const reenabled = await namespaceJson(store)
      if (map === 'none') {
        // Nothing on the media says devdax: once disabled, it comes back as the plain namespace.
        expect(reenabled).toMatchObject({ mode: 'fsdax', map: 'mem', size: 67108864 })
      } else {
        expect(reenabled).toMatchObject(expected)
        expect(Buffer.from(await readBack()).equals(Buffer.from(data))).toBe(true)
      }

      const destroyed = await session(store, (nd) => ndctlDestroyNamespace(nd, 'namespace0.0', { force: true }))
      expect(destroyed.errors).toEqual([])
      expect(await namespaceJson(store)).toMatchObject({ mode: 'fsdax', map: 'mem', state: 'disabled' })
    })
  }

  it('keeps a devdax --map none namespace across restarts while it stays enabled', async () => {
    const store = await platform()
    await session(store, (nd) =>
      ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'devdax', map: 'none', align: '1G', force: true }),
    ).then((outcome) => expect(outcome.errors[0]).toMatchObject({ errno: 'EINVAL' }))
    const created = await session(store, (nd) =>
      ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'devdax', map: 'none', force: true }),
    )
    expect(created.errors).toEqual([])
    expect(JSON.parse(created.stdout as string).daxregion).toEqual({
      id: 0,
      size: 67108864,
      align: 2097152,
      devices: [{ chardev: 'dax0.0', size: 67108864, target_node: 0, align: 2097152, mode: 'devdax' }],
    })
    for (let restart = 0; restart < 2; restart++) {
      expect(await namespaceJson(store)).toMatchObject({ mode: 'devdax', map: 'none', size: 67108864 })
    }
    // No info block was written: the first 8 KiB are still zero.
    const head = await session(store, async (nd) => {
      const bytes = new Uint8Array(8192)
      nd.region('region0').media.read(0n, bytes)
      return bytes
    })
    expect(head.every((byte) => byte === 0)).toBe(true)
  })

  it('refuses --map none outside devdax, as the seed patch does', async () => {
    const store = await platform()
    const outcome = await session(store, (nd) =>
      ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'fsdax', map: 'none', force: true }),
    )
    expect(outcome.errors[0]?.message).toBe('--map=none only valid for devdax mode namespace')
    const bad = await session(store, (nd) => ndctlCreateNamespace(nd, { mode: 'devdax', map: 'nowhere' }))
    expect(bad.errors[0]?.message).toBe("invalid map location 'nowhere'")
  })
})
