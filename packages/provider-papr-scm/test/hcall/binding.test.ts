import { describe, expect, it } from 'vitest'
import {
  BIND_ANY_ADDR,
  drcPmemBind,
  drcPmemQueryNBound,
  drcPmemUnbind,
  H_NOT_FOUND,
  H_OVERLAP,
  H_P2,
  H_P3,
  H_P4,
  H_PARAMETER,
  H_SCM_BIND_MEM,
  H_SCM_QUERY_BLOCK_MEM_BINDING,
  H_SCM_QUERY_LOGICAL_MEM_BINDING,
  H_SCM_UNBIND_ALL,
  H_SCM_UNBIND_MEM,
  H_SUCCESS,
  H_UNBIND_SCOPE_ALL,
  H_UNBIND_SCOPE_DRC,
  HcallError,
  PaprHypervisor,
  SCM_DEFAULT_GUEST_BASE,
} from '../../src/hcall/index.js'
import { BLOCK, DRC_A, DRC_B, hypervisor, recordingSleep, scmDevice } from './fixtures.js'

const a = BigInt(DRC_A)
const b = BigInt(DRC_B)
const WINDOW_A = SCM_DEFAULT_GUEST_BASE
const WINDOW_B = SCM_DEFAULT_GUEST_BASE + 4n * BLOCK

describe('H_SCM_BIND_MEM', () => {
  it('binds where the hypervisor picks and answers (token, address, blocks)', () => {
    const { hv } = hypervisor()
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n])).toEqual({
      rc: H_SUCCESS,
      rets: [0n, WINDOW_A, 4n, 0n, 0n, 0n, 0n, 0n, 0n],
    })
    // A partial range: blocks 1..2 of the second device.
    expect(hv.hcall(H_SCM_BIND_MEM, [b, 1n, 2n, BIND_ANY_ADDR, 0n]).rets.slice(0, 3)).toEqual([
      0n,
      WINDOW_B + BLOCK,
      2n,
    ])
    expect(hv.bindings()).toEqual([
      { drcIndex: DRC_A, startBlock: 0n, blockCount: 4n, address: WINDOW_A },
      { drcIndex: DRC_B, startBlock: 1n, blockCount: 2n, address: WINDOW_B + BLOCK },
    ])
  })

  it('binds at a block-aligned target the guest names', () => {
    const { hv } = hypervisor()
    const target = 0x2000_0000_0000n
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 2n, 2n, target, 0n]).rets.slice(1, 3)).toEqual([target, 2n])
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 1n, target + 1n, 0n]).rc).toBe(H_P4)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 2n, 0xffff_ffff_f000_0000n, 0n]).rc).toBe(H_P4)
    // Another device's blocks at an address already in use.
    expect(hv.hcall(H_SCM_BIND_MEM, [b, 0n, 1n, target + BLOCK, 0n]).rc).toBe(H_OVERLAP)
  })

  it('checks its parameters as QEMU does', () => {
    const { hv } = hypervisor()
    expect(hv.hcall(H_SCM_BIND_MEM, [0x99n, 0n, 1n, BIND_ANY_ADDR, 0n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 5n, 1n, BIND_ANY_ADDR, 0n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 4n, 1n, BIND_ANY_ADDR, 0n]).rc).toBe(H_P3)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 1n, 4n, BIND_ANY_ADDR, 0n]).rc).toBe(H_P3)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 0n, BIND_ANY_ADDR, 0n]).rc).toBe(H_P3)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 0xffff_ffff_ffff_ffffn, BIND_ANY_ADDR, 0n]).rc).toBe(H_P3)
    expect(hv.bindings()).toEqual([])
  })

  it('answers H_OVERLAP for blocks that are already bound', () => {
    const { hv } = hypervisor()
    hv.hcall(H_SCM_BIND_MEM, [a, 1n, 2n, BIND_ANY_ADDR, 0n])
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 0n, 2n, BIND_ANY_ADDR, 0n]).rc).toBe(H_OVERLAP)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 2n, 2n, BIND_ANY_ADDR, 0n]).rc).toBe(H_OVERLAP)
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 3n, 1n, BIND_ANY_ADDR, 0n]).rc).toBe(H_SUCCESS)
    expect(hv.bindings(DRC_A)).toEqual([{ drcIndex: DRC_A, startBlock: 1n, blockCount: 3n, address: WINDOW_A + BLOCK }])
  })
})

