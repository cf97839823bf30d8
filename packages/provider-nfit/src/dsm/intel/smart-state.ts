import { encodeStatus } from '@nvdimm/core'
import { z } from 'zod'
import { IntelStatus } from './intel-status.js'
import { decodeSmartTemperature } from './smart-temperature.js'
import {
  decodeSetThresholdInput,
  decodeSmartInjectInput,
  encodeSmartOutput,
  encodeSmartThresholdOutput,
  type IntelSmart,
  type IntelSmartThreshold,
  SMART_INJECT_INPUT_SIZE,
  SMART_SET_THRESHOLD_INPUT_SIZE,
  SmartHealth,
  SmartInjectFlag,
  SmartTrip,
  SmartValid,
} from './smart-payloads.js'

/** nfit_test's smart_def (tools/testing/nvdimm/test/nfit.c): what every emulated dimm starts with. */
export const SMART_DEFAULTS: Readonly<Omit<IntelSmart, 'vendorData'>> = Object.freeze({
  flags:
    SmartValid.HEALTH |
    SmartValid.SPARES |
    SmartValid.ALARM |
    SmartValid.USED |
    SmartValid.SHUTDOWN |
    SmartValid.SHUTDOWN_COUNT |
    SmartValid.MTEMP |
    SmartValid.CTEMP,
  health: SmartHealth.NON_CRITICAL,
  mediaTemperature: 23 * 16,
  controllerTemperature: 25 * 16,
  pmicTemperature: 40 * 16,
  spares: 75,
  alarmFlags: SmartTrip.SPARE | SmartTrip.MTEMP,
  aitStatus: 1,
  lifeUsed: 5,
  shutdownState: 0,
  shutdownCount: 42,
  vendorSize: 0,
})

/** nfit_test's smart_init() thresholds: spare and media-temperature alarms on, 40 °C, 30 °C, 5 %. */
export const SMART_THRESHOLD_DEFAULTS: Readonly<IntelSmartThreshold> = Object.freeze({
  alarmControl: SmartTrip.SPARE | SmartTrip.MTEMP,
  mediaTemperature: 40 * 16,
  controllerTemperature: 30 * 16,
  spares: 5,
})

/** Why smart_notify() would raise NFIT_NOTIFY_DIMM_HEALTH. */
export type SmartNotifyReason = 'spares' | 'media-temperature' | 'controller-temperature' | 'health' | 'shutdown'

const u8 = z.number().int().min(0).max(0xff)
const u16 = z.number().int().min(0).max(0xffff)
const u32 = z.number().int().min(0).max(0xffffffff)

export const smartStateSchema = z.strictObject({
  smart: z.strictObject({
    flags: u32,
    health: u8,
    spares: u8,
    lifeUsed: u8,
    alarmFlags: u8,
    mediaTemperature: u16,
    controllerTemperature: u16,
    pmicTemperature: u16,
    aitStatus: u8,
    shutdownState: u8,
    shutdownCount: u32,
  }),
  thresholds: z.strictObject({
    alarmControl: u16,
    spares: u8,
    mediaTemperature: u16,
    controllerTemperature: u16,
  }),
})

export type SmartStateJson = z.infer<typeof smartStateSchema>

/**
 * The SMART side of an Intel dimm as nfit_test emulates it: the health record (function 1), the
 * alarm thresholds (2, set by 17) and error injection (18), where each injected field can be put
 * back to smart_def's value.
 */
export class IntelSmartState {
  private smart: Omit<IntelSmart, 'vendorData'>
  private threshold: IntelSmartThreshold

  constructor(json?: SmartStateJson) {
    this.smart = json ? { ...json.smart, vendorSize: 0 } : { ...SMART_DEFAULTS }
    this.threshold = json ? { ...json.thresholds } : { ...SMART_THRESHOLD_DEFAULTS }
  }

  /** Function 1. */
  read(): Uint8Array {
    return encodeSmartOutput(IntelStatus.SUCCESS, { ...this.smart, vendorData: new Uint8Array(0) })
  }

