import type { Bus } from '../bus/bus.js'
import { NvdimmError } from '../errors.js'
import { hex } from '../units.js'

/**
 * nvdimm_account_cleared_poison() (drivers/nvdimm/bus.c): what the platform cleared is no
 * longer bad, so the bus forgets it, and with it the region and disk badblocks that came from it.
 */
export function accountClearedPoison(bus: Bus, phys: bigint, cleared: bigint): void {
  if (cleared > 0n) bus.badrange.forget(phys, cleared)
}

/**
 * nvdimm_clear_poison(): ask the platform to clear [phys, phys + length) and account what it
 * cleared. A bus without a command channel is legacy pmem, where the kernel pretends every
 * clear succeeds; one with a channel but no clear-error support fails ENOTTY.
 */
export async function nvdimmClearPoison(bus: Bus, phys: bigint, length: bigint): Promise<bigint> {
  const clearError = bus.ops.clearError
  if (!clearError) {
    if (bus.descriptor.ndctl) {
      throw new NvdimmError('ENOTTY', `${bus.name}: ${bus.providerName} cannot clear media errors`)
    }
    accountClearedPoison(bus, phys, length)
    return length
  }
  const cleared = await clearError.call(bus.ops, phys, length)
  if (cleared < 0n || cleared > length) {
    throw new NvdimmError('EIO', `${bus.name}: clearing ${hex(length)} bytes at ${hex(phys)} reported ${cleared}`)
  }
  accountClearedPoison(bus, phys, cleared)
  return cleared
}