describe('binding queries', () => {
  it('maps block to address and address to block', () => {
    const { hv } = hypervisor()
    hv.hcall(H_SCM_BIND_MEM, [b, 1n, 3n, BIND_ANY_ADDR, 0n])
    expect(hv.hcall(H_SCM_QUERY_BLOCK_MEM_BINDING, [b, 2n]).rets[0]).toBe(WINDOW_B + 2n * BLOCK)
    expect(hv.hcall(H_SCM_QUERY_BLOCK_MEM_BINDING, [b, 0n]).rc).toBe(H_NOT_FOUND)
    expect(hv.hcall(H_SCM_QUERY_BLOCK_MEM_BINDING, [b, 4n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_QUERY_BLOCK_MEM_BINDING, [0x99n, 0n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_QUERY_LOGICAL_MEM_BINDING, [WINDOW_B + 3n * BLOCK + 0x1234n])).toEqual({
      rc: H_SUCCESS,
      rets: [b, 3n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    })
    expect(hv.hcall(H_SCM_QUERY_LOGICAL_MEM_BINDING, [WINDOW_B]).rc).toBe(H_NOT_FOUND)
    expect(hv.hcall(H_SCM_QUERY_LOGICAL_MEM_BINDING, [WINDOW_B + 4n * BLOCK]).rc).toBe(H_NOT_FOUND)
  })

  it('finds a whole bound device like drc_pmem_query_n_bind()', () => {
    const { hv, a: guestA, b: guestB } = hypervisor()
    expect(drcPmemQueryNBound(hv, guestA)).toBeUndefined()
    hv.leaveBinding(DRC_A)
    expect(drcPmemQueryNBound(hv, guestA)).toBe(WINDOW_A)
    // First and last block bound, but not contiguously: not usable.
    hv.hcall(H_SCM_BIND_MEM, [b, 0n, 1n, 0x3000_0000_0000n, 0n])
    hv.hcall(H_SCM_BIND_MEM, [b, 3n, 1n, BIND_ANY_ADDR, 0n])
    expect(drcPmemQueryNBound(hv, guestB)).toBeUndefined()
  })
})

describe('H_SCM_UNBIND_MEM', () => {
  it('unbinds a bound range, splitting bindings', () => {
    const { hv } = hypervisor()
    hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n])
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A + BLOCK, 2n, 0n]).rets.slice(0, 2)).toEqual([0n, 2n])
    expect(hv.bindings(DRC_A)).toEqual([
      { drcIndex: DRC_A, startBlock: 0n, blockCount: 1n, address: WINDOW_A },
      { drcIndex: DRC_A, startBlock: 3n, blockCount: 1n, address: WINDOW_A + 3n * BLOCK },
    ])
    // The hole can be bound again.
    expect(hv.hcall(H_SCM_BIND_MEM, [a, 1n, 2n, BIND_ANY_ADDR, 0n]).rc).toBe(H_SUCCESS)
    expect(hv.bindings(DRC_A)).toEqual([{ drcIndex: DRC_A, startBlock: 0n, blockCount: 4n, address: WINDOW_A }])
  })

  it('checks alignment, count and that the range is bound to the device', () => {
    const { hv } = hypervisor()
    hv.hcall(H_SCM_BIND_MEM, [a, 0n, 2n, BIND_ANY_ADDR, 0n])
    expect(hv.hcall(H_SCM_UNBIND_MEM, [0x99n, WINDOW_A, 1n, 0n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A + 4096n, 1n, 0n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A, 0n, 0n]).rc).toBe(H_P3)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [a, WINDOW_A, 3n, 0n]).rc).toBe(H_P3)
    expect(hv.hcall(H_SCM_UNBIND_MEM, [b, WINDOW_A, 1n, 0n]).rc).toBe(H_P3)
    expect(hv.bindings(DRC_A)).toHaveLength(1)
  })
})

