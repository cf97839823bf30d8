import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  PAPR_PMEM_BAD_RESTORE_MASK,
  PAPR_PMEM_BAD_SHUTDOWN_MASK,
  PAPR_PMEM_HEALTH_DESCRIPTIONS,
  PAPR_PMEM_SMART_EVENT_MASK,
  PAPR_PMEM_UNARMED_MASK,
  paprHealthBitNames,
  PaprPmemHealth,
  ppcBitMask,
} from '../../src/pdsm/index.js'

describe('PPC_BIT numbering', () => {
  it('counts bit 0 as the most significant bit of 64', () => {
    expect(ppcBitMask(0)).toBe(0x8000000000000000n)
    expect(ppcBitMask(1)).toBe(0x4000000000000000n)
    expect(ppcBitMask(63)).toBe(1n)
    for (let n = 0; n < 64; n++) expect(ppcBitMask(n)).toBe(1n << BigInt(63 - n))
  })

  it('refuses bits outside 0-63', () => {
    for (const n of [-1, 64, 1.5, Number.NaN]) {
      expect(() => ppcBitMask(n)).toThrow(NvdimmError)
      try {
        ppcBitMask(n)
      } catch (error) {
        expect((error as NvdimmError).errno).toBe('EINVAL')
      }
    }
  })

  it('places the health bits where papr_scm.c defines them (1ULL << (63 - n))', () => {
    expect(PaprPmemHealth.UNARMED).toBe(1n << 63n)
    expect(PaprPmemHealth.SHUTDOWN_DIRTY).toBe(1n << 62n)
    expect(PaprPmemHealth.SHUTDOWN_CLEAN).toBe(1n << 61n)
    expect(PaprPmemHealth.EMPTY).toBe(1n << 60n)
    expect(PaprPmemHealth.HEALTH_CRITICAL).toBe(1n << 59n)
    expect(PaprPmemHealth.HEALTH_FATAL).toBe(1n << 58n)
    expect(PaprPmemHealth.HEALTH_UNHEALTHY).toBe(1n << 57n)
    expect(PaprPmemHealth.HEALTH_NON_CRITICAL).toBe(1n << 56n)
    expect(PaprPmemHealth.ENCRYPTED).toBe(1n << 55n)
    expect(PaprPmemHealth.SCRUBBED_AND_LOCKED).toBe(1n << 54n)
  })

  it('reads the papr_hcalls.rst example 0xC400… as bits 0, 1 and 5', () => {
    expect(paprHealthBitNames(0xc400000000000000n)).toEqual(['UNARMED', 'SHUTDOWN_DIRTY', 'HEALTH_FATAL'])
  })

  it('names no reserved bit (10-63)', () => {
    expect(paprHealthBitNames((1n << 54n) - 1n)).toEqual([])
    expect(Object.keys(PAPR_PMEM_HEALTH_DESCRIPTIONS)).toEqual(Object.keys(PaprPmemHealth))
  })

  it('groups bits into the driver masks', () => {
    expect(PAPR_PMEM_UNARMED_MASK).toBe(PaprPmemHealth.UNARMED | PaprPmemHealth.HEALTH_UNHEALTHY)
    expect(PAPR_PMEM_BAD_SHUTDOWN_MASK).toBe(PaprPmemHealth.SHUTDOWN_DIRTY)
    expect(PAPR_PMEM_BAD_RESTORE_MASK).toBe(PaprPmemHealth.EMPTY)
    expect(paprHealthBitNames(PAPR_PMEM_SMART_EVENT_MASK)).toEqual([
      'HEALTH_CRITICAL',
      'HEALTH_FATAL',
      'HEALTH_UNHEALTHY',
    ])
  })
})
