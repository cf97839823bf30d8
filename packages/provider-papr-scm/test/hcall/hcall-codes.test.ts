import { describe, expect, it } from 'vitest'
import {
  badParameter,
  getLongbusyMsecs,
  H_BUSY,
  H_FUNCTION,
  H_HARDWARE,
  H_IN_USE,
  H_LONG_BUSY_ORDER_100_SEC,
  H_LONG_BUSY_ORDER_1_MSEC,
  H_NOT_FOUND,
  H_OVERLAP,
  H_P2,
  H_P3,
  H_P4,
  H_P5,
  H_P9,
  H_PARAMETER,
  H_PARTIAL,
  H_SCM_BIND_MEM,
  H_SCM_FLUSH,
  H_SCM_HEALTH,
  H_SCM_PERFORMANCE_STATS,
  H_SCM_QUERY_BLOCK_MEM_BINDING,
  H_SCM_QUERY_LOGICAL_MEM_BINDING,
  H_SCM_READ_METADATA,
  H_SCM_UNBIND_ALL,
  H_SCM_UNBIND_MEM,
  H_SCM_WRITE_METADATA,
  H_SUCCESS,
  H_UNSUPPORTED,
  hcallName,
  hcallReturnName,
  isLongBusy,
  longBusyCode,
} from '../../src/hcall/index.js'

describe('hcall numbers', () => {
  it('uses hvcall.h and spapr.h opcodes', () => {
    expect([
      H_SCM_READ_METADATA,
      H_SCM_WRITE_METADATA,
      H_SCM_BIND_MEM,
      H_SCM_UNBIND_MEM,
      H_SCM_QUERY_BLOCK_MEM_BINDING,
      H_SCM_QUERY_LOGICAL_MEM_BINDING,
      H_SCM_UNBIND_ALL,
      H_SCM_HEALTH,
      H_SCM_PERFORMANCE_STATS,
      H_SCM_FLUSH,
    ]).toEqual([0x3e4, 0x3e8, 0x3ec, 0x3f0, 0x3f4, 0x3f8, 0x3fc, 0x400, 0x418, 0x44c])
    expect(hcallName(0x3ec)).toBe('H_SCM_BIND_MEM')
    expect(hcallName(0x123)).toBe('0x123')
  })

  it('uses hvcall.h return codes, signed', () => {
    expect([H_SUCCESS, H_BUSY, H_PARTIAL, H_HARDWARE, H_FUNCTION, H_PARAMETER, H_NOT_FOUND]).toEqual([
      0n,
      1n,
      5n,
      -1n,
      -2n,
      -4n,
      -7n,
    ])
    expect([H_P2, H_P3, H_P4, H_P5, H_P9]).toEqual([-55n, -56n, -57n, -58n, -62n])
    expect([H_UNSUPPORTED, H_OVERLAP, H_IN_USE]).toEqual([-67n, -68n, -77n])
    expect(hcallReturnName(-68n)).toBe('H_OVERLAP')
    expect(hcallReturnName(-12345n)).toBe('-12345')
  })

  it('maps the long-busy range like H_IS_LONG_BUSY and get_longbusy_msecs', () => {
    expect([H_LONG_BUSY_ORDER_1_MSEC, H_LONG_BUSY_ORDER_100_SEC]).toEqual([9900n, 9905n])
    expect([0, 1, 2, 3, 4, 5].map((order) => getLongbusyMsecs(longBusyCode(order)))).toEqual([
      1, 10, 100, 1000, 10000, 100000,
    ])
    expect(isLongBusy(9899n)).toBe(false)
    expect(isLongBusy(9906n)).toBe(false)
    expect(isLongBusy(H_BUSY)).toBe(false)
    expect(getLongbusyMsecs(H_BUSY)).toBe(1)
  })

  it('names the bad parameter by position', () => {
    expect([1, 2, 3, 4, 5, 9].map(badParameter)).toEqual([H_PARAMETER, H_P2, H_P3, H_P4, H_P5, H_P9])
  })
})
