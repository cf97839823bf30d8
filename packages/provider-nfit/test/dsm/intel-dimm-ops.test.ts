import { describe, expect, it } from 'vitest'
import {
  decodeSmartOutput,
  decodeSmartThresholdOutput,
  encodeIntelStatus,
  IntelFn,
  intelDimmOps,
  type IntelDsmSend,
  IntelStatus,
  SMART_DEFAULTS,
  SmartHealth,
  SmartTrip,
  xlatIntelStatus,
} from '../../src/dsm/intel/index.js'
import { rejection, testDimm } from './intel-fixtures.js'

const none = new Uint8Array(0)

function setup() {
  const dimm = testDimm()
  const calls: number[] = []
  const send: IntelDsmSend = async (fn, input) => {
    calls.push(fn)
    return dimm.firmware.call(fn, input)
  }
  const smart = intelDimmOps(dimm.firmware, send).smart!
  const read = () => decodeSmartOutput(dimm.firmware.call(IntelFn.SMART, none)).smart
  return { ...dimm, smart, calls, read }
}

describe('intelDimmOps: SMART thresholds and injection', () => {
  it('reads the thresholds in degrees and percent', async () => {
    const { smart } = setup()
    expect(await smart.thresholds!()).toEqual({
      alarmTemperature: true,
      alarmControllerTemperature: false,
      alarmSpares: true,
      temperature: 40,
      controllerTemperature: 30,
      spares: 5,
    })
  })

  it('changes only the given thresholds, reading the rest from the dimm first (through `send`)', async () => {
    const { smart, firmware, calls } = setup()
    await smart.setThresholds!({ alarmControllerTemperature: true, alarmSpares: false, controllerTemperature: -3.5 })
    expect(calls).toEqual([IntelFn.SMART_THRESHOLD, IntelFn.SMART_SET_THRESHOLD])
    expect(decodeSmartThresholdOutput(firmware.call(IntelFn.SMART_THRESHOLD, none)).threshold).toEqual({
      alarmControl: SmartTrip.MTEMP | SmartTrip.CTEMP,
      spares: 5,
      mediaTemperature: 640,
      controllerTemperature: 0x8000 | 48,
    })
    await smart.setThresholds!({ spares: 20, temperature: 55 })
    expect(await smart.thresholds!()).toMatchObject({ spares: 20, temperature: 55, controllerTemperature: -3 })
  })

  it('refuses thresholds that do not fit', async () => {
    const { smart } = setup()
    expect((await rejection(smart.setThresholds!({ spares: 101 }))).errno).toBe('EINVAL')
    expect((await rejection(smart.setThresholds!({ temperature: 5000 }))).errno).toBe('EINVAL')
  })

  it('injects each field and uninjects it back to the default', async () => {
    const { smart, read, events } = setup()
    await smart.inject!({ mediaTemperature: 80, spares: 2, fatal: true, unsafeShutdown: true })
    expect(read()).toMatchObject({
      mediaTemperature: 80 * 16,
      spares: 2,
      health: SmartHealth.FATAL,
      shutdownState: 1,
      shutdownCount: 43,
    })
    expect(events.at(-1)?.reasons).toEqual(['spares', 'media-temperature', 'health', 'shutdown'])
    await smart.inject!({ uninject: ['mediaTemperature', 'spares'] })
    expect(read()).toMatchObject({ mediaTemperature: SMART_DEFAULTS.mediaTemperature, spares: 75 })
    expect(read().health).toBe(SmartHealth.FATAL)
    await smart.inject!({ uninject: ['fatal', 'unsafeShutdown'] })
    expect(read()).toMatchObject({ health: SmartHealth.NON_CRITICAL, shutdownState: 0, shutdownCount: 43 })
  })

  it('an empty injection sends nothing', async () => {
    const { smart, calls } = setup()
    await smart.inject!({ fatal: false })
    expect(calls).toEqual([])
  })

  it('has no controller-temperature injection (the Intel payload has no such field)', async () => {
    const { smart } = setup()
    expect((await rejection(smart.inject!({ controllerTemperature: 50 }))).errno).toBe('EOPNOTSUPP')
    expect((await rejection(smart.inject!({ uninject: ['controllerTemperature'] }))).errno).toBe('EOPNOTSUPP')
  })

  it('refuses injecting and uninjecting the same field, and spares beyond 100 %', async () => {
    const { smart } = setup()
    expect((await rejection(smart.inject!({ spares: 3, uninject: ['spares'] }))).errno).toBe('EINVAL')
    expect((await rejection(smart.inject!({ fatal: true, uninject: ['fatal'] }))).errno).toBe('EINVAL')
    expect((await rejection(smart.inject!({ spares: 200 }))).errno).toBe('EINVAL')
  })

  it("translates firmware status as libndctl's intel_cmd_xlat_firmware_status", async () => {
    const { firmware } = testDimm()
    const answering =
      (status: number): IntelDsmSend =>
      () =>
        encodeIntelStatus(status)
    const expectations: [number, string][] = [
      [IntelStatus.NOTSUPP, 'EOPNOTSUPP'],
      [IntelStatus.NOTEXIST, 'ENXIO'],
      [IntelStatus.INVALPARM, 'EINVAL'],
      [IntelStatus.HWERR, 'EIO'],
      [IntelStatus.RETRY, 'EAGAIN'],
      [IntelStatus.NORES, 'EAGAIN'],
      [IntelStatus.NOTREADY, 'EBUSY'],
      [IntelStatus.UNKNOWN, 'EIO'],
      [0x10007, 'ENXIO'],
    ]
    for (const [status, errno] of expectations) {
      const smart = intelDimmOps(firmware, answering(status)).smart!
      expect((await rejection(smart.inject!({ fatal: true }))).errno).toBe(errno)
    }
    expect(xlatIntelStatus(IntelFn.SMART, 0x10007)?.errno).toBe('EIO')
    expect(xlatIntelStatus(IntelFn.SMART, 0)).toBeUndefined()
  })

  it('passes transport failures through untouched', async () => {
    const { firmware } = testDimm()
    const broken: IntelDsmSend = async () => {
      const { NvdimmError } = await import('@nvdimm/core')
      throw new NvdimmError('ENOTTY', 'function not in the dsm mask')
    }
    const ops = intelDimmOps(firmware, broken)
    expect((await rejection(ops.smart!.thresholds!())).errno).toBe('ENOTTY')
    expect((await rejection(ops.security!.status())).errno).toBe('ENOTTY')
    expect((await rejection(ops.firmware!.info())).errno).toBe('ENOTTY')
  })
})
