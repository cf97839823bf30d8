import { NvdimmError } from '../errors.js'
import { NamespaceIo } from '../namespace/namespace-io.js'
import type { Namespace } from '../namespace/namespace.js'
import { disableNamespace, enableNamespace } from '../namespace/pmem-driver.js'
import type { RuntimeState } from '../runtime-state.js'
import type { Region } from './region.js'

/**
 * The nd_region driver (drivers/nvdimm/region.c): probing a region registers its namespaces
 * and lets nd_pmem probe each; removing it tears them down.
 */

/** nd_region_register_namespaces(): io regions get one namespace over the whole range. */
function registerNamespaces(region: Region): Namespace[] {
  if (region.namespaceType !== 'io') {
    // Labelled regions get their namespaces from the dimms' label areas.
    return []
  }
  region.namespaceIda.get()
  return [new NamespaceIo(region)]
}

/**
 * Bind the region driver. `restore` carries the devices an administrator had disabled
 * before the platform was last closed; a plain enable-region probes everything afresh.
 */
export async function probeRegion(region: Region, restore?: RuntimeState): Promise<void> {
  if (region.enabled) return
  const { events, logger } = region.bus.ctx
  region.enabled = true
  for (const namespace of registerNamespaces(region)) {
    region.namespaces.push(namespace)
    events.emit('namespace:add', namespace)
  }
  events.emit('region:enable', region)
  for (const namespace of region.namespaces) {
    if (restore?.namespaces?.[namespace.name]?.enabled === false) continue
    try {
      await enableNamespace(namespace)
    } catch (error) {
      // A namespace that fails to probe stays registered and disabled, as in the kernel.
      if (!(error instanceof NvdimmError)) throw error
      logger.debug(`${region.name}: ${namespace.name} left disabled`)
    }
  }
}

export function enableRegion(region: Region): Promise<void> {
  return probeRegion(region)
}

export async function disableRegion(region: Region): Promise<void> {
  if (!region.enabled) return
  const { events } = region.bus.ctx
  for (const namespace of region.namespaces) await disableNamespace(namespace)
  for (const namespace of region.namespaces.splice(0).reverse()) {
    region.namespaceIda.put(namespace.id)
    events.emit('namespace:remove', namespace)
  }
  region.enabled = false
  events.emit('region:disable', region)
}
