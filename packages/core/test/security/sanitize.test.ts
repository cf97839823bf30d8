import { describe, expect, it } from 'vitest'
import {
  memoryKeyStore,
  ndctlCreateNamespace,
  ndctlFreezeSecurity,
  ndctlInitLabels,
  ndctlList,
  ndctlSanitizeDimm,
  ndctlSetupPassphrase,
  ndctlWaitOverwrite,
  ndctlXableRegion,
  securityOverwriteQuery,
  type KeyStore,
  type Nvdimm,
} from '../../src/index.js'
import { boot, LABEL_SIZE, secureProvider } from './helpers.js'

/**
 * sanitize-dimm and wait-overwrite (security.c security_erase(), security_overwrite(),
 * __nvdimm_security_overwrite_query(); region_devs.c nd_region_activate()): a crypto-erase
 * scrambles the data and keeps the labels; an overwrite runs in the firmware, keeps the dimm's
 * regions from activating (EBUSY) until a query finds it over, and leaves the dimm zeroed.
 */

const ID0 = '5ec0-0a-0000-00000000'
const KEK = 'user:nvdimm-master'
const DATA = Uint8Array.from({ length: 8192 }, (_, i) => (i * 13 + 1) & 0xff)

/** Dimm 0 with labels, a passphrase, and an fsdax namespace holding DATA; the region is left disabled. */
async function secured(provider: ReturnType<typeof secureProvider>, keys: KeyStore): Promise<Nvdimm> {
  const { nd } = await boot(provider, keys)
  await ndctlXableRegion(nd, 'disable', 'all')
  await ndctlInitLabels(nd, ['nmem0'])
  expect((await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })).exitCode).toBe(0)
  await ndctlXableRegion(nd, 'enable', 'region0')
  expect((await ndctlCreateNamespace(nd, { region: 'region0', mode: 'fsdax', size: '16M' })).errors).toEqual([])
  const disk = nd.namespace('namespace0.0').openBlockDevice()
  disk.write(0n, DATA)
  await disk.flush()
  await ndctlXableRegion(nd, 'disable', 'region0')
  return nd
}

function namespaceJson(nd: Nvdimm) {
  return ndctlList(nd, { namespaces: true, region: 'region0' }).then((text) => JSON.parse(text!)[0])
}

