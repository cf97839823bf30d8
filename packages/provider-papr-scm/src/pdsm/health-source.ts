/**
 * What the health code needs from the hypervisor, kept to two calls so it does not depend on
 * how the hcalls are emulated. One source per dimm (per drc index).
 */

/** H_SCM_HEALTH's answer: r4 and r5. Only the bits set in both are meaningful. */
export interface PaprHealthReply {
  /** The health bitmap, IBM bit numbering (bit 0 = MSB). */
  bitmap: bigint
  /** Which bits of `bitmap` the hypervisor vouches for. */
  valid: bigint
}

export interface PaprHealthSource {
  /**
   * H_SCM_HEALTH for this dimm. Resolves null when the hypervisor lacks the hcall (H_FUNCTION:
   * the kernel assumes an empty bitmap); rejects for any other failure (H_PARAMETER, H_HARDWARE).
   */
  health(): Promise<PaprHealthReply | null>
  /**
   * H_SCM_PERFORMANCE_STATS, all stats, keyed by the 8-character stat id as the hypervisor
   * spells it (space padded: "MemLife "). Absent when the hypervisor has no performance stats.
   */
  performanceStats?(): Promise<ReadonlyMap<string, bigint>>
}

/** The stat papr_pdsm_fuel_gauge() asks for: life remaining, percent. */
export const MEM_LIFE_STAT_ID = 'MemLife '

/** Milliseconds on a clock that only moves forward (the driver's jiffies). */
export type HealthClock = () => number
