import { NvdimmError } from '@nvdimm/core'

/**
 * The H_SCM_HEALTH health bitmap (Documentation/powerpc/papr_hcalls.rst; the PAPR_PMEM_*
 * defines of arch/powerpc/platforms/pseries/papr_scm.c). PAPR numbers bits the IBM way:
 * bit 0 is the most significant bit of the 64-bit register.
 */

/** PPC_BIT(n) (arch/powerpc/include/asm/bitops.h): IBM bit n of a 64-bit word. */
export function ppcBitMask(n: number): bigint {
  if (!Number.isInteger(n) || n < 0 || n > 63) {
    throw new NvdimmError('EINVAL', `PPC_BIT(${n}): IBM bit numbers run from 0 (the MSB) to 63`)
  }
  return 1n << BigInt(63 - n)
}

/** The ten defined health bits; 10 to 63 are reserved. */
export const PaprPmemHealth = {
  UNARMED: ppcBitMask(0),
  SHUTDOWN_DIRTY: ppcBitMask(1),
  SHUTDOWN_CLEAN: ppcBitMask(2),
  EMPTY: ppcBitMask(3),
  HEALTH_CRITICAL: ppcBitMask(4),
  HEALTH_FATAL: ppcBitMask(5),
  HEALTH_UNHEALTHY: ppcBitMask(6),
  HEALTH_NON_CRITICAL: ppcBitMask(7),
  ENCRYPTED: ppcBitMask(8),
  SCRUBBED_AND_LOCKED: ppcBitMask(9),
} as const
export type PaprPmemHealthName = keyof typeof PaprPmemHealth

/** Bits that make the dimm unarmed (NDD_UNARMED at probe, dimm_unarmed, "not_armed"). */
export const PAPR_PMEM_UNARMED_MASK = PaprPmemHealth.UNARMED | PaprPmemHealth.HEALTH_UNHEALTHY
/** The last shutdown did not persist the contents (dimm_bad_shutdown, "flush_fail"). */
export const PAPR_PMEM_BAD_SHUTDOWN_MASK = PaprPmemHealth.SHUTDOWN_DIRTY
/** Nothing was restored at this boot (dimm_bad_restore, "restore_fail"). */
export const PAPR_PMEM_BAD_RESTORE_MASK = PaprPmemHealth.EMPTY
/** Bits that raise a smart event ("smart_notify"). */
export const PAPR_PMEM_SMART_EVENT_MASK =
  PaprPmemHealth.HEALTH_CRITICAL | PaprPmemHealth.HEALTH_FATAL | PaprPmemHealth.HEALTH_UNHEALTHY

/** Each defined bit's meaning, worded as papr_hcalls.rst words it. */
export const PAPR_PMEM_HEALTH_DESCRIPTIONS: Readonly<Record<PaprPmemHealthName, string>> = {
  UNARMED: 'unable to persist memory contents: if the system is powered down, nothing will be saved',
  SHUTDOWN_DIRTY: 'failed to persist memory contents: not saved at power down or not restored at power up',
  SHUTDOWN_CLEAN: 'contents are persisted from the previous IPL: the data from the last boot were restored',
  EMPTY: 'contents are not persisted from the previous IPL: there was no data to restore',
  HEALTH_CRITICAL: 'memory life remaining is critically low',
  HEALTH_FATAL: 'will be garded off at the next IPL due to failure',
  HEALTH_UNHEALTHY: 'contents cannot persist due to the current platform health status',
  HEALTH_NON_CRITICAL: 'unable to persist memory contents in certain conditions',
  ENCRYPTED: 'contents are encrypted',
  SCRUBBED_AND_LOCKED: 'scrubbed and locked: a requested erase or secure erase completed',
}

const BIT_NAMES = Object.keys(PaprPmemHealth) as PaprPmemHealthName[]

/** The defined bits set in `bitmap`, MSB first; reserved bits are left out. */
export function paprHealthBitNames(bitmap: bigint): PaprPmemHealthName[] {
  return BIT_NAMES.filter((name) => (bitmap & PaprPmemHealth[name]) !== 0n)
}