describe('sanitize-dimm --crypto-erase', () => {
  it('is refused while a region uses the dimm', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    const nd = await secured(provider, keys)
    await ndctlXableRegion(nd, 'enable', 'region0')
    const outcome = await ndctlSanitizeDimm(nd, ['nmem0'], {})
    expect(outcome.errors.map((error) => error.errno)).toEqual(['EBUSY'])
    expect(outcome.errors[0]!.message).toMatch(/^Failed crypto erase for nmem0: nmem0: unable to secure erase while/)
    expect(outcome.exitCode).toBe(1)
    expect(provider.control.firmware(0).calls).not.toContain('erase')
    await nd.stop()
  })

  it('is the default: scrambles the data, keeps the labels, discards the key', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    const nd = await secured(provider, keys)
    const firmware = provider.control.firmware(0)
    const key = keys.get(ID0, 'user')!
    const label = new Uint8Array(LABEL_SIZE)
    firmware.label.read(0n, label)

    const outcome = await ndctlSanitizeDimm(nd, ['nmem0'], { verbose: true })
    expect(outcome).toEqual({
      errors: [],
      messages: ['No santize method passed in, default to crypto-erase', 'sanitized 1 nmem.'],
      exitCode: 0,
    })
    expect(firmware.received.at(-1)).toEqual({ op: 'erase', keys: [key.passphrase] })
    expect(keys.get(ID0, 'user')).toBeUndefined()
    expect(nd.dimm('nmem0').security.state).toBe('disabled')
    expect(nd.dimm('nmem0').flags.has('incoherent')).toBe(true)
    const after = new Uint8Array(LABEL_SIZE)
    firmware.label.read(0n, after)
    expect(after).toEqual(label)

    // The namespace is still there (its labels are), its info block is cipher text: raw.
    await ndctlXableRegion(nd, 'enable', 'region0')
    expect(nd.dimm('nmem0').flags.has('incoherent')).toBe(false)
    expect(await namespaceJson(nd)).toMatchObject({ dev: 'namespace0.0', mode: 'raw', size: 16777216 })
    const out = new Uint8Array(DATA.length)
    nd.namespace('namespace0.0').openBlockDevice().read(0n, out)
    expect(out).not.toEqual(DATA)
    await nd.stop()
  })

  it('-m erases with the master passphrase and leaves the user key; -z with the zero key', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    const { nd } = await boot(provider, keys)
    await ndctlXableRegion(nd, 'disable', 'all')
    const noMaster = await ndctlSanitizeDimm(nd, ['nmem0'], { master: true })
    expect(noMaster.errors.map((error) => error.message)).toEqual([
      `Unable to load key: nvdimm-master:${ID0} not found`,
    ])
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, master: true })
    const master = keys.get(ID0, 'master')!
    const outcome = await ndctlSanitizeDimm(nd, ['nmem0'], { cryptoErase: true, master: true })
    expect(outcome.errors).toEqual([])
    expect(provider.control.firmware(0).received.at(-1)).toEqual({ op: 'erase(master)', keys: [master.passphrase] })
    expect(keys.get(ID0, 'master')).toEqual(master)

    const zero = await ndctlSanitizeDimm(nd, ['nmem1'], { zeroKey: true })
    expect(zero.messages).toEqual(['sanitized 1 nmem.'])
    expect(provider.control.firmware(1).received.at(-1)).toEqual({ op: 'erase', keys: [new Uint8Array(32)] })
    await nd.stop()
  })

  it('a master erase needs a master passphrase set (EOPNOTSUPP before the firmware)', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    keys.put(ID0, 'master', { kek: KEK, passphrase: new Uint8Array(32).fill(3) })
    const { nd } = await boot(provider, keys)
    await ndctlXableRegion(nd, 'disable', 'all')
    const outcome = await ndctlSanitizeDimm(nd, ['nmem0'], { master: true })
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EOPNOTSUPP', 'Failed master crypto erase for nmem0: nmem0: no master passphrase is set, so no master erase'],
    ])
    expect(provider.control.firmware(0).calls).not.toContain('erase(master)')
    await nd.stop()
  })
})

