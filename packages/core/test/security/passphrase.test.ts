import { describe, expect, it } from 'vitest'
import {
  memoryKeyStore,
  ndctlList,
  ndctlRemovePassphrase,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  ndctlXableRegion,
  type Nvdimm,
} from '../../src/index.js'
import { boot, padded, secureProvider, typed } from './helpers.js'

/**
 * setup-, update- and remove-passphrase (ndctl/dimm.c, ndctl/keys.c; kernel security.c
 * security_update(), security_disable()): the key store keeps one key per dimm, named by the
 * dimm's unique id, and the firmware gets it through the security ops.
 */

const ID0 = '5ec0-0a-0000-00000000'
const KEK = 'user:nvdimm-master'

async function idle(options: Parameters<typeof secureProvider>[0] = {}) {
  const provider = secureProvider(options)
  const keys = memoryKeyStore()
  const { nd, log } = await boot(provider, keys)
  await ndctlXableRegion(nd, 'disable', 'all')
  return { provider, keys, nd, log, firmware: provider.control.firmware(0) }
}

async function securityJson(nd: Nvdimm, name: string) {
  const dimms = JSON.parse((await ndctlList(nd, { dimms: true, idle: true }))!) as Record<string, unknown>[]
  const dimm = dimms.find((entry) => entry.dev === name)!
  return { security: dimm.security, security_frozen: dimm.security_frozen }
}

