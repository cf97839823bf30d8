import { ClaimDevice } from '../claim/claim-device.js'
import { disableClaim, restoreDevdaxNone } from '../claim/claim-driver.js'
import { createClaimSeed, unregisterClaimDevice } from '../claim/claim-registry.js'
import { activateRegionDimms } from '../dimm/dimm-security.js'
import { NvdimmError } from '../errors.js'
import { activeSlots } from '../namespace/label/label-store.js'
import { activateLabels, deactivateLabels, scanLabels } from '../namespace/namespace-scan.js'
import { NamespaceIo } from '../namespace/namespace-io.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { disableNamespace, enableNamespace } from '../namespace/pmem-driver.js'
import type { RuntimeState } from '../runtime-state.js'
import type { Region } from './region.js'

/**
 * The nd_region driver (drivers/nvdimm/region.c nd_region_probe()): probing a region tracks
 * its dimms' labels, registers the namespaces they describe (or one label-less namespace) and
 * lets nd_pmem probe each; removing it tears them down.
 */

/** Register a namespace device: pmem ids are the lowest free, io namespaces are id 0. */
function registerNamespace(region: Region, namespace: Namespace): void {
  namespace.id = region.namespaceIda.get()
  region.namespaces.push(namespace)
  region.bus.ctx.events.emit('namespace:add', namespace)
}

/** nd_region_register_namespaces() */
function registerNamespaces(region: Region): Namespace[] {
  const ndds = region.mappings.map((mapping) => mapping.dimm.drvdata)
  activateLabels(region, (index) => activeSlots(ndds[index]!))
  let devs: Namespace[]
  try {
    devs = region.namespaceType === 'io' ? [new NamespaceIo(region)] : scanLabels(region)
  } catch (error) {
    deactivateLabels(region)
    if (!(error instanceof NvdimmError)) throw error
    throw new NvdimmError('ENODEV', error.message, { cause: error })
  }
  for (const namespace of devs) registerNamespace(region, namespace)
  region.nsSeed = devs[0]
  return devs
}

/** nd_region_create_ns_seed(): a new empty namespace to configure the next one through. */
export async function createNamespaceSeed(region: Region): Promise<void> {
  if (region.namespaceType === 'io') return
  const seed = new NamespacePmem(region, -1)
  registerNamespace(region, seed)
  region.nsSeed = seed
  await probeNamespace(seed)
}

/**
 * nd_region_advance_seeds(): once a seed is bound a new one takes its place, and a claim
 * device bound over the namespace seed replaces that seed too.
 */
export async function advanceSeeds(region: Region, device: Namespace | ClaimDevice): Promise<void> {
  if (region.nsSeed === device) {
    await createNamespaceSeed(region)
    return
  }
  if (!(device instanceof ClaimDevice)) return
  if (region.seeds[device.kind] === device) createClaimSeed(region, device.kind)
  if (device.namespace && region.nsSeed === device.namespace) await createNamespaceSeed(region)
}

/** Let nd_pmem probe a namespace; a failure leaves it registered and disabled. */
async function probeNamespace(namespace: Namespace): Promise<void> {
  try {
    await enableNamespace(namespace)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
  }
}

/**
 * Bind the region driver. `restore` carries the devices an administrator had disabled
 * before the platform was last closed; a plain enable-region probes everything afresh.
 */
export async function probeRegion(region: Region, restore?: RuntimeState): Promise<void> {
  if (region.enabled) return
  const { events, logger } = region.bus.ctx
  let devs: Namespace[]
  try {
    activateRegionDimms(region)
    devs = registerNamespaces(region)
  } catch (error) {
    if (error instanceof NvdimmError) {
      region.probeError = error
      logger.error(`nd_region: probe of ${region.name} failed: ${error.message} (${error.errno})`)
    }
    throw error
  }
  region.probeError = undefined
  region.enabled = true
  events.emit('region:enable', region)
  for (const kind of ['btt', 'pfn', 'dax'] as const) createClaimSeed(region, kind)
  for (const namespace of devs) {
    const state = restore?.namespaces?.[namespace.name]
    if (state?.enabled === false) continue
    if (state?.devdaxNone && (await restoreDevdaxNone(namespace, state.devdaxNone))) continue
    await probeNamespace(namespace)
  }
}

export function enableRegion(region: Region): Promise<void> {
  return probeRegion(region)
}

/** Remove one namespace device (a deleted namespace that is not id 0 or the seed). */
export function unregisterNamespace(namespace: Namespace): void {
  const region = namespace.region
  const at = region.namespaces.indexOf(namespace)
  if (at < 0) return
  region.namespaces.splice(at, 1)
  region.namespaceIda.put(namespace.id)
  region.bus.ctx.events.emit('namespace:remove', namespace)
}

export async function disableRegion(region: Region): Promise<void> {
  if (!region.enabled) return
  const { events } = region.bus.ctx
  for (const namespace of region.namespaces) await disableNamespace(namespace)
  for (const device of [...region.claims].reverse()) {
    await disableClaim(device)
    unregisterClaimDevice(device)
  }
  for (const namespace of [...region.namespaces].reverse()) unregisterNamespace(namespace)
  region.nsSeed = undefined
  region.seeds = {}
  deactivateLabels(region)
  region.enabled = false
  events.emit('region:disable', region)
}
