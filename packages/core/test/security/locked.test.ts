import { describe, expect, it } from 'vitest'
import {
  DimmCmd,
  memoryKeyStore,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlList,
  ndctlReadLabels,
  ndctlSetupPassphrase,
  ndctlXableRegion,
  type KeyStore,
  type Nvdimm,
} from '../../src/index.js'
import { boot, secureProvider, typed } from './helpers.js'

/**
 * A dimm locked at power-on (drivers/nvdimm/dimm.c nvdimm_probe(), security.c
 * nvdimm_security_unlock(), namespace_devs.c init_active_labels()): probe tries the key the
 * keyring holds; without the right one the dimm stays locked, its labels are not read, its
 * regions fail to probe (ENXIO) and none of its bytes can be reached.
 */

const DATA = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) & 0xff)

/** Give dimm 0 a passphrase and a raw namespace holding DATA, then power everything off and on. */
async function securedWithData(provider: ReturnType<typeof secureProvider>, keys: KeyStore): Promise<void> {
  const { nd } = await boot(provider, keys)
  await ndctlXableRegion(nd, 'disable', 'all')
  expect((await ndctlInitLabels(nd, ['nmem0'])).errors).toEqual([])
  const setup = await ndctlSetupPassphrase(nd, ['nmem0'], {
    keyHandle: 'user:nvdimm-master',
    passphrase: typed('s3cret'),
  })
  expect(setup.errors).toEqual([])
  await ndctlXableRegion(nd, 'enable', 'all')
  const created = await ndctlCreateNamespace(nd, { region: 'region0', mode: 'raw', size: '16M' })
  expect(created.errors).toEqual([])
  const disk = nd.namespace('namespace0.0').openBlockDevice()
  disk.write(8192n, DATA)
  await disk.flush()
  await nd.stop()
  provider.control.powerCycle()
}

async function dimmJson(nd: Nvdimm, name: string) {
  const dimms = JSON.parse((await ndctlList(nd, { dimms: true, idle: true }))!) as Record<string, unknown>[]
  return dimms.find((dimm) => dimm.dev === name)
}

