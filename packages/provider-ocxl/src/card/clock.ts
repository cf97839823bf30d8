/**
 * Time as the card and the driver see it. Everything that waits goes through `sleep`, so a test
 * hands in a {@link ManualClock} and never really sleeps.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number
  sleep(ms: number): Promise<void>
}

/** Wall-clock time, for real use. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
}

/** A clock that only moves when someone sleeps on it or calls `advance`. */
export class ManualClock implements Clock {
  private time: number

  constructor(start = 0) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  sleep(ms: number): Promise<void> {
    this.advance(ms)
    return Promise.resolve()
  }

  advance(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.time += ms
  }
}
