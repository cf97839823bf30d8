import { NvdimmError } from '../errors.js'
import { createNamespaceSeed } from '../region/region-driver.js'
import { hex, isAligned } from '../units.js'
import { type Namespace, shouldMapPages } from './namespace.js'

/**
 * The checks nd_pmem's probe makes before it attaches a disk, in the kernel's order
 * (namespace_devs.c nvdimm_namespace_common_probe()): locked dimms, a namespace too small to
 * hold a page, a page-mapped namespace not aligned to the arch's memremap_compat_align()
 * (seed "libnvdimm/namespace: Enforce memremap_compat_align()"), a labelled one without uuid.
 */
export function checkNamespaceProbe(namespace: Namespace): void {
  const { start, size } = namespace.resource
  const { arch } = namespace.region.bus.ctx
  const locked = namespace.region.mappings.find((mapping) => mapping.dimm.flags.has('locked'))
  if (locked) throw new NvdimmError('EACCES', `${namespace.name}: ${locked.dimm.name} locked`)
  if (size < arch.pageSize) {
    throw new NvdimmError('ENODEV', `${namespace.name}: ${hex(size)}, too small must be at least ${hex(arch.pageSize)}`)
  }
  const end = start + size
  if (
    shouldMapPages(namespace) &&
    !(isAligned(start, arch.memremapCompatAlign) && isAligned(end, arch.memremapCompatAlign))
  ) {
    throw new NvdimmError(
      'EOPNOTSUPP',
      `${namespace.name}: [mem ${hex(start)}-${hex(end - 1n)}] misaligned, unable to map: ` +
        `start and end must be multiples of ${hex(arch.memremapCompatAlign)} (memremap_compat_align on ${arch.name})`,
    )
  }
  if (namespace.kind === 'pmem' && !(namespace as { uuid?: string }).uuid) {
    throw new NvdimmError('ENODEV', `${namespace.name}: uuid not set`)
  }
}

/** nd_region_advance_seeds(): once the seed probes, a new seed takes its place. */
async function advanceSeed(namespace: Namespace): Promise<void> {
  if (namespace.region.nsSeed === namespace) await createNamespaceSeed(namespace.region)
}

/** Bind nd_pmem. Already bound is success, as in ndctl_namespace_enable(). */
export async function enableNamespace(namespace: Namespace): Promise<void> {
  if (namespace.enabled) return
  if (!namespace.region.enabled) {
    throw new NvdimmError('ENXIO', `${namespace.name}: ${namespace.region.name} is disabled; enable the region first`)
  }
  const { events, logger } = namespace.region.bus.ctx
  try {
    checkNamespaceProbe(namespace)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    namespace.probeError = error
    // The driver core logs these two quietly; anything else is an error.
    const quiet = error.errno === 'ENODEV' || error.errno === 'ENXIO'
    const log = quiet ? logger.debug : logger.error
    log(`nd_pmem ${error.message}`)
    log(`nd_pmem: probe of ${namespace.name} failed with error ${error.code}`)
    events.emit('namespace:probe-error', namespace, error)
    if (error.errno === 'EOPNOTSUPP') await advanceSeed(namespace)
    throw error
  }
  namespace.probeError = undefined
  namespace.enabled = true
  events.emit('namespace:enable', namespace)
  await advanceSeed(namespace)
}

/** Unbind nd_pmem. The device stays, disabled. */
export async function disableNamespace(namespace: Namespace): Promise<void> {
  if (!namespace.enabled) return
  namespace.enabled = false
  namespace.region.bus.ctx.events.emit('namespace:disable', namespace)
}
