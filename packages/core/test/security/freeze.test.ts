import { describe, expect, it } from 'vitest'
import {
  memoryKeyStore,
  ndctlFreezeSecurity,
  ndctlList,
  ndctlRemovePassphrase,
  ndctlSanitizeDimm,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  ndctlXableRegion,
} from '../../src/index.js'
import { boot, secureProvider } from './helpers.js'

/**
 * freeze-security (dimm_devs.c nvdimm_security_freeze(), security.c check_security_state()):
 * once frozen, the kernel refuses every security change with EIO before the firmware sees it,
 * until the next power cycle, when the firmware decides afresh.
 */

const KEK = 'user:nvdimm-master'

describe('freeze-security', () => {
  it('freezes until the next power cycle: every change is refused with EIO', async () => {
    const provider = secureProvider()
    const keys = memoryKeyStore()
    const { nd } = await boot(provider, keys)
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: KEK })
    const key = keys.get('5ec0-0a-0000-00000000', 'user')

    const frozen = await ndctlFreezeSecurity(nd, ['nmem0'])
    expect(frozen).toEqual({ errors: [], messages: ['security froze 1 nmem.'], exitCode: 0 })
    const listed = JSON.parse((await ndctlList(nd, { dimms: true, idle: true }))!) as Record<string, unknown>[]
    expect(listed.find((dimm) => dimm.dev === 'nmem0')).toMatchObject({ security: 'unlocked', security_frozen: true })
    expect(Object.keys(listed.find((dimm) => dimm.dev === 'nmem0')!).slice(-2)).toEqual(['security', 'security_frozen'])

    const firmware = provider.control.firmware(0)
    firmware.calls.length = 0
    const frozenMessage = 'nmem0: security is frozen until the next power cycle'
    const update = await ndctlUpdatePassphrase(nd, ['nmem0'])
    expect(update.errors.map((error) => [error.errno, error.message])).toEqual([['EIO', frozenMessage]])
    expect(update.exitCode).toBe(1)
    const remove = await ndctlRemovePassphrase(nd, ['nmem0'])
    expect(remove.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EIO', `Failed remove passphrase for nmem0: ${frozenMessage}`],
    ])
    const erase = await ndctlSanitizeDimm(nd, ['nmem0'], { cryptoErase: true })
    expect(erase.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EIO', `Failed crypto erase for nmem0: ${frozenMessage}`],
    ])
    expect(erase.messages).toEqual(['sanitized 0 nmem.'])
    const overwrite = await ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true })
    expect(overwrite.errors.map((error) => error.errno)).toEqual(['EIO'])
    expect(overwrite.messages).toEqual(['overwrite issued for 0 nmem.'])
    // The kernel refused them all: the firmware only answered status queries.
    expect(firmware.calls.filter((call) => call !== 'status')).toEqual([])
    // The keys are as they were: a refused update put the current key back.
    expect(keys.get('5ec0-0a-0000-00000000', 'user')).toEqual(key)
    await nd.stop()

    // Not a power cycle: the firmware still says frozen.
    const same = await boot(provider, keys)
    expect(same.nd.dimm('nmem0').security.frozen).toBe(true)
    await same.nd.stop()

    provider.control.powerCycle()
    const after = await boot(provider, keys)
    expect(after.nd.dimm('nmem0').security).toMatchObject({ state: 'unlocked', frozen: false })
    await ndctlXableRegion(after.nd, 'disable', 'all')
    expect((await ndctlUpdatePassphrase(after.nd, ['nmem0'])).exitCode).toBe(0)
    await after.nd.stop()
  })

  it('a dimm the firmware will not freeze, and one without security', async () => {
    const { nd } = await boot(secureProvider({ dimms: [{}, { insecure: true }] }), memoryKeyStore())
    const outcome = await ndctlFreezeSecurity(nd, ['nmem0', 'nmem1'])
    expect(outcome.errors.map((error) => [error.errno, error.message])).toEqual([
      ['EIO', 'Failed to freeze security for nmem0: firmware: freeze needs security enabled'],
      ['EOPNOTSUPP', 'nmem1: security operation not supported'],
    ])
    expect(outcome.messages).toEqual(['security froze 0 nmem.'])
    expect(outcome.exitCode).toBe(1)
    await nd.stop()
  })
})
