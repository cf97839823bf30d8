import type { DimmSecurityOps } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  decodeSecurityStateOutput,
  encodePassphraseInput,
  encodeSetPassphraseInput,
  IntelExtendedStatus,
  IntelFn,
  IntelStatus,
  intelDimmOps,
  INTEL_OVERWRITE_MS,
  SecurityExtendedState,
  SecurityState,
} from '../../src/dsm/intel/index.js'
import { key, rejection, statusOf, testDimm } from './intel-fixtures.js'

const none = new Uint8Array(0)
const ZERO = new Uint8Array(0)
const userKey = key('user secret one')
const otherKey = key('user secret two')
const masterKey = key('master secret')

function setup(overrides = {}) {
  const dimm = testDimm(overrides)
  const security = intelDimmOps(dimm.firmware).security as DimmSecurityOps
  return { ...dimm, security }
}

function rawState(firmware: ReturnType<typeof testDimm>['firmware']) {
  return decodeSecurityStateOutput(firmware.call(IntelFn.GET_SECURITY_STATE, none))
}

describe('Intel security state machine (nfit_test nd_intel_test_cmd_*)', () => {
  it('starts disabled with the master passphrase usable (security_init)', async () => {
    const { firmware, security } = setup()
    expect(rawState(firmware)).toEqual({ status: 0, state: 0, extendedState: SecurityExtendedState.ENABLED })
    expect(await security.status()).toEqual({ state: 'disabled', frozen: false, masterEnabled: true })
    expect(firmware.isLocked()).toBe(false)
  })

  it('sets a passphrase from none, refuses a wrong old one, changes with the right one', async () => {
    const { firmware, security } = setup()
    await security.changeKey(ZERO, userKey)
    expect(rawState(firmware).state).toBe(SecurityState.ENABLED)
    expect(await security.status()).toMatchObject({ state: 'unlocked', frozen: false })

    expect(statusOf(firmware.call(IntelFn.SET_PASSPHRASE, encodeSetPassphraseInput(otherKey, otherKey)))).toBe(
      IntelStatus.INVALID_PASS,
    )
    const wrong = await rejection(security.changeKey(otherKey, otherKey))
    expect(wrong.errno).toBe('EINVAL')
    await security.changeKey(userKey, otherKey)
    await expect(security.disable(userKey)).rejects.toMatchObject({ errno: 'EINVAL' })
    await security.disable(otherKey)
    expect(await security.status()).toMatchObject({ state: 'disabled' })
  })

  it('locks at every power cycle while a passphrase is set, until unlocked', async () => {
    const { firmware, security } = setup()
    await security.changeKey(ZERO, userKey)
    firmware.powerCycle()
    expect(firmware.isLocked()).toBe(true)
    expect(rawState(firmware).state).toBe(SecurityState.ENABLED | SecurityState.LOCKED)
    expect(await security.status()).toMatchObject({ state: 'locked' })

    expect((await rejection(security.unlock(otherKey))).errno).toBe('EINVAL')
    // a locked dimm must be unlocked before its passphrase changes or goes
    expect((await rejection(security.changeKey(userKey, otherKey))).errno).toBe('EIO')
    expect((await rejection(security.disable(userKey))).errno).toBe('ENXIO')
    await security.unlock(userKey)
    expect(firmware.isLocked()).toBe(false)
    expect((await rejection(security.unlock(userKey))).errno).toBe('EIO')

    firmware.powerCycle()
    expect(firmware.isLocked()).toBe(true)
    await security.unlock(userKey)
    await security.disable(userKey)
    firmware.powerCycle()
    expect(firmware.isLocked()).toBe(false)
  })

  it('freeze needs a passphrase, then blocks every change until the next power cycle', async () => {
    const { firmware, security } = setup()
    expect(statusOf(firmware.call(IntelFn.FREEZE_LOCK, none))).toBe(IntelStatus.INVALID_STATE)
    expect((await rejection(security.freeze())).errno).toBe('EIO')

    await security.changeKey(ZERO, userKey)
    await security.freeze()
    expect(await security.status()).toMatchObject({ state: 'unlocked', frozen: true })
    expect(rawState(firmware).state).toBe(SecurityState.ENABLED | SecurityState.FROZEN)

    expect((await rejection(security.changeKey(userKey, otherKey))).errno).toBe('EIO')
    expect((await rejection(security.disable(userKey))).errno).toBe('ENXIO')
    expect((await rejection(security.erase(userKey))).errno).toBe('ENXIO')
    expect((await rejection(security.overwrite(userKey))).errno).toBe('ENXIO')
    expect((await rejection(security.changeKey(ZERO, masterKey, true))).errno).toBe('EIO')
    expect((await rejection(security.erase(ZERO, true))).errno).toBe('ENXIO')
    expect(statusOf(firmware.call(IntelFn.SET_PASSPHRASE, encodeSetPassphraseInput(userKey, otherKey)))).toBe(
      IntelStatus.INVALID_STATE,
    )

    firmware.powerCycle()
    expect(await security.status()).toMatchObject({ state: 'locked', frozen: false })
    // frozen while locked: not even unlock until the next cycle
    await security.freeze()
    expect((await rejection(security.unlock(userKey))).errno).toBe('EIO')
    firmware.powerCycle()
    await security.unlock(userKey)
    await security.changeKey(userKey, otherKey)
  })

  it('secure erase: needs the passphrase (zeros when none), clears both passphrases, sanitizes', async () => {
    const { firmware, security, sanitized } = setup()
    await security.changeKey(ZERO, masterKey, true)
    await security.changeKey(ZERO, userKey)
    expect((await rejection(security.erase(otherKey))).errno).toBe('EINVAL')
    expect(sanitized).toEqual([])
    await security.erase(userKey)
    expect(sanitized).toEqual(['crypto-erase'])
    expect(await security.status()).toMatchObject({ state: 'disabled', masterEnabled: true })
    // nfit_test's secure erase resets the master passphrase to zeros as well
    await security.changeKey(ZERO, masterKey, true)
    // with security disabled, erase takes the zero key
    await security.erase(ZERO)
    expect(sanitized).toEqual(['crypto-erase', 'crypto-erase'])
    expect(statusOf(firmware.call(IntelFn.SECURE_ERASE, encodePassphraseInput(userKey)))).toBe(IntelStatus.INVALID_PASS)
  })

  it('master passphrase: set with the old master, erase with it even while locked; the master stays', async () => {
    const { firmware, security, sanitized } = setup()
    expect((await rejection(security.changeKey(otherKey, masterKey, true))).errno).toBe('EINVAL')
    await security.changeKey(ZERO, masterKey, true)
    await security.changeKey(ZERO, userKey)
    firmware.powerCycle()
    expect(firmware.isLocked()).toBe(true)

    expect((await rejection(security.erase(userKey, true))).errno).toBe('EINVAL')
    await security.erase(masterKey, true)
    expect(sanitized).toEqual(['crypto-erase'])
    expect(firmware.isLocked()).toBe(false)
    expect(await security.status()).toMatchObject({ state: 'disabled', masterEnabled: true })
    await security.changeKey(masterKey, otherKey, true)
    expect(statusOf(firmware.call(IntelFn.MASTER_SECURE_ERASE, encodePassphraseInput(masterKey)))).toBe(
      IntelStatus.INVALID_PASS,
    )
  })

  it('overwrite: reported in progress for 5 s, complete on the first query after, then a sequence error', async () => {
    const { firmware, security, clock, sanitized } = setup()
    await security.changeKey(ZERO, userKey)
    expect(statusOf(firmware.call(IntelFn.QUERY_OVERWRITE, none))).toBe(IntelExtendedStatus.OQUERY_SEQUENCE_ERR)
    expect((await rejection(security.overwrite(otherKey))).errno).toBe('EINVAL')

    await security.overwrite(userKey)
    expect(sanitized).toEqual(['overwrite'])
    expect(firmware.isOverwriting()).toBe(true)
    expect(rawState(firmware).state).toBe(SecurityState.OVERWRITE)
    expect(await security.status()).toMatchObject({ state: 'overwrite' })
    expect(statusOf(firmware.call(IntelFn.QUERY_OVERWRITE, none))).toBe(IntelExtendedStatus.OQUERY_INPROGRESS)
    expect((await rejection(security.queryOverwrite())).errno).toBe('EBUSY')
    expect((await rejection(security.changeKey(userKey, otherKey))).errno).toBe('EIO')
    expect((await rejection(security.overwrite(userKey))).errno).toBe('ENXIO')
    expect((await rejection(security.freeze())).errno).toBe('EIO')

    clock.advance(INTEL_OVERWRITE_MS - 1)
    expect((await rejection(security.queryOverwrite())).errno).toBe('EBUSY')
    clock.advance(1)
    await security.queryOverwrite()
    expect(firmware.isOverwriting()).toBe(false)
    expect(await security.status()).toMatchObject({ state: 'unlocked' })
    expect((await rejection(security.queryOverwrite())).errno).toBe('ENXIO')
  })

  it('overwrite without a passphrase takes any key; a power cycle completes a running one', async () => {
    const { firmware, security } = setup()
    await security.overwrite(otherKey)
    firmware.powerCycle()
    expect(firmware.isOverwriting()).toBe(false)
    expect(await security.status()).toMatchObject({ state: 'disabled' })
  })

  it('short inputs are INVALPARM', () => {
    const { firmware } = setup()
    for (const fn of [20, 21, 22, 24, 25, 27, 28]) {
      expect(statusOf(firmware.call(fn, new Uint8Array(31)))).toBe(IntelStatus.INVALPARM)
    }
  })

  it('a QEMU dimm has no security ops', () => {
    const { firmware } = testDimm({ smart: false })
    expect(intelDimmOps(firmware).security).toBeUndefined()
  })

  it('never puts a passphrase in an error message', async () => {
    const { firmware, security } = setup()
    const text = 'hunter2-the-secret'
    const secret = new TextEncoder().encode(text)
    const hex = Buffer.from(secret).toString('hex')
    await security.changeKey(ZERO, userKey)
    firmware.powerCycle()
    const errors = [
      await rejection(security.unlock(secret)),
      await rejection(security.changeKey(secret, secret)),
      await rejection(security.erase(secret)),
      await rejection(security.erase(secret, true)),
      await rejection(security.unlock(new TextEncoder().encode(text.repeat(3)))),
    ]
    for (const error of errors) {
      expect(error.message).not.toContain(text)
      expect(error.message).not.toContain(hex)
    }
  })
})
