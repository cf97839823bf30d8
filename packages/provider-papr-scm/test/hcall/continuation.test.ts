import { describe, expect, it } from 'vitest'
import {
  BIND_ANY_ADDR,
  continuationToken,
  drcPmemBind,
  drcPmemUnbind,
  H_BUSY,
  H_LONG_BUSY_ORDER_100_MSEC,
  H_P3,
  H_P4,
  H_P5,
  H_SCM_BIND_MEM,
  H_SCM_UNBIND_ALL,
  H_SCM_UNBIND_MEM,
  H_SUCCESS,
  H_UNBIND_SCOPE_DRC,
  type HcallResult,
  MAX_CONTINUATIONS,
  type PaprHcalls,
  PaprHypervisor,
  SCM_DEFAULT_GUEST_BASE,
} from '../../src/hcall/index.js'
import { BLOCK, DRC_A, DRC_B, hypervisor, recordingSleep, twoDevices } from './fixtures.js'

const a = BigInt(DRC_A)
const WINDOW_A = SCM_DEFAULT_GUEST_BASE

/** Every call and answer on the way to the hypervisor. */
function recorder(hv: PaprHcalls): { hcalls: PaprHcalls; log: { args: readonly bigint[]; result: HcallResult }[] } {
  const log: { args: readonly bigint[]; result: HcallResult }[] = []
  return {
    log,
    hcalls: {
      hcall: (opcode, args, buffer) => {
        const result = hv.hcall(opcode, args, buffer)
        log.push({ args, result })
        return result
      },
    },
  }
}

