import { NvdimmError } from '../errors.js'
import { checkMediaRange, type Media } from './media.js'

/** A part of another medium: a label area at the end of an image, a namespace inside a region. */
export class MediaWindow implements Media {
  constructor(
    private readonly parent: Media,
    private readonly offset: bigint,
    readonly size: bigint,
  ) {
    if (offset < 0n || size < 0n || offset + size > parent.size) {
      throw new NvdimmError('EINVAL', `a window of ${size} bytes at ${offset} does not fit a medium of ${parent.size}`)
    }
  }

  read(offset: bigint, target: Uint8Array): void {
    checkMediaRange(this, offset, target.length, 'read')
    this.parent.read(this.offset + offset, target)
  }

  write(offset: bigint, source: Uint8Array): void {
    checkMediaRange(this, offset, source.length, 'write')
    this.parent.write(this.offset + offset, source)
  }

  sync(): void {
    this.parent.sync()
  }

  /** The parent owns the medium: closing a window leaves it open. */
  close(): void {}
}
