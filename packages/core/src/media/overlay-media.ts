import { checkMediaRange, type Media } from './media.js'

const PAGE = 4096
const PAGE_BIG = BigInt(PAGE)

/**
 * Another medium seen through a private copy-on-write layer: reads come from the layer where it
 * was written, else from the medium below; writes never reach the medium below. A crash image
 * to look at, or to let a check recover in, without touching the real media.
 */
export class OverlayMedia implements Media {
  private readonly pages = new Map<bigint, Uint8Array>()

  constructor(private readonly below: Media) {}

  get size(): bigint {
    return this.below.size
  }

  read(offset: bigint, target: Uint8Array): void {
    checkMediaRange(this, offset, target.length, 'read')
    this.walk(offset, target.length, (page, at, done, length) => {
      const copy = this.pages.get(page)
      if (copy) target.set(copy.subarray(at, at + length), done)
      else this.below.read(page * PAGE_BIG + BigInt(at), target.subarray(done, done + length))
    })
  }

  write(offset: bigint, source: Uint8Array): void {
    checkMediaRange(this, offset, source.length, 'write')
    this.walk(offset, source.length, (page, at, done, length) => {
      let copy = this.pages.get(page)
      if (!copy) {
        const start = page * PAGE_BIG
        copy = new Uint8Array(this.size - start < PAGE_BIG ? Number(this.size - start) : PAGE)
        this.below.read(start, copy)
        this.pages.set(page, copy)
      }
      copy.set(source.subarray(done, done + length), at)
    })
  }

  sync(): void {}

  close(): void {}

  private walk(
    offset: bigint,
    length: number,
    visit: (page: bigint, at: number, done: number, length: number) => void,
  ) {
    let done = 0
    while (done < length) {
      const position = offset + BigInt(done)
      const page = position / PAGE_BIG
      const at = Number(position % PAGE_BIG)
      const take = Math.min(PAGE - at, length - done)
      visit(page, at, done, take)
      done += take
    }
  }
}
