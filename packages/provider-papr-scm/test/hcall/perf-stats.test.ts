import { describe, expect, it } from 'vitest'
import {
  decodePerfStats,
  drcPmemQueryStats,
  drcPmemStatBufferSize,
  encodePerfStatsRequest,
  H_AUTHORITY,
  H_BAD_DATA,
  H_NOT_AVAILABLE,
  H_P3,
  H_PARAMETER,
  H_PARTIAL,
  H_PRIVILEGE,
  H_SCM_PERFORMANCE_STATS,
  H_SUCCESS,
  H_UNSUPPORTED,
  PAPR_SCM_PERF_STAT_IDS,
  perfStatIdValue,
  perfStatsBufferSize,
} from '../../src/hcall/index.js'
import { DRC_A, DRC_B, hypervisor, scmDevice } from './fixtures.js'

const a = BigInt(DRC_A)

describe('H_SCM_PERFORMANCE_STATS', () => {
  it('tells the buffer size for all statistics', () => {
    const { hv } = hypervisor()
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 0n])).toEqual({
      rc: H_SUCCESS,
      rets: [BigInt(16 + 16 * PAPR_SCM_PERF_STAT_IDS.length), 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    })
  })

  it('fills the named statistics, big-endian, into the guest buffer', () => {
    const { hv } = hypervisor()
    hv.setPerfStat(DRC_A, 'MemLife', 87n)
    hv.setPerfStat(DRC_A, 'PonSecs', 0x0102_0304_0506_0708n)
    const buffer = encodePerfStatsRequest(['MemLife ', 'PonSecs '])
    expect(buffer.length).toBe(48)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0x1000n, 48n], buffer).rc).toBe(H_SUCCESS)
    expect(decodePerfStats(buffer)).toEqual({
      eyeCatcher: 'SCMSTATS',
      version: 1,
      stats: [
        { id: 'MemLife ', value: 87n },
        { id: 'PonSecs ', value: 0x0102_0304_0506_0708n },
      ],
    })
    expect([...buffer.subarray(40, 48)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('fills all statistics when none are named', () => {
    const { hv } = hypervisor()
    const size = perfStatsBufferSize(PAPR_SCM_PERF_STAT_IDS.length)
    const buffer = encodePerfStatsRequest([], size)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0x1000n, BigInt(size)], buffer).rc).toBe(H_SUCCESS)
    const { stats } = decodePerfStats(buffer)
    expect(stats.map((stat) => stat.id)).toEqual([...PAPR_SCM_PERF_STAT_IDS])
    expect(stats.find((stat) => stat.id === 'MemLife ')!.value).toBe(100n)
  })

  it('replaces an unknown statistic with NoopStat and answers H_PARTIAL with its id', () => {
    const { hv } = hypervisor()
    const buffer = encodePerfStatsRequest(['MemLife', 'Bogus', 'Nothing'])
    const result = hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0x1000n, BigInt(buffer.length)], buffer)
    expect(result.rc).toBe(H_PARTIAL)
    expect(result.rets[0]).toBe(perfStatIdValue('Bogus   '))
    expect(perfStatIdValue('MemLife ')).toBe(0x4d65_6d4c_6966_6520n)
    expect(decodePerfStats(buffer).stats).toEqual([
      { id: 'MemLife ', value: 100n },
      { id: 'NoopStat', value: 0n },
      { id: 'NoopStat', value: 0n },
    ])
  })

  it('validates the request-and-result buffer', () => {
    const { hv } = hypervisor()
    const good = () => encodePerfStatsRequest(['MemLife'])
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [0x99n, 0n, 0n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 8n], good()).rc).toBe(H_BAD_DATA)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 32n]).rc).toBe(H_PRIVILEGE)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 64n], good()).rc).toBe(H_PRIVILEGE)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 1n << 20n], good()).rc).toBe(H_P3)
    const eye = good()
    eye[0] = 0x78
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 32n], eye).rc).toBe(H_BAD_DATA)
    const version = good()
    version[11] = 2
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 32n], version).rc).toBe(H_NOT_AVAILABLE)
    const tooMany = encodePerfStatsRequest(['MemLife', 'PonSecs'])
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 32n], tooMany).rc).toBe(H_P3)
    const all = encodePerfStatsRequest([], 32)
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [a, 0n, 32n], all).rc).toBe(H_P3)
  })

  it('is unsupported on a device without statistics', () => {
    const { hv } = hypervisor([scmDevice(DRC_A), scmDevice(DRC_B, { perfStats: false })])
    expect(hv.hcall(H_SCM_PERFORMANCE_STATS, [BigInt(DRC_B), 0n, 0n]).rc).toBe(H_UNSUPPORTED)
  })
})

describe('drc_pmem_query_stats()', () => {
  it('reads the fuel gauge and all statistics', () => {
    const { hv, a: guestA } = hypervisor()
    hv.setPerfStat(DRC_A, 'MemLife', 42n)
    hv.setPerfStat(DRC_A, 'Extra', 7n)
    expect(drcPmemStatBufferSize(hv, guestA)).toBe(16 + 16 * 17)
    expect(drcPmemQueryStats(hv, guestA, ['MemLife'])).toEqual([{ id: 'MemLife ', value: 42n }])
    const all = drcPmemQueryStats(hv, guestA)
    expect(all).toHaveLength(17)
    expect(all.at(-1)).toEqual({ id: 'Extra   ', value: 7n })
    expect(hv.perfStats(DRC_A).at(-1)).toEqual({ id: 'Extra   ', value: 7n })
  })

  it('maps failures as papr_scm does', () => {
    const { hv, a: guestA, b: guestB } = hypervisor([scmDevice(DRC_A), scmDevice(DRC_B, { perfStats: false })])
    expect(() => drcPmemQueryStats(hv, guestA, ['Bogus'])).toThrow(
      expect.objectContaining({ errno: 'ENOENT', rc: H_PARTIAL }),
    )
    expect(() => drcPmemQueryStats(hv, guestB, ['MemLife'])).toThrow(expect.objectContaining({ errno: 'EOPNOTSUPP' }))
    hv.injectReturn(H_SCM_PERFORMANCE_STATS, H_AUTHORITY, 1)
    expect(() => drcPmemQueryStats(hv, guestA, ['MemLife'])).toThrow(expect.objectContaining({ errno: 'EPERM' }))
    hv.hardwareError(H_SCM_PERFORMANCE_STATS, 1)
    expect(() => drcPmemStatBufferSize(hv, guestA)).toThrow(expect.objectContaining({ errno: 'EIO' }))
  })

  it('refuses stat ids that do not fit the buffer', () => {
    const { hv } = hypervisor()
    expect(() => hv.setPerfStat(DRC_A, 'TooLongId', 1n)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.setPerfStat(DRC_A, 'NoopStat', 1n)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => encodePerfStatsRequest(['é'])).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => decodePerfStats(new Uint8Array(8))).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    const lying = encodePerfStatsRequest(['MemLife'])
    lying[15] = 9
    expect(() => decodePerfStats(lying)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
  })
})
