import { MEMREMAP_COMPAT_ALIGN_MAX } from '../arch.js'

/**
 * A region's default `align` (drivers/nvdimm/region_devs.c default_align()): the largest
 * memremap_compat_align() of any arch, so a namespace made here maps on every arch; PAGE_SIZE
 * when the region is smaller than that; multiplied by the interleave ways when they do not
 * divide it, so every dimm gets a whole share.
 */
export function defaultRegionAlign(regionSize: bigint, mappings: number, pageSize: bigint): bigint {
  let align = regionSize < MEMREMAP_COMPAT_ALIGN_MAX ? pageSize : MEMREMAP_COMPAT_ALIGN_MAX
  const ways = BigInt(Math.max(1, mappings))
  if (align % ways !== 0n) align *= ways
  return align
}
