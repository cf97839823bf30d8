import { NvdimmError } from '../errors.js'
import { hex } from '../units.js'

/**
 * The bytes behind a region or a dimm. Synchronous and positional, like the memcpy the
 * kernel's pmem driver does; offsets and sizes are bigint because media can exceed 2^53.
 */
export interface Media {
  readonly size: bigint
  /** Fill `target` from `offset`. */
  read(offset: bigint, target: Uint8Array): void
  write(offset: bigint, source: Uint8Array): void
  /** A durability point: everything written so far survives a host crash. */
  sync(): void
  close(): void
}

export function checkMediaRange(media: Media, offset: bigint, length: number, what: string): void {
  if (offset < 0n || offset + BigInt(length) > media.size) {
    throw new NvdimmError(
      'EINVAL',
      `${what} of ${length} bytes at ${hex(offset)} is outside the media (size ${hex(media.size)})`,
    )
  }
}
