import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { Namespace } from '../namespace/namespace.js'
import { hex } from '../units.js'
import { nvdimmClearPoison } from './clear-poison.js'
import { diskBadblocks } from './device-badblocks.js'

const SECTOR = 512n

/** The sectors [first, first + count) that bytes [offset, offset + length) of a disk touch. */
function sectorsOf(offset: bigint, length: bigint): { first: bigint; count: bigint } {
  const first = offset / SECTOR
  return { first, count: (offset + length + SECTOR - 1n) / SECTOR - first }
}

/** The first bad sector among the sectors [offset, offset + length) touches, if any (is_bad_pmem()). */
export function badSectorIn(namespace: Namespace, offset: bigint, length: bigint): bigint | undefined {
  const bb = diskBadblocks(namespace)
  if (!bb || bb.count === 0 || length === 0n) return undefined
  const { first, count } = sectorsOf(offset, length)
  const hit = bb.check(first, count)
  return hit && (hit.sector > first ? hit.sector : first)
}

/** pmem_do_read(): a read that touches a bad sector fails with EIO instead of consuming the poison. */
export function checkPmemRead(namespace: Namespace, disk: string, offset: bigint, length: number): void {
  const bad = badSectorIn(namespace, offset, BigInt(length))
  if (bad !== undefined) {
    throw new NvdimmError('EIO', `${disk}: read of ${length} bytes at ${hex(offset)} hits media error at sector ${bad}`)
  }
}

/**
 * pmem_do_write() over a write that touches poison, one page-sized segment at a time as the
 * block layer hands them over: a segment with a bad sector is cleared first (pmem_clear_poison()
 * through the platform), then written. A segment that covers a bad sector only in part cannot
 * be cleared (the rest of the sector would have to be read first): EIO, as the page cache's
 * read-modify-write would fail.
 */
export async function writePmemClearingPoison(
  namespace: Namespace,
  disk: string,
  media: Media,
  dataOffset: bigint,
  offset: bigint,
  source: Uint8Array,
): Promise<void> {
  const page = namespace.region.bus.ctx.arch.pageSize
  const bus = namespace.region.bus
  const phys = namespace.resource.start + dataOffset
  let done = 0n
  const total = BigInt(source.length)
  while (done < total) {
    const at = offset + done
    const pageEnd = (at / page + 1n) * page
    const length = pageEnd - at < total - done ? pageEnd - at : total - done
    const chunk = source.subarray(Number(done), Number(done + length))
    const bad = badSectorIn(namespace, at, length)
    if (bad !== undefined) {
      if (at % SECTOR !== 0n || length % SECTOR !== 0n) {
        throw new NvdimmError(
          'EIO',
          `${disk}: write of ${length} bytes at ${hex(at)} covers bad sector ${bad} only in part; write whole sectors to clear it`,
        )
      }
      const cleared = await nvdimmClearPoison(bus, phys + at, length)
      if (cleared < length) {
        throw new NvdimmError(
          'EIO',
          `${disk}: the platform cleared ${cleared} of ${length} poisoned bytes at ${hex(at)}`,
        )
      }
    }
    media.write(dataOffset + at, chunk)
    done += length
  }
}
