import { checkMediaRange, type Media } from './media.js'

/** Media over one contiguous buffer the caller can see: a small label area, a fixture. */
export class BufferMedia implements Media {
  readonly size: bigint

  constructor(readonly bytes: Uint8Array) {
    this.size = BigInt(bytes.length)
  }

  read(offset: bigint, target: Uint8Array): void {
    checkMediaRange(this, offset, target.length, 'read')
    const start = Number(offset)
    target.set(this.bytes.subarray(start, start + target.length))
  }

  write(offset: bigint, source: Uint8Array): void {
    checkMediaRange(this, offset, source.length, 'write')
    this.bytes.set(source, Number(offset))
  }

  sync(): void {}

  close(): void {}
}
