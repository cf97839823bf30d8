import {
  drcPmemQueryStats,
  H_FUNCTION,
  H_SCM_HEALTH,
  H_SUCCESS,
  HcallError,
  type PaprHcalls,
  type ScmGuestDevice,
} from '../hcall/index.js'
import type { PaprHealthSource } from '../pdsm/index.js'

/** __drc_pmem_query_health() and drc_pmem_query_stats() for one device, as the health code asks for them. */
export function scmHealthSource(hv: PaprHcalls, device: Pick<ScmGuestDevice, 'drcIndex'>): PaprHealthSource {
  return {
    health: async () => {
      const answer = hv.hcall(H_SCM_HEALTH, [BigInt(device.drcIndex)])
      if (answer.rc === H_FUNCTION) return null
      if (answer.rc !== H_SUCCESS) {
        throw new HcallError('ENXIO', H_SCM_HEALTH, answer.rc, `failed to query health: ${answer.rc}`)
      }
      return { bitmap: answer.rets[0] ?? 0n, valid: answer.rets[1] ?? 0n }
    },
    performanceStats: async () => new Map(drcPmemQueryStats(hv, device).map((stat) => [stat.id, stat.value])),
  }
}