describe('a locked dimm without its key', () => {
  it('stays locked: no labels read, region disabled (ENXIO), no namespace, no block device', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    await securedWithData(provider, keys)
    const firmware = provider.control.firmware(0)
    firmware.calls.length = 0
    const { nd, log } = await boot(provider, memoryKeyStore())

    const dimm = nd.dimm('nmem0')
    expect(dimm.security.state).toBe('locked')
    expect(dimm.enabled).toBe(false)
    expect(dimm.flags.has('locked')).toBe(true)
    expect(dimm.flagsString).toBe('lock ')
    expect(dimm.probeError?.errno).toBe('EACCES')
    // The kernel sends the zero key when the keyring has none.
    expect(firmware.received.find((call) => call.op === 'unlock')?.keys).toEqual([new Uint8Array(32)])
    // Not a single label command reached the dimm.
    expect(firmware.calls.filter((call) => call.startsWith('label:'))).toEqual([])

    const region = nd.region('region0')
    expect(region.enabled).toBe(false)
    expect(region.probeError?.errno).toBe('ENXIO')
    expect(region.probeError?.message).toBe('nmem0: is locked, failing probe')
    expect(region.namespaces).toEqual([])
    expect(nd.namespaces.map((namespace) => namespace.name)).toEqual(['namespace1.0'])
    await expect(region.enable()).rejects.toMatchObject({ errno: 'ENXIO' })
    expect(log.some((entry) => entry.level === 'error' && entry.message.includes('nmem0'))).toBe(true)

    expect(await dimmJson(nd, 'nmem0')).toEqual({
      dev: 'nmem0',
      id: '5ec0-0a-0000-00000000',
      handle: 0,
      phys_id: 0,
      state: 'disabled',
      security: 'locked',
    })
    // ndctl read-labels goes to the firmware, which answers a locked status.
    const read = await ndctlReadLabels(nd, ['nmem0'], {})
    expect(read.stdout?.length ?? 0).toBe(0)
    expect(read.exitCode).toBe(1)
    expect(read.errors.map((error) => error.message)).toEqual(['nmem0: get_config_size failed'])

    // The other dimm was never secured.
    expect(nd.dimm('nmem1').security.state).toBe('disabled')
    expect(nd.region('region1').enabled).toBe(true)
    await nd.stop()
  })

  it('is not read even when its provider would answer label commands while locked', async () => {
    const provider = secureProvider({ leakyLabels: true })
    await securedWithData(provider, memoryKeyStore())
    const firmware = provider.control.firmware(0)
    firmware.calls.length = 0
    const { nd } = await boot(provider, memoryKeyStore())
    expect(firmware.calls.some((call) => call === `label:${DimmCmd.GET_CONFIG_DATA}`)).toBe(false)
    expect(nd.dimm('nmem0').drvdata).toBeUndefined()
    expect(nd.dimm('nmem0').probeError?.errno).toBe('EACCES')
    expect(nd.region('region0').enabled).toBe(false)
    expect(nd.region('region0').namespaces).toEqual([])
    await nd.stop()
  })

  it('stays locked with a wrong key in the store, and the firmware saw that key', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    await securedWithData(provider, keys)
    const wrong = memoryKeyStore()
    wrong.put('5ec0-0a-0000-00000000', 'user', { kek: 'user:nvdimm-master', passphrase: new Uint8Array(32).fill(9) })
    const { nd, log } = await boot(provider, wrong)
    expect(nd.dimm('nmem0').security.state).toBe('locked')
    expect(nd.region('region0').enabled).toBe(false)
    expect(provider.control.firmware(0).received.at(-1)).toEqual({ op: 'unlock', keys: [new Uint8Array(32).fill(9)] })
    expect(log).toContainEqual({ level: 'debug', message: 'nmem0: key: nvdimm:5ec0-0a-0000-00000000 unlock: fail' })
    await nd.stop()
  })

  it('a locked dimm without a label area keeps its region from probing too', async () => {
    const provider = secureProvider({ dimms: [{ labelless: true }] })
    const firmware = provider.control.firmware(0)
    firmware.passphrase = new Uint8Array(32).fill(1)
    firmware.locked = true
    const { nd } = await boot(provider, memoryKeyStore())
    const dimm = nd.dimm('nmem0')
    // nvdimm_probe() returns before unlocking a dimm without label commands.
    expect(firmware.calls).not.toContain('unlock')
    expect(dimm.enabled).toBe(true)
    expect(dimm.flags.has('locked')).toBe(true)
    expect(nd.region('region0').enabled).toBe(false)
    expect(nd.region('region0').probeError?.message).toBe('nmem0: is locked, failing probe')
    expect(nd.namespaces).toEqual([])
    await nd.stop()
  })
})

describe('a locked dimm with its key in the store', () => {
  it('is unlocked at start: labels, namespaces and data are back', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    await securedWithData(provider, keys)
    const { nd, log } = await boot(provider, keys)
    const dimm = nd.dimm('nmem0')
    expect(dimm.security.state).toBe('unlocked')
    expect(dimm.enabled).toBe(true)
    expect(dimm.flags.has('locked')).toBe(false)
    // Unlocking made the CPU caches incoherent; activating the region invalidated them.
    expect(dimm.flags.has('incoherent')).toBe(false)
    expect(log).toContainEqual({ level: 'debug', message: 'nmem0: key: nvdimm:5ec0-0a-0000-00000000 unlock: success' })
    const namespace = nd.namespace('namespace0.0')
    expect(namespace.active).toBe(true)
    const out = new Uint8Array(DATA.length)
    namespace.openBlockDevice().read(8192n, out)
    expect(out).toEqual(DATA)
    expect(await dimmJson(nd, 'nmem0')).toMatchObject({ dev: 'nmem0', security: 'unlocked' })
    expect(await dimmJson(nd, 'nmem0')).not.toHaveProperty('state')
    await nd.stop()
  })

  it('is revalidated, not unlocked again, when the driver binds a second time', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    await securedWithData(provider, keys)
    const { nd } = await boot(provider, keys)
    await ndctlXableRegion(nd, 'disable', 'region0')
    const firmware = provider.control.firmware(0)
    firmware.calls.length = 0
    await nd.dimm('nmem0').disable()
    await nd.dimm('nmem0').enable()
    const key = keys.get('5ec0-0a-0000-00000000', 'user')!.passphrase
    expect(firmware.received.at(-1)).toEqual({ op: 'changeKey', keys: [key, key] })
    expect(firmware.calls).not.toContain('unlock')
    expect(nd.dimm('nmem0').enabled).toBe(true)
    await nd.stop()
  })
})
