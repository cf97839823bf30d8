/** The OPAL calls for LPC memory (arch/powerpc/include/asm/opal-api.h in the ocxlpmem series). */
export const OPAL_NPU_MEM_ALLOC = 171
export const OPAL_NPU_MEM_RELEASE = 172
export const OPAL_SUCCESS = 0
export const OPAL_PARAMETER = -1
export const OPAL_RESOURCE = -10

/**
 * The platform firmware's side (skiboot on powernv): it hands out physical address space for a
 * device's LPC memory and takes it back. The base comes back big-endian, as OPAL returns it.
 */
export interface OpalFirmware {
  call(token: typeof OPAL_NPU_MEM_ALLOC, phbId: number, bdfn: number, size: bigint, base: DataView): number
  call(token: typeof OPAL_NPU_MEM_RELEASE, phbId: number, bdfn: number): number
}

export interface EmulatedOpalOptions {
  /** Where the first allocation lands; later ones follow, 256 MiB aligned. */
  base?: bigint
  /** Fail this many allocations with OPAL_RESOURCE (a fault knob). */
  failAllocations?: number
}

const SEGMENT = 256n << 20n

/** A skiboot that allocates LPC address space per (PHB, device), from a base upward. */
export class EmulatedOpal implements OpalFirmware {
  private next: bigint
  private failures: number
  readonly allocations = new Map<string, { base: bigint; size: bigint }>()

  constructor(options: EmulatedOpalOptions = {}) {
    this.next = options.base ?? 0x2000_0000_0000_0n
    this.failures = options.failAllocations ?? 0
  }

  call(token: number, phbId: number, bdfn: number, size?: bigint, base?: DataView): number {
    const key = `${phbId}:${bdfn}`
    if (token === OPAL_NPU_MEM_ALLOC) {
      if (size === undefined || base === undefined || size <= 0n) return OPAL_PARAMETER
      if (this.failures > 0) {
        this.failures--
        return OPAL_RESOURCE
      }
      if (this.allocations.has(key)) return OPAL_RESOURCE
      const start = this.next
      this.next += ((size + SEGMENT - 1n) / SEGMENT) * SEGMENT
      this.allocations.set(key, { base: start, size })
      base.setBigUint64(0, start, false)
      return OPAL_SUCCESS
    }
    if (token === OPAL_NPU_MEM_RELEASE) return this.allocations.delete(key) ? OPAL_SUCCESS : OPAL_PARAMETER
    return OPAL_PARAMETER
  }
}
