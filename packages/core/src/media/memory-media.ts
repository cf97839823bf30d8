import { NvdimmError } from '../errors.js'
import { checkMediaRange, type Media } from './media.js'

const CHUNK = 64 * 1024
const CHUNK_BIG = BigInt(CHUNK)

/**
 * Media held in memory, for tests and throw-away platforms: zero-filled like a fresh image,
 * and sparse, so a 16 GiB range costs only the chunks written to it.
 */
export class MemoryMedia implements Media {
  readonly size: bigint
  private readonly chunks = new Map<number, Uint8Array>()

  constructor(size: bigint) {
    if (size < 0n) throw new NvdimmError('EINVAL', `memory media of ${size} bytes`)
    this.size = size
  }

  read(offset: bigint, target: Uint8Array): void {
    checkMediaRange(this, offset, target.length, 'read')
    this.walk(offset, target.length, (chunk, at, done, length) => {
      const data = this.chunks.get(chunk)
      if (data) target.set(data.subarray(at, at + length), done)
      else target.fill(0, done, done + length)
    })
  }

  write(offset: bigint, source: Uint8Array): void {
    checkMediaRange(this, offset, source.length, 'write')
    this.walk(offset, source.length, (chunk, at, done, length) => {
      let data = this.chunks.get(chunk)
      if (!data) {
        data = new Uint8Array(CHUNK)
        this.chunks.set(chunk, data)
      }
      data.set(source.subarray(done, done + length), at)
    })
  }

  sync(): void {}

  close(): void {}

  /** Bytes actually held. */
  get allocated(): number {
    return this.chunks.size * CHUNK
  }

  private walk(
    offset: bigint,
    length: number,
    visit: (chunk: number, at: number, done: number, length: number) => void,
  ): void {
    let done = 0
    while (done < length) {
      const position = offset + BigInt(done)
      const chunk = Number(position / CHUNK_BIG)
      const at = Number(position % CHUNK_BIG)
      const step = Math.min(CHUNK - at, length - done)
      visit(chunk, at, done, step)
      done += step
    }
  }
}
