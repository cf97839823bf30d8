import { type Health, type HealthState, NvdimmError, worseHealthState } from '@nvdimm/core'
import {
  ADMIN_COMMAND_SMART,
  fieldFromBytes,
  GLOBAL_MMIO_CHI_CFFS,
  GLOBAL_MMIO_CHI_CHFS,
  GLOBAL_MMIO_CHI_MA,
  DATA_HEADER_SIZE,
  DATA_IDENTIFIER,
  DATA_LENGTH,
  type RegisterField,
  SMART_ALARM_CONTROLLER_TEMPERATURE,
  SMART_ALARM_SPARES,
  SMART_ALARM_TEMPERATURE,
  SMART_ALARMS,
  SMART_CONTROLLER_TEMPERATURE,
  SMART_DIRTY_SHUTDOWN_COUNT,
  SMART_HEALTH_STATE,
  SMART_HEALTH_STATES,
  SMART_IDENTIFIER,
  SMART_LAST_SHUTDOWN_DIRTY,
  SMART_LENGTH,
  SMART_LIFE_USED_PERCENTAGE,
  SMART_MEDIA_TEMPERATURE,
  SMART_SPARES_PERCENTAGE,
} from '../card/index.js'
import type { AdminCommandEngine } from './admin-command-engine.js'
import { chiConditions } from './chi-events.js'

function signed16(value: bigint): number {
  const n = Number(value)
  return n >= 0x8000 ? n - 0x10000 : n
}

/** The 'SM' block SMART returns, as core's Health; EINVAL if it is not one. */
export function decodeSmart(bytes: Uint8Array): Health {
  const identifier = fieldFromBytes(bytes, DATA_IDENTIFIER)
  const length = fieldFromBytes(bytes, DATA_LENGTH)
  if (identifier !== BigInt(SMART_IDENTIFIER) || length === undefined || length < SMART_LENGTH) {
    throw new NvdimmError('EINVAL', "SMART data does not start with an 'SM' header of at least 16 bytes")
  }
  if (bytes.length < DATA_HEADER_SIZE + SMART_LENGTH) {
    throw new NvdimmError('EINVAL', `SMART data is ${bytes.length} bytes, ${DATA_HEADER_SIZE + SMART_LENGTH} needed`)
  }
  const get = (f: RegisterField) => fieldFromBytes(bytes, f) ?? 0n
  const state = SMART_HEALTH_STATES[Number(get(SMART_HEALTH_STATE))]
  if (state === undefined) {
    throw new NvdimmError('EINVAL', `SMART health state ${get(SMART_HEALTH_STATE)} is not one of 0..3`)
  }
  const alarms = Number(get(SMART_ALARMS))
  const dirty = get(SMART_LAST_SHUTDOWN_DIRTY) === 1n
  return {
    state,
    temperature: signed16(get(SMART_MEDIA_TEMPERATURE)),
    controllerTemperature: signed16(get(SMART_CONTROLLER_TEMPERATURE)),
    sparesPercentage: Number(get(SMART_SPARES_PERCENTAGE)),
    lifeUsedPercentage: Number(get(SMART_LIFE_USED_PERCENTAGE)),
    alarmTemperature: (alarms & SMART_ALARM_TEMPERATURE) !== 0,
    alarmSpares: (alarms & SMART_ALARM_SPARES) !== 0,
    alarmControllerTemperature: (alarms & SMART_ALARM_CONTROLLER_TEMPERATURE) !== 0,
    shutdownState: dirty ? 'dirty' : 'clean',
    shutdownCount: Number(get(SMART_DIRTY_SHUTDOWN_COUNT)),
  }
}

/**
 * The card's health: SMART for the numbers, CHI for the facts SMART cannot report once the
 * controller is dead, and for the four conditions as health facts. A firmware or hardware fatal bit makes the state fatal and the dimm unarmed;
 * so does memory that is no longer available. If SMART fails on a fatal card, CHI alone answers.
 */
export async function ocxlHealth(engine: AdminCommandEngine): Promise<Health> {
  const chi = engine.chi()
  const fatal = (chi & (GLOBAL_MMIO_CHI_CFFS | GLOBAL_MMIO_CHI_CHFS)) !== 0n
  let health: Health
  try {
    health = decodeSmart((await engine.execute(ADMIN_COMMAND_SMART)).data)
  } catch (error) {
    if (!fatal) throw error
    health = {}
  }
  const state: HealthState = fatal ? worseHealthState(health.state ?? 'ok', 'fatal') : (health.state ?? 'ok')
  const conditions = chiConditions(chi)
  return {
    ...health,
    state,
    unarmed: fatal || !(chi & GLOBAL_MMIO_CHI_MA),
    errorLogAvailable: conditions.has('error-log-available'),
    controllerDumpAvailable: conditions.has('controller-dump-available'),
    firmwareFatal: conditions.has('firmware-fatal'),
    hardwareFatal: conditions.has('hardware-fatal'),
  }
}
