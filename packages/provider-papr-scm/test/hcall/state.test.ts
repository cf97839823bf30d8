import { describe, expect, it } from 'vitest'
import {
  BIND_ANY_ADDR,
  H_BUSY,
  H_HARDWARE,
  H_LONG_BUSY_ORDER_10_MSEC,
  H_OVERLAP,
  H_SCM_BIND_MEM,
  H_SCM_FLUSH,
  H_SCM_HEALTH,
  H_SUCCESS,
  PAPR_PMEM_SHUTDOWN_DIRTY,
  PAPR_PMEM_UNARMED,
  PaprHypervisor,
  SCM_DEFAULT_GUEST_BASE,
} from '../../src/hcall/index.js'
import { BLOCK, DRC_A, DRC_B, scmDevice, twoDevices } from './fixtures.js'

const a = BigInt(DRC_A)
const b = BigInt(DRC_B)

function busyHypervisor() {
  const devices = [scmDevice(DRC_A, { hcallFlushRequired: true, flushPolls: 2 }), scmDevice(DRC_B)]
  const hv = new PaprHypervisor(devices)
  hv.hcall(H_SCM_BIND_MEM, [a, 0n, 2n, BIND_ANY_ADDR, 0n])
  hv.setBlocksPerCall(1n)
  const bindToken = hv.hcall(H_SCM_BIND_MEM, [b, 0n, 3n, BIND_ANY_ADDR, 0n]).rets[0]!
  const flushToken = hv.hcall(H_SCM_FLUSH, [a, 0n]).rets[0]!
  hv.setHealth(DRC_B, PAPR_PMEM_UNARMED | PAPR_PMEM_SHUTDOWN_DIRTY)
  hv.setHealthValid(DRC_B, PAPR_PMEM_UNARMED)
  hv.setPerfStat(DRC_A, 'MemLife', 12n)
  hv.busy(H_SCM_HEALTH, 2)
  hv.hardwareError(H_SCM_BIND_MEM)
  return { devices, hv, bindToken, flushToken }
}

