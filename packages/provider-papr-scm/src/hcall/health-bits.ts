/**
 * H_SCM_HEALTH's bitmap. PAPR numbers bits from the most significant one (PPC_BIT(0) is
 * 1 << 63), so "bits 0, 1 and 5 valid" is 0xC400000000000000
 * (Documentation/arch/powerpc/papr_hcalls.rst). Names from papr_scm.c.
 */

/** PPC_BIT(n): bit n counted from the MSB of a 64-bit register. */
export function ppcBit(n: number): bigint {
  return 1n << BigInt(63 - n)
}

/** 0: the device is unable to persist memory contents. */
export const PAPR_PMEM_UNARMED = ppcBit(0)
/** 1: the device failed to persist (or restore) memory contents. */
export const PAPR_PMEM_SHUTDOWN_DIRTY = ppcBit(1)
/** 2: contents were persisted from the previous IPL. */
export const PAPR_PMEM_SHUTDOWN_CLEAN = ppcBit(2)
/** 3: contents were not persisted from the previous IPL (nothing to restore). */
export const PAPR_PMEM_EMPTY = ppcBit(3)
/** 4: memory life remaining is critically low. */
export const PAPR_PMEM_HEALTH_CRITICAL = ppcBit(4)
/** 5: the device will be garded off at the next IPL. */
export const PAPR_PMEM_HEALTH_FATAL = ppcBit(5)
/** 6: contents cannot persist given the platform's health. */
export const PAPR_PMEM_HEALTH_UNHEALTHY = ppcBit(6)
/** 7: the device is unable to persist memory contents in certain conditions. */
export const PAPR_PMEM_HEALTH_NON_CRITICAL = ppcBit(7)
/** 8: the device is encrypted. */
export const PAPR_PMEM_ENCRYPTED = ppcBit(8)
/** 9: a requested erase completed; contents are scrubbed and locked. */
export const PAPR_PMEM_SCRUBBED_AND_LOCKED = ppcBit(9)

/** Bits 0-9, the ones PAPR defines (10-63 are reserved). */
export const PAPR_PMEM_DEFINED_BITS = 0xffc0_0000_0000_0000n

export const PAPR_PMEM_HEALTH_BIT_NAMES = [
  'unarmed',
  'shutdown-dirty',
  'shutdown-clean',
  'empty',
  'health-critical',
  'health-fatal',
  'health-unhealthy',
  'health-non-critical',
  'encrypted',
  'scrubbed-and-locked',
] as const

export type PaprPmemHealthBit = (typeof PAPR_PMEM_HEALTH_BIT_NAMES)[number]

/** The names of the defined bits set in a bitmap, bit 0 first. */
export function healthBitNames(bitmap: bigint): PaprPmemHealthBit[] {
  return PAPR_PMEM_HEALTH_BIT_NAMES.filter((_, n) => (bitmap & ppcBit(n)) !== 0n)
}

/** The bitmap for a list of bit names. */
export function healthBits(names: readonly PaprPmemHealthBit[]): bigint {
  return names.reduce((bits, name) => bits | ppcBit(PAPR_PMEM_HEALTH_BIT_NAMES.indexOf(name)), 0n)
}
