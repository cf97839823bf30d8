import { NdPfn } from '../claim/nd-pfn.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'
import type { Badblocks } from './badblocks.js'
import { type PhysRange, populateBadblocks } from './populate.js'

/**
 * The badblocks of a region and of a namespace's pmem disk, derived from the bus's badrange as
 * nvdimm_badblocks_populate() fills them (at probe, and again on NVDIMM_REVALIDATE_POISON) and
 * as nvdimm_clear_poison() trims them (the badrange is forgotten with them). Every process
 * here probes afresh, so deriving the table from the list is what the kernel shows.
 */

interface Cached {
  generation: number
  start: bigint
  end: bigint
  bb: Badblocks
}

const cache = new WeakMap<object, Cached>()

function derive(owner: object, region: Region, range: PhysRange): Badblocks {
  const badrange = region.bus.badrange
  const hit = cache.get(owner)
  if (hit && hit.generation === badrange.generation && hit.start === range.start && hit.end === range.end) return hit.bb
  const bb = populateBadblocks(badrange.entries, range)
  cache.set(owner, { generation: badrange.generation, start: range.start, end: range.end, bb })
  return bb
}

/** sysfs regionN/badblocks: sectors relative to the region; undefined (ENXIO) while the region driver is unbound. */
export function regionBadblocks(region: Region): Badblocks | undefined {
  if (!region.enabled) return undefined
  const { start, size } = region.resource
  return derive(region, region, { start, end: start + size - 1n })
}

/**
 * The system-physical range behind the namespace's pmem disk (pmem_attach_disk()'s bb_range):
 * the whole namespace for a raw disk, the data after the info block and memmap for fsdax;
 * undefined when no pmem disk is attached (disabled, sector or devdax).
 */
export function pmemDiskRange(namespace: Namespace): PhysRange | undefined {
  const { start, size } = namespace.resource
  if (namespace.enabled) return { start, end: start + size - 1n }
  const claim = namespace.claim
  if (!(claim instanceof NdPfn) || claim.kind !== 'pfn') return undefined
  const extent = claim.dataExtent
  if (!extent) return undefined
  return { start: start + extent.offset, end: start + extent.offset + extent.length - 1n }
}

/** /sys/block/pmemX/badblocks: sectors relative to the disk; undefined without a pmem disk. */
export function diskBadblocks(namespace: Namespace): Badblocks | undefined {
  const range = pmemDiskRange(namespace)
  return range && derive(namespace, namespace.region, range)
}
