import { type DimmOps, NvdimmError, type SmartInjection } from '@nvdimm/core'
import type { PaprScmDimmHealth } from './dimm-health-state.js'
import { PaprPdsm } from './pdsm-header.js'
import { encodePdsmSmartInject, type NdPaprPdsmSmartInject, PdsmSmartInjectFlag } from './pdsm-smart-inject-payload.js'
import { directPdsmSend, type PdsmSend, submitPdsm } from './pdsm-request.js'

type InjectField = NonNullable<SmartInjection['uninject']>[number]

/**
 * papr_smart_inject_supported(): ND_SMART_INJECT_HEALTH_STATE | ND_SMART_INJECT_UNCLEAN_SHUTDOWN.
 * `ndctl inject-smart` sends only these on a papr dimm and skips the other fields unsent.
 */
export const PAPR_SMART_INJECT_FIELDS: readonly InjectField[] = ['fatal', 'unsafeShutdown']

const UNSUPPORTED: readonly InjectField[] = ['mediaTemperature', 'controllerTemperature', 'spares']

const NAMES: Record<InjectField, string> = {
  mediaTemperature: 'media temperature',
  controllerTemperature: 'controller temperature',
  spares: 'spares',
  fatal: 'fatal',
  unsafeShutdown: 'unsafe shutdown',
}

/**
 * The PDSM request for one injection: libndctl's papr_cmd_smart_inject_fatal() and
 * _unsafe_shutdown() set the field's flag and its enable (1 inject, 0 uninject). The three
 * valued fields have no papr setter: libndctl's ndctl_cmd_smart_inject_*() answer ENXIO.
 */
export function paprSmartInjectRequest(injection: SmartInjection): NdPaprPdsmSmartInject {
  const uninject = new Set(injection.uninject ?? [])
  for (const field of UNSUPPORTED) {
    if (injection[field] !== undefined || uninject.has(field)) {
      throw new NvdimmError(
        'ENXIO',
        `papr dimms cannot inject ${NAMES[field]}: the PAPR smart inject PDSM sets only fatal and unsafe shutdown`,
      )
    }
  }
  const request: NdPaprPdsmSmartInject = { flags: 0, fatalEnable: 0, unsafeShutdownEnable: 0 }
  const fields = [
    ['fatal', PdsmSmartInjectFlag.HEALTH_FATAL, 'fatalEnable'],
    ['unsafeShutdown', PdsmSmartInjectFlag.BAD_SHUTDOWN, 'unsafeShutdownEnable'],
  ] as const
  for (const [field, flag, enable] of fields) {
    const inject = injection[field] === true
    if (inject && uninject.has(field)) {
      throw new NvdimmError('EINVAL', `${NAMES[field]} cannot be injected and uninjected at once`)
    }
    if (inject || uninject.has(field)) {
      request.flags |= flag
      request[enable] = inject ? 1 : 0
    }
  }
  return request
}

/**
 * Core's DimmOps for a papr dimm, as libndctl's papr_dimm_ops offer them: smart injection of
 * fatal and unsafe shutdown (and their uninjection) through PAPR_PDSM_SMART_INJECT, sent with
 * `send` (default: straight into the driver). No thresholds, no security, no firmware update.
 */
export function paprDimmOps(state: PaprScmDimmHealth, send: PdsmSend = directPdsmSend(state)): DimmOps {
  return {
    smart: {
      async inject(injection) {
        const request = paprSmartInjectRequest(injection)
        if (request.flags === 0) return
        await submitPdsm(send, PaprPdsm.SMART_INJECT, encodePdsmSmartInject(request))
      },
    },
  }
}
