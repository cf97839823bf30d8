import type { Health } from '@nvdimm/core'
import { decodeAnswer, directSend, type IntelDsmSend, sendIntel } from './dsm-send.js'
import type { IntelDimmFirmware } from './intel-firmware.js'
import { IntelFn } from './intel-functions.js'
import { xlatIntelStatus } from './intel-xlat.js'
import { decodeSmartOutput, type IntelSmart, SmartHealth, SmartTrip, SmartValid } from './smart-payloads.js'
import { decodeSmartTemperature } from './smart-temperature.js'

/**
 * An Intel SMART record in the common health model, field by field as ndctl's
 * util_dimm_health_to_json() (ndctl/json-smart.c) reads it: only fields whose valid bit is set.
 * Unarmed, bad shutdown and the like come from the NFIT memory-device flags, not from here.
 */
export function smartToHealth(smart: IntelSmart): Health {
  const health: Health = {}
  const valid = (bit: number): boolean => (smart.flags & bit) !== 0
  if (valid(SmartValid.HEALTH)) {
    if (smart.health & SmartHealth.FATAL) health.state = 'fatal'
    else if (smart.health & SmartHealth.CRITICAL) health.state = 'critical'
    else if (smart.health & SmartHealth.NON_CRITICAL) health.state = 'non-critical'
    else health.state = 'ok'
  }
  if (valid(SmartValid.MTEMP)) health.temperature = decodeSmartTemperature(smart.mediaTemperature)
  if (valid(SmartValid.CTEMP)) health.controllerTemperature = decodeSmartTemperature(smart.controllerTemperature)
  if (valid(SmartValid.SPARES)) health.sparesPercentage = smart.spares
  if (valid(SmartValid.ALARM)) {
    health.alarmTemperature = (smart.alarmFlags & SmartTrip.MTEMP) !== 0
    health.alarmControllerTemperature = (smart.alarmFlags & SmartTrip.CTEMP) !== 0
    health.alarmSpares = (smart.alarmFlags & SmartTrip.SPARE) !== 0
  }
  if (valid(SmartValid.USED)) health.lifeUsedPercentage = smart.lifeUsed
  if (valid(SmartValid.SHUTDOWN)) health.shutdownState = smart.shutdownState ? 'dirty' : 'clean'
  if (valid(SmartValid.SHUTDOWN_COUNT)) health.shutdownCount = smart.shutdownCount
  return health
}

/**
 * Read SMART (function 1) and translate it. A dimm without SMART (QEMU's) answers "not
 * supported": EOPNOTSUPP — such a dimm should have no `health` in its descriptor at all.
 */
export async function intelHealth(
  firmware: IntelDimmFirmware,
  send: IntelDsmSend = directSend(firmware),
): Promise<Health> {
  const { output, status } = await sendIntel(send, IntelFn.SMART)
  const failure = xlatIntelStatus(IntelFn.SMART, status)
  if (failure) throw failure
  return smartToHealth(decodeAnswer(IntelFn.SMART, output, decodeSmartOutput).smart)
}
