import { hex } from '@nvdimm/core'
import { HcallError } from './hcall-error.js'
import { H_SCM_PERFORMANCE_STATS } from './hcall-opcodes.js'
import { H_AUTHORITY, H_PARTIAL, H_SUCCESS, H_UNSUPPORTED } from './hcall-return-codes.js'
import type { PaprHcalls } from './papr-hypervisor.js'
import { decodePerfStats, encodePerfStatsRequest, type PerfStat } from './perf-stats-buffer.js'
import type { ScmGuestDevice } from './scm-device.js'

function failed(rc: bigint, drcIndex: number): never {
  const drc = hex(drcIndex)
  // drc_pmem_query_stats()'s mapping.
  if (rc === H_PARTIAL)
    throw new HcallError('ENOENT', H_SCM_PERFORMANCE_STATS, rc, `unknown performance stats on DRC ${drc}`)
  if (rc === H_AUTHORITY)
    throw new HcallError('EPERM', H_SCM_PERFORMANCE_STATS, rc, `performance stats of DRC ${drc} are not accessible`)
  if (rc === H_UNSUPPORTED)
    throw new HcallError('EOPNOTSUPP', H_SCM_PERFORMANCE_STATS, rc, `DRC ${drc} has no performance stats`)
  throw new HcallError('EIO', H_SCM_PERFORMANCE_STATS, rc, `failed to query performance stats of DRC ${drc}`)
}

/** drc_pmem_query_stats(p, NULL, 0): the buffer size that holds all of the device's statistics (stat_buffer_len). */
export function drcPmemStatBufferSize(hv: PaprHcalls, device: Pick<ScmGuestDevice, 'drcIndex'>): number {
  const result = hv.hcall(H_SCM_PERFORMANCE_STATS, [BigInt(device.drcIndex), 0n, 0n])
  if (result.rc !== H_SUCCESS) failed(result.rc, device.drcIndex)
  return Number(result.rets[0] ?? 0n)
}

/**
 * drc_pmem_query_stats(): the named statistics ("MemLife" for the fuel gauge), or all of them
 * when `ids` is empty. The buffer travels as the hcall's guest memory; errno as papr_scm maps it.
 */
export function drcPmemQueryStats(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex'>,
  ids: readonly string[] = [],
): PerfStat[] {
  const size = ids.length === 0 ? drcPmemStatBufferSize(hv, device) : undefined
  const buffer = encodePerfStatsRequest(ids, size)
  const result = hv.hcall(H_SCM_PERFORMANCE_STATS, [BigInt(device.drcIndex), 0n, BigInt(buffer.length)], buffer)
  if (result.rc !== H_SUCCESS) failed(result.rc, device.drcIndex)
  return decodePerfStats(buffer).stats
}
