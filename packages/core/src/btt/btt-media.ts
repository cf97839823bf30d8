import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'

/**
 * Namespace byte access as nsio_rw_bytes() (drivers/nvdimm/claim.c) does it for BTT: offsets
 * are u64 sums (they wrap like the kernel's), and a range past the namespace's end is -EFAULT
 * ("request out of range") before the media is touched.
 */

export const U64 = (value: bigint): bigint => BigInt.asUintN(64, value)

export function checkNamespaceRange(media: Media, offset: bigint, length: number): void {
  if (offset + BigInt(length) > media.size) {
    throw new NvdimmError(
      'EFAULT',
      `request out of range: ${length} bytes at ${offset} of a ${media.size}-byte namespace`,
    )
  }
}

export function namespaceRead(media: Media, offset: bigint, target: Uint8Array): void {
  if (target.length === 0) return
  checkNamespaceRange(media, offset, target.length)
  media.read(offset, target)
}

export function namespaceWrite(media: Media, offset: bigint, source: Uint8Array): void {
  if (source.length === 0) return
  checkNamespaceRange(media, offset, source.length)
  media.write(offset, source)
  // nsio_rw_bytes(): memcpy_flushcache(), then at least pmem_wmb(), so BTT's writes land in order.
  media.sync()
}
