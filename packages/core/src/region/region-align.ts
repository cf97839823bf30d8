import { NvdimmError } from '../errors.js'
import { hex, isPowerOf2 } from '../units.js'
import type { Region } from './region.js'

/**
 * align_store() (drivers/nvdimm/region_devs.c, 6.1): the value divided by the interleave ways
 * (at least one) must be a power of two of at least a page, leave no remainder, and not exceed
 * the region. Since 6.1 a label-less region accepts it too.
 */
export function setRegionAlign(region: Region, align: bigint): void {
  const ways = BigInt(Math.max(1, region.mappings.length))
  const perDimm = align / ways
  const { pageSize } = region.bus.ctx.arch
  if (!isPowerOf2(perDimm) || perDimm < pageSize || align > region.resource.size || align % ways !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      `${region.name}: align ${hex(align)} must be a power of two of at least ${hex(pageSize)} per dimm ` +
        `(${ways} way${ways > 1n ? 's' : ''}), divisible by the ways, and at most the region size ${hex(region.resource.size)}`,
    )
  }
  region.align = align
}
