import type { DimmSecurityOps } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  decodeSmartOutput,
  encodeSmartInjectInput,
  IntelDimmFirmware,
  IntelFn,
  intelDimmOps,
  intelHealth,
  SmartInjectFlag,
} from '../../src/dsm/intel/index.js'
import { key, testDimm, thrown } from './intel-fixtures.js'

describe('Intel firmware state as JSON', () => {
  it('round-trips across a power cycle: passphrase, injections, firmware update', async () => {
    const { firmware, options, clock } = testDimm()
    const ops = intelDimmOps(firmware)
    await ops.security!.changeKey(new Uint8Array(0), key('pw'))
    await ops.security!.changeKey(new Uint8Array(0), key('master'), true)
    firmware.call(
      IntelFn.SMART_INJECT,
      encodeSmartInjectInput({
        flags: SmartInjectFlag.SPARE | SmartInjectFlag.SHUTDOWN,
        mtempEnable: 0,
        mediaTemperature: 0,
        spareEnable: 1,
        spares: 12,
        fatalEnable: 0,
        unsafeShutdownEnable: 1,
      }),
    )
    const context = await ops.firmware!.start()
    await ops.firmware!.finish(context)
    clock.advance(5000)
    await ops.firmware!.query(context)

    const saved = JSON.parse(JSON.stringify(firmware.toJSON()))
    expect(saved.firmwareUpdate.updatedVersion).toBe('0xffffffffabcd')
    expect(saved.security.passphrase).toMatch(/^[0-9a-f]{64}$/)
    const restored = IntelDimmFirmware.fromJSON(saved, options)
    expect(restored.toJSON()).toEqual(firmware.toJSON())
    expect(restored.call(IntelFn.SMART, new Uint8Array(0))).toEqual(firmware.call(IntelFn.SMART, new Uint8Array(0)))

    restored.powerCycle({ dirtyShutdown: true })
    const again = IntelDimmFirmware.fromJSON(JSON.parse(JSON.stringify(restored.toJSON())), options)
    expect(again.isLocked()).toBe(true)
    const security = intelDimmOps(again).security as DimmSecurityOps
    await expect(security.unlock(key('nope'))).rejects.toMatchObject({ errno: 'EINVAL' })
    await security.unlock(key('pw'))
    expect(await security.status()).toMatchObject({ state: 'unlocked', frozen: false, masterEnabled: true })
    await security.changeKey(key('master'), key('master2'), true)
    expect(decodeSmartOutput(again.call(IntelFn.SMART, new Uint8Array(0))).smart).toMatchObject({
      spares: 12,
      shutdownState: 1,
      shutdownCount: 44,
    })
    expect(await intelDimmOps(again).firmware!.info()).toMatchObject({ runVersion: 0xffffffffabcdn })
    expect(await intelHealth(again)).toMatchObject({ sparesPercentage: 12, shutdownState: 'dirty' })
  })

  it('keeps an overwrite running across a save, with its deadline', async () => {
    const { firmware, options, clock } = testDimm()
    await intelDimmOps(firmware).security!.overwrite(new Uint8Array(0))
    const restored = IntelDimmFirmware.fromJSON(firmware.toJSON(), options)
    expect(restored.isOverwriting()).toBe(true)
    const security = intelDimmOps(restored).security!
    await expect(security.queryOverwrite()).rejects.toMatchObject({ errno: 'EBUSY' })
    clock.advance(5000)
    await security.queryOverwrite()
  })

  it('refuses state that does not validate with EINVAL, without echoing secrets', () => {
    const { firmware, options } = testDimm()
    const good = firmware.toJSON()
    const secret = 'ab'.repeat(31) + 'zz'
    const cases: unknown[] = [
      null,
      42,
      'state',
      {},
      { ...good, version: 2 },
      { ...good, extra: true },
      { ...good, smart: { ...good.smart, smart: { ...good.smart.smart, spares: 256 } } },
      { ...good, security: { ...good.security, passphrase: secret } },
      { ...good, security: { ...good.security, locked: true, enabled: false } },
      { ...good, firmwareUpdate: { ...good.firmwareUpdate, runVersion: '0x1' + '0'.repeat(16) } },
      { ...good, firmwareUpdate: { ...good.firmwareUpdate, state: 'flashing' } },
    ]
    for (const json of cases) {
      const error = thrown(() => IntelDimmFirmware.fromJSON(json, options))
      expect(error.errno).toBe('EINVAL')
      expect(error.message).not.toContain(secret)
    }
  })
})
