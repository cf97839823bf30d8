/** The kernel's IDA: hand out the lowest free id, so names are reused after removal. */
export class Ida {
  private readonly used = new Set<number>()
  /** No id below this one is free. */
  private lowestFree = 0

  get(): number {
    let id = this.lowestFree
    while (this.used.has(id)) id++
    this.used.add(id)
    this.lowestFree = id + 1
    return id
  }

  put(id: number): void {
    if (this.used.delete(id) && id < this.lowestFree) this.lowestFree = id
  }
}