describe('continue-tokens', () => {
  it('binds in steps with H_BUSY, the guest passing each token back', async () => {
    const { hv, a: guestA } = hypervisor()
    hv.setBlocksPerCall(1n)
    const { hcalls, log } = recorder(hv)
    const { sleep, slept } = recordingSleep()
    expect(await drcPmemBind(hcalls, guestA, sleep)).toBe(WINDOW_A)
    expect(log.map((entry) => entry.result.rc)).toEqual([H_BUSY, H_BUSY, H_BUSY, H_SUCCESS])
    expect(log.map((entry) => entry.result.rets[2])).toEqual([1n, 2n, 3n, 4n])
    // The first call passes 0, each next one the token the previous answer carried.
    expect(log[0]!.args[4]).toBe(0n)
    for (let n = 1; n < log.length; n++) expect(log[n]!.args[4]).toBe(log[n - 1]!.result.rets[0])
    expect(log[0]!.result.rets[0]).not.toBe(0n)
    // H_BUSY yields (sleep 0), it does not wait.
    expect(slept).toEqual([0, 0, 0])
    expect(hv.bindings(DRC_A)).toEqual([{ drcIndex: DRC_A, startBlock: 0n, blockCount: 4n, address: WINDOW_A }])
    expect(hv.inFlight()).toEqual([])
  })

  it('keeps the token across injected H_BUSY and H_LONG_BUSY, sleeping the hinted time', async () => {
    const { hv, a: guestA } = hypervisor()
    hv.busy(H_SCM_BIND_MEM, 2)
    hv.longBusy(H_SCM_BIND_MEM, 2, 1)
    const { hcalls, log } = recorder(hv)
    const { sleep, slept } = recordingSleep()
    expect(await drcPmemBind(hcalls, guestA, sleep)).toBe(WINDOW_A)
    expect(log.map((entry) => entry.result.rc)).toEqual([H_BUSY, H_BUSY, H_LONG_BUSY_ORDER_100_MSEC, H_SUCCESS])
    const token = log[0]!.result.rets[0]!
    expect(log.slice(1).map((entry) => entry.args[4])).toEqual([token, token, token])
    // The address is known from the first answer (papr_scm saves the first non-zero r5).
    expect(log[0]!.result.rets[1]).toBe(WINDOW_A)
    expect(slept).toEqual([0, 0, 100])
  })

  it('unbinds in steps and sleeps on long-busy', async () => {
    const { hv, a: guestA } = hypervisor()
    hv.leaveBinding(DRC_A)
    hv.setBlocksPerCall(3n)
    hv.longBusy(H_SCM_UNBIND_ALL, 1, 1)
    const { hcalls, log } = recorder(hv)
    const { sleep, slept } = recordingSleep()
    await drcPmemUnbind(hcalls, guestA, sleep)
    expect(log.map((entry) => entry.result.rc)).toEqual([9901n, H_BUSY, H_SUCCESS])
    expect(log.map((entry) => entry.result.rets[1])).toEqual([0n, 3n, 4n])
    expect(log.map((entry) => entry.args[0])).toEqual([H_UNBIND_SCOPE_DRC, H_UNBIND_SCOPE_DRC, H_UNBIND_SCOPE_DRC])
    expect(slept).toEqual([10, 0])
    expect(hv.bindings()).toEqual([])
  })

  it('unbinds a range in steps', () => {
    const { hv } = hypervisor()
    hv.leaveBinding(DRC_A)
    hv.setBlocksPerCall(2n)
    const first = hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A, 3n, 0n])
    expect(first.rc).toBe(H_BUSY)
    expect(first.rets[1]).toBe(2n)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A, 3n, first.rets[0]!]).rets.slice(0, 2)).toEqual([0n, 3n])
    expect(hv.bindings(DRC_A)).toEqual([
      { drcIndex: DRC_A, startBlock: 3n, blockCount: 1n, address: WINDOW_A + 3n * BLOCK },
    ])
  })

  it('rejects a token that does not continue this call', () => {
    const { hv } = hypervisor()
    hv.setBlocksPerCall(1n)
    const bind = hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n])
    const token = bind.rets[0]!
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, token + 1n]).rc).toBe(H_P5)
    // The same token with other arguments, or on another hcall.
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 3n, BIND_ANY_ADDR, token]).rc).toBe(H_P5)
    expect(hv.hcall(H_SCM_BIND_MEM, [BigInt(DRC_B), 0n, 4n, BIND_ANY_ADDR, token]).rc).toBe(H_P5)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A, 1n, token]).rc).toBe(H_P4)
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, a, token]).rc).toBe(H_P3)
    // A bind in flight reserves its blocks.
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 3n, 1n, BIND_ANY_ADDR, 0n]).rc).toBe(-68n)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, token]).rc).toBe(H_BUSY)
  })

  it('cancels binds in flight when their device is unbound', () => {
    const { hv } = hypervisor()
    hv.setBlocksPerCall(1n)
    const token = hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n]).rets[0]!
    hv.setBlocksPerCall(undefined)
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, a, 0n]).rets[1]).toBe(1n)
    expect(hv.inFlight()).toEqual([])
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, token]).rc).toBe(H_P5)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n]).rc).toBe(H_SUCCESS)
  })

  it('hands out opaque tokens that a restored hypervisor never repeats', () => {
    const devices = twoDevices()
    const hv = new PaprHypervisor(devices)
    hv.setBlocksPerCall(1n)
    const first = hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n]).rets[0]!
    expect(first).toBe(continuationToken(1n))
    expect(first).toBeGreaterThan(0xffffn)
    const restored = PaprHypervisor.fromJSON(hv.toJSON(), devices)
    const second = restored.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, BigInt(DRC_B), 0n])
    expect(second.rc).toBe(H_SUCCESS)
    restored.leaveBinding(DRC_B)
    const third = restored.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, BigInt(DRC_B), 0n]).rets[0]!
    expect(third).toBe(continuationToken(2n))
    expect(third).not.toBe(first)
  })

  it('limits the calls in flight', () => {
    const { hv } = hypervisor()
    hv.busy(H_SCM_UNBIND_ALL, MAX_CONTINUATIONS + 1)
    for (let n = 0; n < MAX_CONTINUATIONS; n++) {
      expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, a, 0n]).rc).toBe(H_BUSY)
    }
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, a, 0n]).rc).toBe(-1n)
  })
})
