import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  daxctlList,
  daxctlReconfigureDevice,
  initPlatform,
  ndctlCreateNamespace,
  type Nvdimm,
  Platform,
  type PlatformSpec,
} from '../../src/index.js'
import { forEachCrashPoint } from '../../src/testing/index.js'
import { kinds, tempDir } from '../helpers.js'

const root = tempDir('nvdimm-kmem-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** One 1 GiB pagemap region at 4 GiB, room for seven 128 MiB blocks after the devdax info block. */
const spec: PlatformSpec = {
  arch: 'x86_64',
  providers: [
    { kind: 'test', entry: { ranges: [{ start: '0x100000000', size: '0x40000000', media: 'media/r.img' }] } },
  ],
}

async function devdax(dir: string): Promise<Platform> {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true })
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  const platform = await initPlatform(dir, spec, kinds)
  await platform.update(async (nd) => {
    const outcome = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'devdax', force: true })
    expect(outcome.exitCode).toBe(0)
  })
  return platform
}

const mode = (nd: Nvdimm) => JSON.parse(String(daxctlList(nd).stdout))[0].mode

/** What the next process sees: the platform's description and the dax device's mode. */
async function observe(dir: string): Promise<string> {
  const session = await Platform.open(dir, kinds).start({ readOnly: true })
  try {
    // Each setup makes a new namespace: its uuids differ from run to run.
    const description = JSON.stringify(Platform.open(dir, kinds).toJSON()).replace(
      /[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g,
      'U',
    )
    return `${mode(session.nd)} ${description}`
  } finally {
    await session.close()
  }
}

describe('kmem through a platform', () => {
  it('a crash at any write of a reconfiguration leaves devdax or system-ram, whole', async () => {
    const dir = path.join(root, 'crash', 'p')
    const change = (nd: Nvdimm) => {
      expect(daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'system-ram' }).exitCode).toBe(0)
      return Promise.resolve()
    }
    await devdax(dir)
    const before = await observe(dir)
    await Platform.open(dir, kinds).update(change)
    const after = await observe(dir)
    expect([before.split(' ')[0], after.split(' ')[0]]).toEqual(['devdax', 'system-ram'])
    await forEachCrashPoint({
      setup: async () => void (await devdax(dir)),
      operation: async (ops) => Platform.open(dir, kinds, { fs: ops }).update(change),
      check: async () => {
        expect([before, after]).toContain(await observe(dir))
      },
    })
  })

  it('a device a program has mapped is in use: reconfiguring it is refused until it is unmapped', async () => {
    const platform = await devdax(path.join(root, 'mapped', 'p'))
    await platform.update(async (nd) => {
      const dax = nd.namespace('namespace0.0').openDaxDevice()
      const mapping = dax.map(0n, 2n << 20n)
      const refused = daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'system-ram' })
      expect(refused.exitCode).toBe(240)
      expect(refused.messages).toEqual([
        'dax0.0: disable failed: Device or resource busy',
        'dax0.0 is mapped by 1 program: unmap it first',
        'error reconfiguring devices: Device or resource busy',
        'reconfigured 0 devices',
      ])
      mapping.unmap()
      expect(daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'system-ram' }).exitCode).toBe(0)
      // /dev/dax0.0 is gone while kmem has the device.
      expect(() => dax.map(0n, 2n << 20n)).toThrow(/system-ram mode/)
      expect(() => mapping.read(0n, new Uint8Array(1))).toThrow(/after munmap/)
    })
  })

  it('with write_cache off, fsync does not reach the flush sequence', async () => {
    const dir = path.join(root, 'write-cache', 'p')
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    const platform = await initPlatform(dir, spec, kinds)
    await platform.update(async (nd) => {
      const flushes: string[] = []
      nd.on('region:flush', (region) => flushes.push(region.name))
      const namespace = nd.namespace('namespace0.0')
      const disk = namespace.openBlockDevice()
      await disk.flush()
      nd.daxAttributes.setWriteCache(namespace, false)
      await disk.flush()
      expect(flushes).toEqual(['region0'])
      expect(nd.runtimeState().namespaces?.['namespace0.0']).toEqual({ writeCache: false })
    })
  })
})
