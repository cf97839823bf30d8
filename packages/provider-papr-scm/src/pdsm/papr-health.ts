import type { Health, HealthState } from '@nvdimm/core'
import type { PaprScmDimmHealth } from './dimm-health-state.js'
import { PaprPdsm } from './pdsm-header.js'
import {
  decodePdsmHealth,
  type NdPaprPdsmHealth,
  PaprPdsmDimmHealth,
  PdsmHealthExtension,
} from './pdsm-health-payload.js'
import { directPdsmSend, type PdsmSend, submitPdsm } from './pdsm-request.js'

/**
 * papr_smart_get_health(): dimm_health n maps to ND_SMART_*_HEALTH bit n-1, so unhealthy is
 * ndctl's non-critical; any other value sets none of ndctl's bits and reads as ok.
 */
function healthStateOf(dimmHealth: number): HealthState {
  switch (dimmHealth) {
    case PaprPdsmDimmHealth.FATAL:
      return 'fatal'
    case PaprPdsmDimmHealth.CRITICAL:
      return 'critical'
    case PaprPdsmDimmHealth.UNHEALTHY:
      return 'non-critical'
    default:
      return 'ok'
  }
}

/**
 * A PDSM health payload in the common model, as libndctl's papr ops read it
 * (ndctl/lib/papr.c, v76.1): papr_smart_get_flags() reports HEALTH and SHUTDOWN always, USED
 * with the fuel gauge and SHUTDOWN_COUNT with the dirty shutdown counter, so `ndctl list -DH`
 * shows health_state, life_used_percentage, shutdown_state and shutdown_count and nothing
 * else. Life used is 100 minus the gauge and the count the low 32 bits of dimm_dsc, both
 * printed through json_object_new_int() (signed 32-bit). The six flags have no JSON of
 * their own; they are the model's.
 */
export function pdsmHealthToHealth(pdsm: NdPaprPdsmHealth): Health {
  const health: Health = {
    state: healthStateOf(pdsm.dimmHealth),
    shutdownState: pdsm.dimmBadShutdown ? 'dirty' : 'clean',
    unarmed: pdsm.dimmUnarmed !== 0,
    badShutdown: pdsm.dimmBadShutdown !== 0,
    badRestore: pdsm.dimmBadRestore !== 0,
    scrubbed: pdsm.dimmScrubbed !== 0,
    locked: pdsm.dimmLocked !== 0,
    encrypted: pdsm.dimmEncrypted !== 0,
  }
  if (pdsm.extensionFlags & PdsmHealthExtension.RUN_GAUGE_VALID) {
    health.lifeUsedPercentage = (100 - pdsm.dimmFuelGauge) | 0
  }
  if (pdsm.extensionFlags & PdsmHealthExtension.DSC_VALID) {
    health.shutdownCount = Number(BigInt.asIntN(32, pdsm.dimmDsc))
  }
  return health
}

/**
 * What ndctl makes of a dimm's health: PAPR_PDSM_HEALTH sent as libndctl sends it, through
 * `send` (default: straight into the driver), and read back as libndctl reads it. A failed
 * ioctl or a negative cmd_status rejects (ndctl prints health_state "unknown"); a positive
 * cmd_status makes papr_smart_get_flags() report nothing, so every field is unsupported.
 */
export async function paprHealth(state: PaprScmDimmHealth, send: PdsmSend = directPdsmSend(state)): Promise<Health> {
  const reply = await submitPdsm(send, PaprPdsm.HEALTH)
  if (reply.header.cmdStatus !== 0) return {}
  return pdsmHealthToHealth(decodePdsmHealth(reply.payload))
}
