import { describe, expect, it } from 'vitest'
import {
  decodeSmartOutput,
  decodeSmartThresholdOutput,
  encodeSetThresholdInput,
  encodeSmartInjectInput,
  encodeSmartTemperature,
  IntelFn,
  IntelStatus,
  NFIT_NOTIFY_DIMM_HEALTH,
  SMART_DEFAULTS,
  SmartHealth,
  SmartInjectFlag,
  SmartTrip,
  SmartValid,
} from '../../src/dsm/intel/index.js'
import { statusOf, testDimm } from './intel-fixtures.js'

const none = new Uint8Array(0)

function inject(fields: Partial<Parameters<typeof encodeSmartInjectInput>[0]>): Uint8Array {
  return encodeSmartInjectInput({
    flags: 0n,
    mtempEnable: 0,
    mediaTemperature: 0,
    spareEnable: 0,
    spares: 0,
    fatalEnable: 0,
    unsafeShutdownEnable: 0,
    ...fields,
  })
}

describe('Intel SMART emulation (nfit_test smart_def)', () => {
  it('answers smart_def: non-critical, 23 °C = 368, 25 °C, 75 % spares, 5 % used, 42 dirty shutdowns', () => {
    const { firmware } = testDimm()
    const out = firmware.call(IntelFn.SMART, none)
    expect(out.length).toBe(132)
    const { status, smart } = decodeSmartOutput(out)
    expect(status).toBe(IntelStatus.SUCCESS)
    expect(smart.flags).toBe(
      SmartValid.HEALTH |
        SmartValid.SPARES |
        SmartValid.ALARM |
        SmartValid.USED |
        SmartValid.SHUTDOWN |
        SmartValid.SHUTDOWN_COUNT |
        SmartValid.MTEMP |
        SmartValid.CTEMP,
    )
    expect(smart.health).toBe(SmartHealth.NON_CRITICAL)
    expect(smart.mediaTemperature).toBe(368)
    expect(smart.controllerTemperature).toBe(25 * 16)
    expect(smart.pmicTemperature).toBe(40 * 16)
    expect(smart.spares).toBe(75)
    expect(smart.alarmFlags).toBe(SmartTrip.SPARE | SmartTrip.MTEMP)
    expect(smart.aitStatus).toBe(1)
    expect(smart.lifeUsed).toBe(5)
    expect(smart.shutdownState).toBe(0)
    expect(smart.shutdownCount).toBe(42)
    expect(smart.vendorSize).toBe(0)
  })

  it('thresholds default to spare and media-temperature alarms at 5 %, 40 °C (ctrl 30 °C)', () => {
    const { firmware } = testDimm()
    const { status, threshold } = decodeSmartThresholdOutput(firmware.call(IntelFn.SMART_THRESHOLD, none))
    expect(status).toBe(0)
    expect(threshold).toEqual({
      alarmControl: SmartTrip.SPARE | SmartTrip.MTEMP,
      spares: 5,
      mediaTemperature: 640,
      controllerTemperature: 480,
    })
  })

  it('set threshold replaces all four values; no notification while nothing trips', () => {
    const { firmware, events } = testDimm()
    const next = {
      alarmControl: SmartTrip.CTEMP | SmartTrip.SPARE,
      spares: 10,
      mediaTemperature: encodeSmartTemperature(60),
      controllerTemperature: encodeSmartTemperature(70),
    }
    expect(statusOf(firmware.call(IntelFn.SMART_SET_THRESHOLD, encodeSetThresholdInput(next)))).toBe(0)
    expect(decodeSmartThresholdOutput(firmware.call(IntelFn.SMART_THRESHOLD, none)).threshold).toEqual(next)
    expect(events).toEqual([])
    expect(statusOf(firmware.call(IntelFn.SMART_SET_THRESHOLD, new Uint8Array(6)))).toBe(IntelStatus.INVALPARM)
  })

  it('raises the health notification when a threshold is crossed (smart_notify)', () => {
    const { firmware, events } = testDimm()
    const trip = {
      alarmControl: SmartTrip.MTEMP | SmartTrip.CTEMP | SmartTrip.SPARE,
      spares: 75,
      mediaTemperature: encodeSmartTemperature(23),
      controllerTemperature: encodeSmartTemperature(25),
    }
    firmware.call(IntelFn.SMART_SET_THRESHOLD, encodeSetThresholdInput(trip))
    expect(events).toEqual([
      { event: NFIT_NOTIFY_DIMM_HEALTH, reasons: ['spares', 'media-temperature', 'controller-temperature'] },
    ])
  })

  it('compares temperatures in degrees: a negative reading is below any positive threshold', () => {
    const { firmware, events } = testDimm()
    firmware.call(
      IntelFn.SMART_INJECT,
      inject({ flags: SmartInjectFlag.MTEMP, mtempEnable: 1, mediaTemperature: encodeSmartTemperature(-40) }),
    )
    expect(events).toEqual([])
  })

  it('injects and uninjects each field, uninject restoring smart_def', () => {
    const { firmware, events } = testDimm()
    const read = () => decodeSmartOutput(firmware.call(IntelFn.SMART, none)).smart

    firmware.call(
      IntelFn.SMART_INJECT,
      inject({ flags: SmartInjectFlag.MTEMP, mtempEnable: 1, mediaTemperature: encodeSmartTemperature(45) }),
    )
    expect(read().mediaTemperature).toBe(45 * 16)
    expect(events.at(-1)?.reasons).toEqual(['media-temperature'])
    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.MTEMP, mediaTemperature: 999 }))
    expect(read().mediaTemperature).toBe(SMART_DEFAULTS.mediaTemperature)

    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.SPARE, spareEnable: 1, spares: 3 }))
    expect(read().spares).toBe(3)
    expect(events.at(-1)?.reasons).toEqual(['spares'])
    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.SPARE }))
    expect(read().spares).toBe(75)

    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.FATAL, fatalEnable: 1 }))
    expect(read().health).toBe(SmartHealth.FATAL)
    expect(events.at(-1)?.reasons).toEqual(['health'])
    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.FATAL }))
    expect(read().health).toBe(SmartHealth.NON_CRITICAL)

    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.SHUTDOWN, unsafeShutdownEnable: 1 }))
    expect(read().shutdownState).toBe(1)
    expect(read().shutdownCount).toBe(43)
    expect(events.at(-1)?.reasons).toEqual(['shutdown'])
    firmware.call(IntelFn.SMART_INJECT, inject({ flags: SmartInjectFlag.SHUTDOWN }))
    expect(read().shutdownState).toBe(0)
    expect(read().shutdownCount).toBe(43)

    const eventsBefore = events.length
    firmware.call(IntelFn.SMART_INJECT, inject({ flags: 0n, spares: 1, spareEnable: 1 }))
    expect(read().spares).toBe(75)
    expect(events.length).toBe(eventsBefore)
  })

  it('refuses a short inject with INVALPARM and changes nothing', () => {
    const { firmware } = testDimm()
    const input = inject({ flags: SmartInjectFlag.FATAL, fatalEnable: 1 })
    expect(statusOf(firmware.call(IntelFn.SMART_INJECT, input.subarray(0, 14)))).toBe(IntelStatus.INVALPARM)
    expect(decodeSmartOutput(firmware.call(IntelFn.SMART, none)).smart.health).toBe(SmartHealth.NON_CRITICAL)
  })

  it('power cycles latch a dirty shutdown and count it, a clean one reads clean', () => {
    const { firmware } = testDimm()
    const read = () => decodeSmartOutput(firmware.call(IntelFn.SMART, none)).smart
    firmware.powerCycle({ dirtyShutdown: true })
    expect(read()).toMatchObject({ shutdownState: 1, shutdownCount: 43 })
    firmware.powerCycle()
    expect(read()).toMatchObject({ shutdownState: 0, shutdownCount: 43 })
  })

  it('LSS accepts 0 and 1 only', () => {
    const { firmware } = testDimm()
    expect(statusOf(firmware.call(IntelFn.ENABLE_LSS_STATUS, Uint8Array.of(1)))).toBe(0)
    expect(firmware.toJSON().latchShutdown).toBe(true)
    expect(statusOf(firmware.call(IntelFn.ENABLE_LSS_STATUS, Uint8Array.of(0)))).toBe(0)
    expect(statusOf(firmware.call(IntelFn.ENABLE_LSS_STATUS, Uint8Array.of(2)))).toBe(IntelStatus.INVALPARM)
    expect(statusOf(firmware.call(IntelFn.ENABLE_LSS_STATUS, none))).toBe(IntelStatus.INVALPARM)
  })

  it('a QEMU dimm (smart: false) answers "not supported" for everything but the label functions', () => {
    const { firmware } = testDimm({ smart: false })
    for (let fn = 1; fn <= 31; fn++) {
      const out = firmware.call(fn, new Uint8Array(64))
      if (fn >= 4 && fn <= 6) expect(statusOf(out)).not.toBe(IntelStatus.NOTSUPP)
      else expect([...out]).toEqual([IntelStatus.NOTSUPP, 0, 0, 0])
    }
    expect(statusOf(firmware.call(IntelFn.QUERY, none))).toBe(0x71)
  })

  it('function 0 lists what an nfit_test dimm implements; unknown functions are not supported', () => {
    const { firmware } = testDimm()
    const mask = statusOf(firmware.call(IntelFn.QUERY, none))
    expect(mask).toBe(firmware.supportedFunctions)
    expect(mask & 1).toBe(1)
    for (const fn of [3, 7, 8, 9, 11, 29, 30, 31, 32, -1, 1.5]) {
      expect(firmware.supports(fn)).toBe(false)
      expect(statusOf(firmware.call(fn, none))).toBe(IntelStatus.NOTSUPP)
    }
  })
})