describe('H_SCM_UNBIND_ALL', () => {
  it('unbinds one device with scope DRC and every device with scope ALL', () => {
    const { hv } = hypervisor()
    hv.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n])
    hv.hcall(H_SCM_BIND_MEM, [b, 0n, 2n, BIND_ANY_ADDR, 0n])
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, a, 0n]).rets.slice(0, 2)).toEqual([0n, 4n])
    expect(hv.bindings()).toEqual([{ drcIndex: DRC_B, startBlock: 0n, blockCount: 2n, address: WINDOW_B }])
    hv.hcall(H_SCM_BIND_MEM, [a, 0n, 1n, BIND_ANY_ADDR, 0n])
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_ALL, 0n, 0n]).rets.slice(0, 2)).toEqual([0n, 3n])
    expect(hv.bindings()).toEqual([])
    // Nothing bound is still a success.
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, a, 0n]).rc).toBe(H_SUCCESS)
  })

  it('refuses an unknown scope or DRC', () => {
    const { hv } = hypervisor()
    expect(hv.hcall(H_SCM_UNBIND_ALL, [3n, a, 0n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, 0x99n, 0n]).rc).toBe(H_P2)
  })
})

describe('bind after kexec (the papr_scm bind-recovery thread)', () => {
  it('overlaps, unbinds the DRC, then binds', async () => {
    const devices = [scmDevice(DRC_A), scmDevice(DRC_B)]
    const before = new PaprHypervisor(devices)
    const { sleep } = recordingSleep()
    const guestA = { drcIndex: DRC_A, blockCount: 4n, blockSize: BLOCK }
    expect(await drcPmemBind(before, guestA, sleep)).toBe(WINDOW_A)
    // kexec: the old kernel never unbinds; the hypervisor keeps its state.
    const after = PaprHypervisor.fromJSON(JSON.parse(JSON.stringify(before)), devices)
    const error = await drcPmemBind(after, guestA, sleep).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HcallError)
    expect(error).toMatchObject({ errno: 'EBUSY', rc: -68n, opcode: H_SCM_BIND_MEM })
    expect(drcPmemQueryNBound(after, guestA)).toBe(WINDOW_A)
    await drcPmemUnbind(after, guestA, sleep)
    expect(after.bindings(DRC_A)).toEqual([])
    expect(await drcPmemBind(after, guestA, sleep)).toBe(WINDOW_A)
  })

  it('reports other bind failures as ENXIO', async () => {
    const { hv, a: guestA } = hypervisor()
    hv.hardwareError(H_SCM_BIND_MEM, 1)
    await expect(drcPmemBind(hv, guestA, () => {})).rejects.toMatchObject({ errno: 'ENXIO', rc: -1n })
    hv.hardwareError(H_SCM_UNBIND_ALL, 1)
    await expect(drcPmemUnbind(hv, guestA, () => {})).rejects.toMatchObject({ errno: 'ENXIO', rc: -1n })
  })

  it('leaves bindings behind on request, refusing a double one', () => {
    const { hv } = hypervisor()
    expect(hv.leaveBinding(DRC_B, 2n)).toBe(WINDOW_B + 2n * BLOCK)
    expect(hv.bindings(DRC_B)).toEqual([
      { drcIndex: DRC_B, startBlock: 2n, blockCount: 2n, address: WINDOW_B + 2n * BLOCK },
    ])
    expect(() => hv.leaveBinding(DRC_B, 3n, 1n)).toThrow(expect.objectContaining({ errno: 'EBUSY' }))
    expect(() => hv.leaveBinding(DRC_B, 3n, 2n)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => hv.leaveBinding(0x99)).toThrow(expect.objectContaining({ errno: 'ENODEV' }))
    expect(hv.hcall(H_SCM_BIND_MEM, [b, 0n, 4n, BIND_ANY_ADDR, 0n]).rc).toBe(H_OVERLAP)
  })
})
