import { NvdimmError } from '@nvdimm/core'

/**
 * H_SCM_PERFORMANCE_STATS' request-and-result buffer, big-endian in guest memory
 * (papr_scm.c `struct papr_scm_perf_stats` / `struct papr_scm_perf_stat`):
 *
 *   0  u8     eye_catcher[8]   "SCMSTATS"
 *   8  __be32 stats_version    1
 *   12 __be32 num_statistics   0 = "all you have"
 *   16 { u8 stat_id[8]; __be64 stat_val; } × num_statistics
 *
 * Stat ids are 8 ASCII characters, padded with spaces ("MemLife ").
 */

export const PAPR_SCM_PERF_STATS_EYECATCHER = 'SCMSTATS'
export const PAPR_SCM_PERF_STATS_VERSION = 1
export const PERF_STATS_HEADER_SIZE = 16
export const PERF_STAT_SIZE = 16
/** QEMU's SCM_STATS_MAX_STATS: the most statistics one request may name. */
export const PERF_STATS_MAX_STATS = 255
/** The largest request-and-result buffer the hypervisor accepts. */
export const PERF_STATS_MAX_BUFFER = PERF_STATS_HEADER_SIZE + PERF_STAT_SIZE * PERF_STATS_MAX_STATS

/** The statistics Documentation/ABI/testing/sysfs-bus-papr-pmem lists, in its order. */
export const PAPR_SCM_PERF_STAT_IDS = [
  'CtlResCt',
  'CtlResTm',
  'PonSecs ',
  'MemLife ',
  'CritRscU',
  'HostLCnt',
  'HostSCnt',
  'HostSDur',
  'HostLDur',
  'MedRCnt ',
  'MedWCnt ',
  'MedRDur ',
  'MedWDur ',
  'CchRHCnt',
  'CchWHCnt',
  'FastWCnt',
] as const

/** Life remaining in percent: what papr_scm turns into the PDSM fuel gauge. */
export const PERF_STAT_MEM_LIFE = 'MemLife '
/** What the hypervisor puts in place of a statistic it does not know (QEMU's RFC). */
export const PERF_STAT_NOOP = 'NoopStat'

export interface PerfStat {
  /** 8 characters, space padded. */
  id: string
  value: bigint
}

/** A stat id as the buffer holds it: 1-8 printable ASCII characters, padded with spaces to 8. */
export function normalizePerfStatId(id: string): string {
  if (!/^[\x20-\x7e]{1,8}$/.test(id)) {
    throw new NvdimmError(
      'EINVAL',
      `a performance stat id is 1-8 printable ASCII characters, not ${JSON.stringify(id)}`,
    )
  }
  return id.padEnd(8, ' ')
}

/** The id's 8 bytes read as a big-endian u64: what H_PARTIAL reports in r4 ("MemLife " = 0x4d656d4c69666520). */
export function perfStatIdValue(id: string): bigint {
  let value = 0n
  for (let i = 0; i < 8; i++) value = (value << 8n) | BigInt(id.charCodeAt(i) & 0xff)
  return value
}

/** The buffer size that holds `count` statistics. */
export function perfStatsBufferSize(count: number): number {
  return PERF_STATS_HEADER_SIZE + PERF_STAT_SIZE * count
}

/**
 * A request as drc_pmem_query_stats() builds it: the header, then the named statistics with zero
 * values; with no ids, `size` bytes asking for all of them.
 */
export function encodePerfStatsRequest(ids: readonly string[], size = perfStatsBufferSize(ids.length)): Uint8Array {
  if (ids.length > PERF_STATS_MAX_STATS) {
    throw new NvdimmError('EINVAL', `${ids.length} performance stats asked for; at most ${PERF_STATS_MAX_STATS}`)
  }
  if (!Number.isInteger(size) || size < perfStatsBufferSize(ids.length)) {
    throw new NvdimmError('EINVAL', `a buffer of ${size} bytes cannot hold ${ids.length} performance stats`)
  }
  const buffer = new Uint8Array(size)
  const view = new DataView(buffer.buffer)
  writePerfStatId(buffer, 0, PAPR_SCM_PERF_STATS_EYECATCHER)
  view.setUint32(8, PAPR_SCM_PERF_STATS_VERSION)
  view.setUint32(12, ids.length)
  ids.forEach((id, n) => writePerfStatId(buffer, PERF_STATS_HEADER_SIZE + n * PERF_STAT_SIZE, normalizePerfStatId(id)))
  return buffer
}

export interface PerfStatsBuffer {
  eyeCatcher: string
  version: number
  stats: PerfStat[]
}

/** Read a request-and-result buffer; EINVAL when it is too short for its own header or count. */
export function decodePerfStats(buffer: Uint8Array): PerfStatsBuffer {
  if (buffer.length < PERF_STATS_HEADER_SIZE) {
    throw new NvdimmError('EINVAL', `a performance stats buffer of ${buffer.length} bytes has no room for its header`)
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const count = view.getUint32(12)
  if (perfStatsBufferSize(count) > buffer.length) {
    throw new NvdimmError('EINVAL', `a performance stats buffer of ${buffer.length} bytes cannot hold ${count} stats`)
  }
  const stats: PerfStat[] = []
  for (let n = 0; n < count; n++) {
    const at = PERF_STATS_HEADER_SIZE + n * PERF_STAT_SIZE
    stats.push({ id: readPerfStatId(buffer, at), value: view.getBigUint64(at + 8) })
  }
  return { eyeCatcher: readPerfStatId(buffer, 0), version: view.getUint32(8), stats }
}

/** The 8 characters at `at` (a stat id, or the eye-catcher). */
export function readPerfStatId(buffer: Uint8Array, at: number): string {
  return String.fromCharCode(...buffer.subarray(at, at + 8))
}

/** Store 8 characters at `at`. */
export function writePerfStatId(buffer: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < 8; i++) buffer[at + i] = text.charCodeAt(i) & 0xff
}