describe('sanitize-dimm --overwrite and wait-overwrite', () => {
  it('starts the overwrite, keeps the region off until it ends, then everything reads zero', async () => {
    const provider = secureProvider({ overwriteQueries: 4 })
    const keys = memoryKeyStore()
    const nd = await secured(provider, keys)
    const firmware = provider.control.firmware(0)
    const key = keys.get(ID0, 'user')!

    const masterToo = await ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true, master: true })
    expect(masterToo.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EINVAL', 'nmem0: overwrite does not support master passphrase'],
    ])

    const outcome = await ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true })
    expect(outcome).toEqual({ errors: [], messages: ['overwrite issued for 1 nmem.'], exitCode: 0 })
    expect(firmware.received.find((call) => call.op === 'overwrite')).toEqual({
      op: 'overwrite',
      keys: [key.passphrase],
    })
    const dimm = nd.dimm('nmem0')
    expect(dimm.security.state).toBe('overwrite')
    expect(dimm.flags.has('securityOverwrite')).toBe(true)
    // The first query ran at once and found it busy: the next one waits 10 s.
    expect(dimm.security.overwriteTimeout).toBe(10)
    const listed = JSON.parse((await ndctlList(nd, { dimms: true, idle: true }))!) as Record<string, unknown>[]
    expect(listed.find((entry) => entry.dev === 'nmem0')).toMatchObject({ security: 'overwrite' })

    await expect(nd.region('region0').enable()).rejects.toMatchObject({
      errno: 'EBUSY',
      message: 'region0: nmem0 is being overwritten; wait for it (wait-overwrite)',
    })
    const freeze = await ndctlFreezeSecurity(nd, ['nmem0'])
    expect(freeze.errors.map((error) => error.errno)).toEqual(['EBUSY'])
    const again = await ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true })
    expect(again.errors.map((error) => error.errno)).toEqual(['EBUSY'])

    const waited = await ndctlWaitOverwrite(nd, ['nmem0'], { pollIntervalMs: 0, verbose: true })
    expect(waited).toEqual({ errors: [], messages: ['nmem0: overwrite completed.'], exitCode: 0 })
    expect(dimm.security.state).toBe('disabled')
    expect(dimm.flags.has('securityOverwrite')).toBe(false)
    expect(dimm.security.overwriteTimeout).toBe(0)
    // ndctl keeps the key blob after an overwrite.
    expect(keys.get(ID0, 'user')).toEqual(key)

    const label = new Uint8Array(LABEL_SIZE)
    firmware.label.read(0n, label)
    expect(label.every((byte) => byte === 0)).toBe(true)
    const data = new Uint8Array(DATA.length)
    firmware.data.read(0n, data)
    expect(data.every((byte) => byte === 0)).toBe(true)
    // The labels are gone: re-read, the dimm has no index and the region no namespace but its seed.
    await dimm.disable()
    await dimm.enable()
    expect(dimm.labelIndexVersion).toBeUndefined()
    await nd.region('region0').enable()
    expect(nd.region('region0').namespaces.map((namespace) => [namespace.name, namespace.size])).toEqual([
      ['namespace0.0', 0n],
    ])

    const idle = await ndctlWaitOverwrite(nd, ['nmem0'], { verbose: true })
    expect(idle).toEqual({ errors: [], messages: [], exitCode: 0 })
    await nd.stop()
  })

  it('an overwrite still running at power-on keeps the region off until it is waited for', async () => {
    const provider = secureProvider({ overwriteQueries: 5 })
    const keys = memoryKeyStore()
    const nd = await secured(provider, keys)
    await ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true })
    await nd.stop()
    provider.control.powerCycle()

    const { nd: next } = await boot(provider, keys)
    const dimm = next.dimm('nmem0')
    expect(dimm.security.state).toBe('overwrite')
    expect(next.region('region0').enabled).toBe(false)
    expect(next.region('region0').probeError?.errno).toBe('EBUSY')
    expect((await ndctlWaitOverwrite(next, ['nmem0'], { pollIntervalMs: 0 })).exitCode).toBe(0)
    expect(dimm.security.state).toBe('disabled')
    await next.stop()
  })

  it('queries back off as the kernel does, 10 s more each time, up to 15 minutes', async () => {
    const provider = secureProvider({ overwriteQueries: 200 })
    const { nd } = await boot(provider, memoryKeyStore())
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true })
    const dimm = nd.dimm('nmem0')
    const timeouts = [dimm.security.overwriteTimeout]
    for (let i = 0; i < 100; i++) {
      expect(await securityOverwriteQuery(dimm)).toBe(true)
      timeouts.push(dimm.security.overwriteTimeout)
    }
    expect(timeouts.slice(0, 4)).toEqual([10, 20, 30, 40])
    expect(Math.max(...timeouts)).toBe(900)
    expect(timeouts.at(-1)).toBe(900)
    const gaveUp = await ndctlWaitOverwrite(nd, ['nmem0'], { pollIntervalMs: 1, timeoutMs: 0 })
    expect(gaveUp.errors.map((error) => error.errno)).toEqual(['ETIMEDOUT'])
    expect(gaveUp.exitCode).toBe(1)
    await nd.stop()
  })
})
