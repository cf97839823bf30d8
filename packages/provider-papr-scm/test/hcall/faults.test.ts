import { describe, expect, it } from 'vitest'
import {
  H_AUTHORITY,
  H_BUSY,
  H_HARDWARE,
  H_IN_USE,
  H_LONG_BUSY_ORDER_100_SEC,
  H_LONG_BUSY_ORDER_1_MSEC,
  H_SCM_HEALTH,
  H_SCM_READ_METADATA,
  H_SCM_UNBIND_MEM,
  H_SUCCESS,
  SCM_DEFAULT_GUEST_BASE,
} from '../../src/hcall/index.js'
import { DRC_A, hypervisor } from './fixtures.js'

const a = BigInt(DRC_A)

describe('fault knobs', () => {
  it('fails the next calls as many times as asked, in the order injected', () => {
    const { hv } = hypervisor()
    hv.busy(H_SCM_HEALTH, 2)
    hv.hardwareError(H_SCM_HEALTH, 1)
    hv.longBusy(H_SCM_HEALTH, 5, 1)
    expect(hv.pendingFaults()).toEqual([
      { opcode: H_SCM_HEALTH, rc: H_BUSY, times: 2 },
      { opcode: H_SCM_HEALTH, rc: H_HARDWARE, times: 1 },
      { opcode: H_SCM_HEALTH, rc: H_LONG_BUSY_ORDER_100_SEC, times: 1 },
    ])
    const answers = Array.from({ length: 5 }, () => hv.hcall(H_SCM_HEALTH, [a]).rc)
    expect(answers).toEqual([H_BUSY, H_BUSY, H_HARDWARE, H_LONG_BUSY_ORDER_100_SEC, H_SUCCESS])
    expect(hv.pendingFaults()).toEqual([])
  })

  it('applies after the parameters check out and only to its opcode', () => {
    const { hv } = hypervisor()
    hv.longBusy(H_SCM_READ_METADATA, 0, 1)
    expect(hv.hcall(H_SCM_READ_METADATA, [a, 0n, 3n]).rc).toBe(-56n)
    expect(hv.hcall(H_SCM_HEALTH, [a]).rc).toBe(H_SUCCESS)
    expect(hv.hcall(H_SCM_READ_METADATA, [a, 0n, 8n]).rc).toBe(H_LONG_BUSY_ORDER_1_MSEC)
    expect(hv.hcall(H_SCM_READ_METADATA, [a, 0n, 8n]).rc).toBe(H_SUCCESS)
  })

  it('keeps a fault without a count until cleared', () => {
    const { hv } = hypervisor()
    hv.hardwareError(H_SCM_HEALTH)
    hv.injectReturn(H_SCM_READ_METADATA, H_AUTHORITY, 1)
    for (let n = 0; n < 3; n++) expect(hv.hcall(H_SCM_HEALTH, [a]).rc).toBe(H_HARDWARE)
    hv.clearFaults(H_SCM_HEALTH)
    expect(hv.hcall(H_SCM_HEALTH, [a]).rc).toBe(H_SUCCESS)
    expect(hv.pendingFaults()).toEqual([{ opcode: H_SCM_READ_METADATA, rc: H_AUTHORITY, times: 1 }])
    hv.clearFaults()
    expect(hv.pendingFaults()).toEqual([])
  })

  it('injects any code, such as H_IN_USE for an unbind under an active mapping', () => {
    const { hv } = hypervisor()
    hv.leaveBinding(DRC_A)
    hv.injectReturn(H_SCM_UNBIND_MEM, H_IN_USE, 1)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, SCM_DEFAULT_GUEST_BASE, 1n, 0n]).rc).toBe(H_IN_USE)
    expect(hv.bindings(DRC_A)[0]!.blockCount).toBe(4n)
    expect(hv.inFlight()).toEqual([])
  })

  it('refuses knobs that make no sense', () => {
    const { hv } = hypervisor()
    expect(() => hv.busy(0x123, 1)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.busy(H_SCM_HEALTH, 0)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.busy(H_SCM_HEALTH, 1.5)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.longBusy(H_SCM_HEALTH, 6)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.injectReturn(H_SCM_HEALTH, 0n)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.injectReturn(H_SCM_HEALTH, 1n << 40n)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.setBlocksPerCall(0n)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.setFlushPolls(DRC_A, -1)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.setFlushPolls(0x99, 1)).toThrow(expect.objectContaining({ errno: 'ENODEV' }))
  })
})
