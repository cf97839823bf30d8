import type { Bus } from '../bus/bus.js'
import { NvdimmError } from '../errors.js'
import { U64_MAX } from '../units.js'

/**
 * nvdimm_bus_add_badrange(): record poison the platform reported on the bus. The regions and
 * pmem disks over it show it in their badblocks from now on (their revalidation).
 */
export function addBadrange(bus: Bus, spa: bigint, length: bigint): void {
  if (
    typeof spa !== 'bigint' ||
    typeof length !== 'bigint' ||
    spa < 0n ||
    length <= 0n ||
    spa + length - 1n > U64_MAX
  ) {
    throw new NvdimmError(
      'EINVAL',
      `${bus.name}: a badrange needs a start and a positive length inside the address space`,
    )
  }
  bus.badrange.add(spa, length)
}
