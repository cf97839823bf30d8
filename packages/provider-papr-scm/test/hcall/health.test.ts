import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  H_PARAMETER,
  H_SCM_HEALTH,
  H_SUCCESS,
  healthBitNames,
  healthBits,
  PAPR_PMEM_DEFINED_BITS,
  PAPR_PMEM_EMPTY,
  PAPR_PMEM_ENCRYPTED,
  PAPR_PMEM_HEALTH_CRITICAL,
  PAPR_PMEM_HEALTH_BIT_NAMES,
  PAPR_PMEM_HEALTH_FATAL,
  PAPR_PMEM_HEALTH_NON_CRITICAL,
  PAPR_PMEM_HEALTH_UNHEALTHY,
  PAPR_PMEM_SCRUBBED_AND_LOCKED,
  PAPR_PMEM_SHUTDOWN_CLEAN,
  PAPR_PMEM_SHUTDOWN_DIRTY,
  PAPR_PMEM_UNARMED,
  ppcBit,
} from '../../src/hcall/index.js'
import { DRC_A, DRC_B, hypervisor } from './fixtures.js'

describe('H_SCM_HEALTH', () => {
  it('numbers bits from the MSB as papr_scm.c does', () => {
    expect(ppcBit(0)).toBe(1n << 63n)
    expect([
      PAPR_PMEM_UNARMED,
      PAPR_PMEM_SHUTDOWN_DIRTY,
      PAPR_PMEM_SHUTDOWN_CLEAN,
      PAPR_PMEM_EMPTY,
      PAPR_PMEM_HEALTH_CRITICAL,
      PAPR_PMEM_HEALTH_FATAL,
      PAPR_PMEM_HEALTH_UNHEALTHY,
      PAPR_PMEM_HEALTH_NON_CRITICAL,
      PAPR_PMEM_ENCRYPTED,
      PAPR_PMEM_SCRUBBED_AND_LOCKED,
    ]).toEqual([63n, 62n, 61n, 60n, 59n, 58n, 57n, 56n, 55n, 54n].map((shift) => 1n << shift))
    // papr_hcalls.rst: 0xC400000000000000 means bits 0, 1 and 5.
    expect(healthBitNames(0xc400_0000_0000_0000n)).toEqual(['unarmed', 'shutdown-dirty', 'health-fatal'])
    expect(healthBits(['unarmed', 'shutdown-dirty', 'health-fatal'])).toBe(0xc400_0000_0000_0000n)
    expect(PAPR_PMEM_DEFINED_BITS).toBe(healthBits(PAPR_PMEM_HEALTH_BIT_NAMES))
    expect(healthBitNames(PAPR_PMEM_DEFINED_BITS)).toEqual(PAPR_PMEM_HEALTH_BIT_NAMES)
  })

  it('answers the bitmap and the valid mask in r4 and r5', () => {
    const { hv } = hypervisor()
    expect(hv.hcall(H_SCM_HEALTH, [BigInt(DRC_A)])).toEqual({
      rc: H_SUCCESS,
      rets: [0n, PAPR_PMEM_DEFINED_BITS, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    })
    hv.setHealth(DRC_A, PAPR_PMEM_UNARMED | PAPR_PMEM_HEALTH_FATAL)
    hv.setHealth(DRC_A, PAPR_PMEM_ENCRYPTED)
    hv.clearHealth(DRC_A, PAPR_PMEM_HEALTH_FATAL)
    hv.setHealthValid(DRC_A, PAPR_PMEM_UNARMED)
    const { rc, rets } = hv.hcall(H_SCM_HEALTH, [BigInt(DRC_A)])
    expect(rc).toBe(H_SUCCESS)
    expect(healthBitNames(rets[0]!)).toEqual(['unarmed', 'encrypted'])
    expect(rets[1]).toBe(PAPR_PMEM_UNARMED)
    // papr_scm uses bitmap & mask: only UNARMED survives.
    expect(rets[0]! & rets[1]!).toBe(PAPR_PMEM_UNARMED)
    expect(hv.health(DRC_B)).toEqual({ bitmap: 0n, valid: PAPR_PMEM_DEFINED_BITS })
  })

  it('refuses an unknown DRC', () => {
    const { hv } = hypervisor()
    expect(hv.hcall(H_SCM_HEALTH, [0x1234n]).rc).toBe(H_PARAMETER)
    expect(() => hv.setHealth(0x1234, PAPR_PMEM_UNARMED)).toThrow(NvdimmError)
    expect(() => hv.setHealth(DRC_A, -1n)).toThrow(/not a u64/)
  })
})