describe('hypervisor state across a kexec', () => {
  it('round-trips through JSON: bindings, calls in flight, health, stats, faults', () => {
    const { devices, hv, bindToken, flushToken } = busyHypervisor()
    const text = JSON.stringify(hv)
    const json = JSON.parse(text) as ReturnType<PaprHypervisor['toJSON']>
    expect(json.bindings).toEqual([
      { drcIndex: DRC_A, startBlock: '0x0', blockCount: '0x2', address: `0x${SCM_DEFAULT_GUEST_BASE.toString(16)}` },
      {
        drcIndex: DRC_B,
        startBlock: '0x0',
        blockCount: '0x1',
        address: `0x${(SCM_DEFAULT_GUEST_BASE + 4n * BLOCK).toString(16)}`,
      },
    ])
    const restored = PaprHypervisor.fromJSON(json, devices)
    expect(restored.toJSON()).toEqual(json)
    expect(restored.bindings()).toEqual(hv.bindings())
    expect(restored.health(DRC_B)).toEqual({
      bitmap: PAPR_PMEM_UNARMED | PAPR_PMEM_SHUTDOWN_DIRTY,
      valid: PAPR_PMEM_UNARMED,
    })
    expect(restored.perfStats(DRC_A).find((stat) => stat.id === 'MemLife ')!.value).toBe(12n)
    // Faults carry on where they were.
    expect(restored.hcall(H_SCM_HEALTH, [a]).rc).toBe(H_BUSY)
    expect(restored.hcall(H_SCM_HEALTH, [a]).rc).toBe(H_BUSY)
    expect(restored.hcall(H_SCM_HEALTH, [a]).rc).toBe(H_SUCCESS)
    expect(restored.hcall(H_SCM_BIND_MEM, [b, 0n, 3n, BIND_ANY_ADDR, bindToken]).rc).toBe(H_HARDWARE)
    restored.clearFaults()
    // The bind in flight and the flush continue with their tokens.
    expect(restored.hcall(H_SCM_BIND_MEM, [b, 0n, 3n, BIND_ANY_ADDR, bindToken]).rets[2]).toBe(2n)
    expect(restored.hcall(H_SCM_BIND_MEM, [b, 0n, 3n, BIND_ANY_ADDR, bindToken]).rc).toBe(H_SUCCESS)
    expect(restored.hcall(H_SCM_FLUSH, [a, flushToken]).rc).toBe(H_LONG_BUSY_ORDER_10_MSEC)
    expect(restored.hcall(H_SCM_FLUSH, [a, flushToken]).rc).toBe(H_SUCCESS)
    // The old kernel's binding is still there for the new one.
    expect(restored.hcall(H_SCM_BIND_MEM, [a, 0n, 4n, BIND_ANY_ADDR, 0n]).rc).toBe(H_OVERLAP)
  })

  it('starts a device missing from the state fresh', () => {
    const devices = twoDevices()
    const hv = new PaprHypervisor([devices[0]!])
    hv.leaveBinding(DRC_A)
    const restored = PaprHypervisor.fromJSON(hv.toJSON(), devices)
    expect(restored.bindings(DRC_A)).toHaveLength(1)
    expect(restored.bindings(DRC_B)).toEqual([])
    expect(restored.hcall(H_SCM_BIND_MEM, [b, 0n, 4n, BIND_ANY_ADDR, 0n]).rc).toBe(H_SUCCESS)
  })

  it('refuses bad state with EINVAL naming the field', () => {
    const { devices, hv } = busyHypervisor()
    const good = () => JSON.parse(JSON.stringify(hv)) as Record<string, any>
    const refuse = (json: unknown, pattern: RegExp) =>
      expect(() => PaprHypervisor.fromJSON(json, devices)).toThrow(
        expect.objectContaining({ errno: 'EINVAL', message: expect.stringMatching(pattern) }),
      )
    refuse(null, /state: /)
    refuse({ ...good(), version: 2 }, /version/)
    refuse({ ...good(), extra: 1 }, /state: .*extra/)
    const badU64 = good()
    badU64.bindings[0].address = '0xfffffffffffffffff'
    refuse(badU64, /bindings\.0\.address/)
    const unknownDrc = good()
    unknownDrc.bindings[0].drcIndex = 7
    refuse(unknownDrc, /bindings\.0\.drcIndex: no SCM device with DRC index 0x7/)
    const pastEnd = good()
    pastEnd.bindings[0].blockCount = '0x5'
    refuse(pastEnd, /bindings\.0\.blockCount/)
    const twice = good()
    twice.bindings.push({ ...twice.bindings[0], address: '0x0' })
    refuse(twice, /bindings\.2: blocks bound twice/)
    const misaligned = good()
    misaligned.bindings[1].address = '0x1001'
    refuse(misaligned, /bindings\.1\.address: not aligned/)
    const zeroToken = good()
    zeroToken.continuations[0].token = '0x0'
    refuse(zeroToken, /continuations\.0\.token/)
    const kind = good()
    kind.continuations[0].kind = 'reboot'
    refuse(kind, /continuations\.0\.kind/)
    const fault = good()
    fault.faults[0].opcode = 0x123
    refuse(fault, /faults\.0\.opcode: not an SCM hcall opcode/)
    const health = good()
    health.devices[1].health = '-1'
    refuse(health, /devices\.1\.health/)
    const stat = good()
    stat.devices[0].perfStats[0].id = 'Short'
    refuse(stat, /devices\.0\.perfStats\.0\.id/)
    const statTwice = good()
    statTwice.devices[0].perfStats[1].id = statTwice.devices[0].perfStats[0].id
    refuse(statTwice, /devices\.0\.perfStats\.1\.id: stat .* appears twice/)
    refuse({ ...good(), blocksPerCall: '0x0' }, /blocksPerCall/)
  })
})
