import { completeCmdPkg, decodeCmdPkg, DimmFamily, encodeCmdPkg } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  encodeSmartInjectInput,
  encodeSmartTemperature,
  IntelFn,
  intelHealth,
  type IntelDimmFirmware,
  type IntelDsmSend,
  SMART_DEFAULTS,
  SmartHealth,
  SmartInjectFlag,
  smartToHealth,
  SmartTrip,
  SmartValid,
} from '../../src/dsm/intel/index.js'
import { rejection, testDimm } from './intel-fixtures.js'

/** The whole round trip a provider makes: an nd_cmd_pkg in, the DSM, the completed envelope out. */
function throughEnvelope(firmware: IntelDimmFirmware): IntelDsmSend {
  return (fn, input) => {
    const envelope = encodeCmdPkg({ family: DimmFamily.INTEL, command: fn, input, outputSize: 256 })
    const request = decodeCmdPkg(envelope)
    const reply = decodeCmdPkg(completeCmdPkg(envelope, firmware.call(request.command, request.input)))
    return reply.output.subarray(0, Math.min(reply.fwSize, reply.sizeOut))
  }
}

describe('Intel SMART → health', () => {
  it("nfit_test's defaults read as ndctl prints them", async () => {
    const { firmware } = testDimm()
    expect(await intelHealth(firmware)).toEqual({
      state: 'non-critical',
      temperature: 23,
      controllerTemperature: 25,
      sparesPercentage: 75,
      alarmTemperature: true,
      alarmControllerTemperature: false,
      alarmSpares: true,
      lifeUsedPercentage: 5,
      shutdownState: 'clean',
      shutdownCount: 42,
    })
  })

  it('goes through an nd_cmd_pkg envelope the same way', async () => {
    const { firmware } = testDimm()
    expect(await intelHealth(firmware, throughEnvelope(firmware))).toEqual(await intelHealth(firmware))
  })

  it('follows injections: fatal, negative temperature, dirty shutdown', async () => {
    const { firmware } = testDimm()
    firmware.call(
      IntelFn.SMART_INJECT,
      encodeSmartInjectInput({
        flags: SmartInjectFlag.FATAL | SmartInjectFlag.MTEMP | SmartInjectFlag.SHUTDOWN,
        mtempEnable: 1,
        mediaTemperature: encodeSmartTemperature(-10),
        spareEnable: 0,
        spares: 0,
        fatalEnable: 1,
        unsafeShutdownEnable: 1,
      }),
    )
    expect(await intelHealth(firmware)).toMatchObject({
      state: 'fatal',
      temperature: -10,
      shutdownState: 'dirty',
      shutdownCount: 43,
    })
  })

  it('reports only fields whose valid bit is set, and ranks fatal > critical > non-critical > ok', () => {
    const base = { ...SMART_DEFAULTS, vendorData: new Uint8Array(0) }
    expect(smartToHealth({ ...base, flags: 0 })).toEqual({})
    expect(smartToHealth({ ...base, flags: SmartValid.SPARES | SmartValid.USED })).toEqual({
      sparesPercentage: 75,
      lifeUsedPercentage: 5,
    })
    const state = (health: number) => smartToHealth({ ...base, flags: SmartValid.HEALTH, health }).state
    expect(state(0)).toBe('ok')
    expect(state(SmartHealth.NON_CRITICAL)).toBe('non-critical')
    expect(state(SmartHealth.NON_CRITICAL | SmartHealth.CRITICAL)).toBe('critical')
    expect(state(SmartHealth.CRITICAL | SmartHealth.FATAL)).toBe('fatal')
    expect(smartToHealth({ ...base, flags: SmartValid.ALARM, alarmFlags: SmartTrip.CTEMP | SmartTrip.SPARE })).toEqual({
      alarmTemperature: false,
      alarmControllerTemperature: true,
      alarmSpares: true,
    })
  })

  it('a QEMU dimm has no SMART: EOPNOTSUPP', async () => {
    const { firmware } = testDimm({ smart: false })
    expect((await rejection(intelHealth(firmware))).errno).toBe('EOPNOTSUPP')
  })

  it('a short or status-less answer is an I/O error', async () => {
    const { firmware } = testDimm()
    const short: IntelDsmSend = (fn, input) => firmware.call(fn, input).subarray(0, 100)
    expect((await rejection(intelHealth(firmware, short))).errno).toBe('EIO')
    expect((await rejection(intelHealth(firmware, () => new Uint8Array(2)))).errno).toBe('EIO')
  })
})
