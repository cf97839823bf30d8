import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  initPlatform,
  KEYS_DIR,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlRemovePassphrase,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  ndctlXableRegion,
  type Nvdimm,
  Platform,
  type PlatformProviderKind,
} from '../../src/index.js'
import { exhaustiveCrashes, forEachCrashPoint } from '../../src/testing/index.js'
import { tempDir } from '../helpers.js'
import { padded, secureKind, typed } from './helpers.js'

/**
 * The key store of a platform directory (keys/, next to platform.json): every session is a
 * power-on of the test firmware, so each one unlocks the dimm from the keys alone, and a crash
 * anywhere in a passphrase change leaves keys that still open the dimm.
 */

const root = tempDir('nvdimm-security-platform-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const kinds = [secureKind as PlatformProviderKind]
const ID = '5ec0-0a-0000-00000007'
const DATA = Uint8Array.from({ length: 4096 }, (_, i) => (i * 5 + 11) & 0xff)

const session = <T>(dir: string, use: (nd: Nvdimm) => Promise<T>) =>
  Platform.open(dir, kinds, { lockTimeoutMs: 2000 }).update(use)

/** A platform with one secured dimm holding DATA in a raw namespace. */
async function securedPlatform(dir: string): Promise<void> {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true })
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  await initPlatform(
    dir,
    { arch: 'x86_64', providers: [{ kind: 'secure-test', entry: { dimms: [{ id: ID, media: 'media/dimm0.img' }] } }] },
    kinds,
  )
  await session(dir, async (nd) => {
    await ndctlXableRegion(nd, 'disable', 'all')
    expect((await ndctlInitLabels(nd, ['nmem0'])).errors).toEqual([])
    const setup = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: 'user:kek', passphrase: typed('before') })
    expect(setup.errors).toEqual([])
    await ndctlXableRegion(nd, 'enable', 'all')
    expect((await ndctlCreateNamespace(nd, { region: 'region0', mode: 'raw', size: '16M' })).errors).toEqual([])
    const disk = nd.namespace('namespace0.0').openBlockDevice()
    disk.write(0n, DATA)
    await disk.flush()
  })
}

/** What a new session finds: the dimm's security state and whether DATA reads back. */
async function readBack(dir: string): Promise<{ state: string; data: boolean }> {
  return session(dir, async (nd) => {
    // The region may have been left disabled for a passphrase change; a locked dimm keeps it off.
    await ndctlXableRegion(nd, 'enable', 'all')
    const namespace = nd.namespaces.find((candidate) => candidate.name === 'namespace0.0')
    let data = false
    if (namespace?.active) {
      const out = new Uint8Array(DATA.length)
      namespace.openBlockDevice().read(0n, out)
      data = Buffer.from(out).equals(Buffer.from(DATA))
    }
    return { state: nd.dimm('nmem0').security.state, data }
  })
}

describe('security over a platform directory', () => {
  it('keeps the key in keys/ (0700, 0600) and unlocks the dimm at every start', async () => {
    const dir = path.join(root, 'basic', 'p')
    await securedPlatform(dir)
    const keys = path.join(dir, KEYS_DIR)
    expect(fs.readdirSync(keys)).toEqual([`nvdimm_${ID}.blob`])
    expect(fs.statSync(keys).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(keys, `nvdimm_${ID}.blob`)).mode & 0o777).toBe(0o600)
    // The firmware state (the passphrase) is the provider's, in platform.json.
    expect(JSON.stringify(Platform.open(dir, kinds).toJSON())).toContain(Buffer.from(padded('before')).toString('hex'))

    expect(await readBack(dir)).toEqual({ state: 'unlocked', data: true })
    // A read-only session unlocks too.
    const looking = await Platform.open(dir, kinds).start({ readOnly: true })
    expect(looking.nd.dimm('nmem0').security.state).toBe('unlocked')
    expect(looking.nd.namespace('namespace0.0').active).toBe(true)
    await looking.close()

    // Without the key directory, the next power-on finds the dimm locked and nothing readable.
    fs.renameSync(keys, `${keys}.aside`)
    expect(await readBack(dir)).toEqual({ state: 'locked', data: false })
    fs.renameSync(`${keys}.aside`, keys)
    expect(await readBack(dir)).toEqual({ state: 'unlocked', data: true })
  })

  it('remove-passphrase deletes the key file once the firmware state is saved', async () => {
    const dir = path.join(root, 'remove', 'p')
    await securedPlatform(dir)
    await session(dir, async (nd) => {
      expect((await ndctlRemovePassphrase(nd, ['nmem0'])).errors).toEqual([])
      // Still on disk while the session runs: the firmware's new state is not saved yet.
      expect(fs.readdirSync(path.join(dir, KEYS_DIR))).toEqual([`nvdimm_${ID}.blob`])
    })
    expect(fs.readdirSync(path.join(dir, KEYS_DIR))).toEqual([])
    expect(await readBack(dir)).toEqual({ state: 'disabled', data: true })
  })

  it('a crash at any write of update-passphrase leaves keys that unlock the dimm', async () => {
    const dir = path.join(root, 'crash', 'p')
    const template = path.join(root, 'crash-template', 'p')
    await securedPlatform(template)
    const setup = () => {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true })
      fs.cpSync(path.dirname(template), path.dirname(dir), { recursive: true })
    }
    const update = (nd: Nvdimm) =>
      ndctlXableRegion(nd, 'disable', 'all').then(() =>
        ndctlUpdatePassphrase(nd, ['nmem0'], { passphrase: typed('after') }),
      )
    const writes = await forEachCrashPoint({
      setup,
      operation: async (ops) => {
        const outcome = await Platform.open(dir, kinds, { fs: ops }).update(update)
        expect(outcome.errors).toEqual([])
      },
      check: async () => {
        // Whatever the crash left, the next power-on unlocks the dimm and the data is there,
        // and the next update works from the key the dimm wants.
        expect(await readBack(dir)).toEqual({ state: 'unlocked', data: true })
        const again = await session(dir, update)
        expect(again.errors).toEqual([])
        expect(await readBack(dir)).toEqual({ state: 'unlocked', data: true })
        expect(fs.readdirSync(path.join(dir, KEYS_DIR))).toEqual([`nvdimm_${ID}.blob`])
      },
      ...(exhaustiveCrashes()
        ? {}
        : { sample: (count: number) => [...Array(count).keys()].filter((i) => i % 2 === 0 || i === count - 1) }),
    })
    expect(writes).toBeGreaterThan(4)
  })
})
