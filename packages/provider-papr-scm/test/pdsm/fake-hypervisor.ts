import type { PaprHealthReply, PaprHealthSource } from '../../src/pdsm/index.js'

export const ALL_BITS = (1n << 64n) - 1n

/** H_SCM_HEALTH as a test drives it: the bitmap, the valid mask, a failure, or no hcall at all. */
export class FakeScmHealth implements PaprHealthSource {
  bitmap = 0n
  valid = ALL_BITS
  healthCalls = 0
  failure: Error | undefined
  unimplemented = false

  async health(): Promise<PaprHealthReply | null> {
    this.healthCalls++
    if (this.failure) throw this.failure
    if (this.unimplemented) return null
    return { bitmap: this.bitmap, valid: this.valid }
  }
}

/** A hypervisor that also has H_SCM_PERFORMANCE_STATS. */
export class FakeScmHealthWithStats extends FakeScmHealth {
  stats = new Map<string, bigint>()
  statsFailure: Error | undefined

  async performanceStats(): Promise<ReadonlyMap<string, bigint>> {
    if (this.statsFailure) throw this.statsFailure
    return this.stats
  }
}

/** jiffies under the test's control, in milliseconds. */
export class FakeClock {
  now = 0
  readonly clock = (): number => this.now
}
