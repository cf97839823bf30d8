import type { Media } from '@nvdimm/core'
import type { SanitizeKind } from './intel/index.js'

const SANITIZE_CHUNK = 1 << 20

/**
 * Destroy a dimm's data as its firmware does: an overwrite leaves zeros, a crypto erase leaves
 * what the old data decrypts to under a new key (pseudo-random bytes). Without a model of the
 * interleave, every region the dimm takes part in is wiped: none of it survives anyway.
 */
export function sanitizeRegions(regions: readonly { media: Media }[], kind: SanitizeKind, seed: number): void {
  let state = seed | 1
  const chunk = new Uint8Array(SANITIZE_CHUNK)
  for (const { media } of regions) {
    for (let offset = 0n; offset < media.size; offset += BigInt(SANITIZE_CHUNK)) {
      const length = Number(media.size - offset < BigInt(SANITIZE_CHUNK) ? media.size - offset : BigInt(SANITIZE_CHUNK))
      if (kind === 'crypto-erase') {
        for (let i = 0; i < length; i++) {
          state ^= state << 13
          state ^= state >>> 17
          state ^= state << 5
          chunk[i] = state & 0xff
        }
      }
      media.write(offset, chunk.subarray(0, length))
    }
    media.sync()
  }
}