  /** Function 2. */
  readThreshold(): Uint8Array {
    return encodeSmartThresholdOutput(IntelStatus.SUCCESS, this.threshold)
  }

  /** Function 17: all four thresholds are replaced, as nfit_test copies the 7 bytes. */
  setThreshold(input: Uint8Array): { output: Uint8Array; notify: SmartNotifyReason[] } {
    if (input.length < SMART_SET_THRESHOLD_INPUT_SIZE)
      return { output: encodeStatus(IntelStatus.INVALPARM), notify: [] }
    this.threshold = decodeSetThresholdInput(input)
    return { output: encodeStatus(IntelStatus.SUCCESS), notify: this.notifyReasons() }
  }

  /**
   * Function 18. Each flagged field is injected when its enable byte is set and otherwise
   * restored to smart_def: fatal makes health FATAL (uninject: NON_CRITICAL), an unsafe shutdown
   * sets shutdown_state and counts one more dirty shutdown (uninject clears the state only).
   */
  inject(input: Uint8Array): { output: Uint8Array; notify: SmartNotifyReason[] } {
    if (input.length < SMART_INJECT_INPUT_SIZE) return { output: encodeStatus(IntelStatus.INVALPARM), notify: [] }
    const inject = decodeSmartInjectInput(input)
    if (inject.flags & SmartInjectFlag.MTEMP) {
      this.smart.mediaTemperature = inject.mtempEnable ? inject.mediaTemperature : SMART_DEFAULTS.mediaTemperature
    }
    if (inject.flags & SmartInjectFlag.SPARE) {
      this.smart.spares = inject.spareEnable ? inject.spares : SMART_DEFAULTS.spares
    }
    if (inject.flags & SmartInjectFlag.FATAL) {
      this.smart.health = inject.fatalEnable ? SmartHealth.FATAL : SMART_DEFAULTS.health
    }
    if (inject.flags & SmartInjectFlag.SHUTDOWN) {
      if (inject.unsafeShutdownEnable) this.dirtyShutdown()
      else this.smart.shutdownState = 0
    }
    return { output: encodeStatus(IntelStatus.SUCCESS), notify: this.notifyReasons() }
  }

  /** The last shutdown lost power without the platform's flush: latched and counted. */
  dirtyShutdown(): void {
    this.smart.shutdownState = 1
    this.smart.shutdownCount = (this.smart.shutdownCount + 1) >>> 0
  }

  cleanShutdown(): void {
    this.smart.shutdownState = 0
  }

  /**
   * smart_notify()'s conditions: an enabled alarm whose threshold is reached (spares at or
   * below, temperatures at or above — compared in degrees, not raw bits), health other than
   * smart_def's, or a dirty shutdown.
   */
  notifyReasons(): SmartNotifyReason[] {
    const reasons: SmartNotifyReason[] = []
    const { alarmControl } = this.threshold
    if (alarmControl & SmartTrip.SPARE && this.smart.spares <= this.threshold.spares) reasons.push('spares')
    if (
      alarmControl & SmartTrip.MTEMP &&
      decodeSmartTemperature(this.smart.mediaTemperature) >= decodeSmartTemperature(this.threshold.mediaTemperature)
    ) {
      reasons.push('media-temperature')
    }
    if (
      alarmControl & SmartTrip.CTEMP &&
      decodeSmartTemperature(this.smart.controllerTemperature) >=
        decodeSmartTemperature(this.threshold.controllerTemperature)
    ) {
      reasons.push('controller-temperature')
    }
    if (this.smart.health !== SMART_DEFAULTS.health) reasons.push('health')
    if (this.smart.shutdownState !== 0) reasons.push('shutdown')
    return reasons
  }

  toJSON(): SmartStateJson {
    const { vendorSize: _vendorSize, ...smart } = this.smart
    return { smart, thresholds: { ...this.threshold } }
  }
}
