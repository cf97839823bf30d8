/**
 * papr_scm_priv.health_mutex: health queries and injections run one at a time, so an inject
 * never lands between a query's hcall and its use of the inject mask.
 */
export class HealthMutex {
  private tail: Promise<void> = Promise.resolve()

  async run<T>(critical: () => Promise<T>): Promise<T> {
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    try {
      return await critical()
    } finally {
      release()
    }
  }
}