describe('setup-passphrase', () => {
  it('makes a random 32-byte key, stores it under the kek and hands it to the dimm', async () => {
    const { keys, nd, firmware } = await idle()
    const outcome = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    expect(outcome).toEqual({ errors: [], messages: ['passphrase enabled for 1 nmem.'], exitCode: 0 })
    const key = keys.get(ID0, 'user')!
    expect(key.kek).toBe(KEK)
    expect(key.passphrase).toHaveLength(32)
    expect(key.passphrase.some((byte) => byte !== 0)).toBe(true)
    expect(firmware.passphrase).toEqual(key.passphrase)
    // "update 0 <key>": no old passphrase.
    expect(firmware.received.at(-1)).toEqual({ op: 'changeKey', keys: [new Uint8Array(0), key.passphrase] })
    expect(await securityJson(nd, 'nmem0')).toEqual({ security: 'unlocked', security_frozen: undefined })
    expect(await securityJson(nd, 'nmem1')).toEqual({ security: 'disabled', security_frozen: undefined })
    await nd.stop()
  })

  it('uses the passphrase a person chose, zero-padded, and unlocks with it after a power cycle', async () => {
    const { provider, keys, nd, firmware } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, passphrase: typed('hunter22') })
    expect(firmware.passphrase).toEqual(padded('hunter22'))
    await nd.stop()
    provider.control.powerCycle()
    expect(firmware.locked).toBe(true)
    const again = await boot(provider, keys)
    expect(again.nd.dimm('nmem0').security.state).toBe('unlocked')
    expect(firmware.received.at(-1)).toEqual({ op: 'unlock', keys: [padded('hunter22')] })
    await again.nd.stop()
  })

  it('refuses a passphrase of more than 32 bytes, before anything changes', async () => {
    const { keys, nd, firmware } = await idle()
    const outcome = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, passphrase: new Uint8Array(33) })
    expect(outcome.exitCode).toBe(1)
    expect(outcome.errors[0]).toMatchObject({ errno: 'EINVAL', message: 'a passphrase is 1 to 32 bytes (got 33)' })
    expect(keys.get(ID0, 'user')).toBeUndefined()
    expect(firmware.passphrase).toBeUndefined()
    await nd.stop()
  })

  it('needs -k with a user or trusted key, as verify_kek() does', async () => {
    const { nd, keys } = await idle()
    for (const [keyHandle, message] of [
      [undefined, 'nmem0: a key handle is required: -k user:<description>'],
      ['', 'nmem0: a key handle is required: -k user:<description>'],
      ['logon:nvdimm-master', 'No such key type: logon'],
      ['user', 'No description found for kek handle'],
      [':', 'No key type found for kek handle'],
    ] as const) {
      const outcome = await ndctlSetupPassphrase(nd, ['nmem0'], keyHandle === undefined ? {} : { keyHandle })
      expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([['EINVAL', message]])
      expect(outcome.messages).toEqual(['passphrase enabled for 0 nmem.'])
      expect(outcome.exitCode).toBe(1)
    }
    expect(keys.get(ID0, 'user')).toBeUndefined()
    await nd.stop()
  })

  it('refuses while a region uses the dimm, and when a key already exists', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    const { nd } = await boot(provider, keys)
    const active = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    expect(active.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EBUSY', 'regions active on nmem0, op failed'],
    ])
    expect(active.exitCode).toBe(1)
    await ndctlXableRegion(nd, 'disable', 'all')
    expect((await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })).exitCode).toBe(0)
    const twice = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    expect(twice.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EEXIST', `nvdimm:${ID0} already exists!`],
    ])
    await nd.stop()
  })

  it('reports dimms without security and goes on with the others ("all")', async () => {
    const { nd } = await idle({ dimms: [{}, { insecure: true }] })
    const outcome = await ndctlSetupPassphrase(nd, ['all'], { keyHandle: KEK })
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EOPNOTSUPP', 'nmem1: security operation not supported'],
    ])
    expect(outcome.messages).toEqual(['passphrase enabled for 1 nmem.'])
    expect(outcome.exitCode).toBe(0)
    expect(await securityJson(nd, 'nmem1')).toEqual({ security: undefined, security_frozen: undefined })
    await nd.stop()
  })

  it('drops the new key when the dimm refuses it (a locked dimm)', async () => {
    const { keys, nd, firmware } = await idle()
    firmware.passphrase = new Uint8Array(32).fill(5)
    firmware.locked = true
    nd.dimm('nmem0').security.state = 'locked'
    const outcome = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    expect(outcome.errors.map((error) => error.errno)).toEqual(['EIO'])
    expect(keys.get(ID0, 'user')).toBeUndefined()
    await nd.stop()
  })

  it('-m sets the master passphrase into its own key', async () => {
    const { keys, nd, firmware } = await idle()
    const outcome = await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, master: true })
    expect(outcome.messages).toEqual(['passphrase enabled for 1 nmem.'])
    expect(firmware.master).toEqual(keys.get(ID0, 'master')!.passphrase)
    expect(keys.get(ID0, 'user')).toBeUndefined()
    expect(nd.dimm('nmem0').security.master).toBe('unlocked')
    // The user passphrase is untouched: the dimm does not lock.
    expect(nd.dimm('nmem0').security.state).toBe('disabled')
    await nd.stop()
  })
})

