/**
 * The common health model. Each provider translates its native report (Intel SMART payload,
 * PAPR H_SCM_HEALTH bitmap and PDSM, OpenCAPI SMART) into this shape. A field that is
 * `undefined` is "not supported by this provider", as ndctl omits a field whose
 * ND_SMART_*_VALID bit is clear.
 */

export const HEALTH_STATES = ['ok', 'non-critical', 'critical', 'fatal'] as const
export type HealthState = (typeof HEALTH_STATES)[number]

export type ShutdownState = 'clean' | 'dirty'

export interface Health {
  state?: HealthState
  /** Media temperature, degrees Celsius. */
  temperature?: number
  controllerTemperature?: number
  /** Spare blocks remaining, percent. */
  sparesPercentage?: number
  lifeUsedPercentage?: number
  alarmTemperature?: boolean
  alarmControllerTemperature?: boolean
  alarmSpares?: boolean
  shutdownState?: ShutdownState
  /** Dirty (unsafe) shutdowns seen by the dimm. */
  shutdownCount?: number
  /** Writes may not persist (NDD_UNARMED / PAPR "unarmed"). */
  unarmed?: boolean
  /** The last shutdown did not save data (PAPR bad_shutdown, NFIT save failed). */
  badShutdown?: boolean
  /** Data was not restored on the last boot. */
  badRestore?: boolean
  /** A scrub has completed since boot. */
  scrubbed?: boolean
  locked?: boolean
  encrypted?: boolean
  /**
   * Conditions a controller raises beside SMART (the OpenCAPI card's CHI bits), reported while
   * they hold; undefined where the provider has no such indicator.
   */
  errorLogAvailable?: boolean
  controllerDumpAvailable?: boolean
  firmwareFatal?: boolean
  hardwareFatal?: boolean
}

/** The controller conditions, as Health fields and as the names events and JSON use. */
export const CONTROLLER_CONDITIONS = [
  ['errorLogAvailable', 'error-log-available'],
  ['controllerDumpAvailable', 'controller-dump-available'],
  ['firmwareFatal', 'firmware-fatal'],
  ['hardwareFatal', 'hardware-fatal'],
] as const
export type ControllerCondition = (typeof CONTROLLER_CONDITIONS)[number][1]

/** The health of a dimm whose provider reports nothing: every field unsupported. */
export const HEALTH_UNSUPPORTED: Readonly<Health> = Object.freeze({})

const SEVERITY: Record<HealthState, number> = { ok: 0, 'non-critical': 1, critical: 2, fatal: 3 }

/** The worse of two states, for providers that derive the state from several facts. */
export function worseHealthState(a: HealthState, b: HealthState): HealthState {
  return SEVERITY[a] >= SEVERITY[b] ? a : b
}