describe('update-passphrase', () => {
  it('replaces the key: the dimm changes from the old one to a new one under the same kek', async () => {
    const { keys, nd, firmware } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    const old = keys.get(ID0, 'user')!
    const outcome = await ndctlUpdatePassphrase(nd, ['nmem0'])
    expect(outcome).toEqual({ errors: [], messages: ['passphrase updated for 1 nmem.'], exitCode: 0 })
    const next = keys.get(ID0, 'user')!
    expect(next.kek).toBe(KEK)
    expect(next.passphrase).not.toEqual(old.passphrase)
    expect(firmware.received.at(-1)).toEqual({ op: 'changeKey', keys: [old.passphrase, next.passphrase] })
    expect(firmware.passphrase).toEqual(next.passphrase)
    expect(keys.get(ID0, 'user-old')).toBeUndefined()
    await nd.stop()
  })

  it('-k moves the key under another kek; a chosen passphrase replaces the random one', async () => {
    const { keys, nd, firmware } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    await ndctlUpdatePassphrase(nd, ['nmem0'], { keyHandle: 'trusted:tpm-kek', passphrase: typed('n3w') })
    expect(keys.get(ID0, 'user')).toEqual({ kek: 'trusted:tpm-kek', passphrase: padded('n3w') })
    expect(firmware.passphrase).toEqual(padded('n3w'))
    await nd.stop()
  })

  it('needs a key to update', async () => {
    const { nd } = await idle()
    const outcome = await ndctlUpdatePassphrase(nd, ['nmem0'])
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      ['ENOENT', `nmem0: no key to update at nvdimm:${ID0}`],
    ])
    expect(outcome.messages).toEqual(['passphrase updated for 0 nmem.'])
    expect(outcome.exitCode).toBe(1)
    await nd.stop()
  })

  it('keeps the current key when the dimm refuses the change (a wrong key in the store)', async () => {
    const { keys, nd, firmware } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, passphrase: typed('right') })
    keys.put(ID0, 'user', { kek: KEK, passphrase: padded('wrong') })
    const outcome = await ndctlUpdatePassphrase(nd, ['nmem0'])
    expect(outcome.errors.map((error) => error.errno)).toEqual(['EINVAL'])
    expect(outcome.exitCode).toBe(1)
    expect(keys.get(ID0, 'user')).toEqual({ kek: KEK, passphrase: padded('wrong') })
    expect(keys.get(ID0, 'user-old')).toBeUndefined()
    expect(firmware.passphrase).toEqual(padded('right'))
    await nd.stop()
  })
})

describe('remove-passphrase', () => {
  it('disables the passphrase with the stored key, then discards the key', async () => {
    const { provider, keys, nd, firmware } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    const key = keys.get(ID0, 'user')!
    const outcome = await ndctlRemovePassphrase(nd, ['nmem0'])
    expect(outcome).toEqual({ errors: [], messages: ['passphrase removed for 1 nmem.'], exitCode: 0 })
    expect(firmware.received.at(-1)).toEqual({ op: 'disable', keys: [key.passphrase] })
    expect(firmware.passphrase).toBeUndefined()
    expect(keys.get(ID0, 'user')).toBeUndefined()
    expect(await securityJson(nd, 'nmem0')).toEqual({ security: 'disabled', security_frozen: undefined })
    await nd.stop()
    // No passphrase: the dimm no longer locks at power-on.
    provider.control.powerCycle()
    const again = await boot(provider, memoryKeyStore())
    expect(again.nd.dimm('nmem0').security.state).toBe('disabled')
    expect(again.nd.region('region0').enabled).toBe(true)
    await again.nd.stop()
  })

  it('needs the key ("Unable to load key")', async () => {
    const { nd } = await idle()
    const outcome = await ndctlRemovePassphrase(nd, ['nmem0'])
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      ['ENOENT', `Unable to load key: nvdimm:${ID0} not found`],
    ])
    expect(outcome.messages).toEqual(['passphrase removed for 0 nmem.'])
    expect(outcome.exitCode).toBe(1)
    await nd.stop()
  })

  it('fails with a wrong key, which stays, and so does the passphrase', async () => {
    const { keys, nd, firmware } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, passphrase: typed('right') })
    keys.put(ID0, 'user', { kek: KEK, passphrase: padded('wrong') })
    const outcome = await ndctlRemovePassphrase(nd, ['nmem0'])
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EINVAL', 'Failed remove passphrase for nmem0: firmware: invalid passphrase'],
    ])
    expect(firmware.passphrase).toEqual(padded('right'))
    expect(keys.get(ID0, 'user')).toEqual({ kek: KEK, passphrase: padded('wrong') })
    await nd.stop()
  })

  it('-m: the master passphrase cannot be removed through these security ops', async () => {
    const { nd, keys } = await idle()
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK, master: true })
    const outcome = await ndctlRemovePassphrase(nd, ['nmem0'], { master: true })
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      [
        'EOPNOTSUPP',
        'Failed remove master passphrase for nmem0: nmem0: removing the master passphrase is not supported',
      ],
    ])
    expect(keys.get(ID0, 'master')).toBeDefined()
    await nd.stop()
  })
})
