import { NvdimmError } from '../errors.js'
import { hex, isAligned } from '../units.js'
import type { Namespace } from './namespace.js'

/**
 * pmem_should_map_pages(): the driver maps struct pages for the namespace itself (raw
 * "memory" mode) when the region asks for it and nothing forces it raw.
 */
export function shouldMapPages(namespace: Namespace): boolean {
  return namespace.region.flags.has('pagemap') && !namespace.forceRaw
}

/**
 * The checks nd_pmem's probe makes before it attaches a disk. A namespace whose pages are
 * mapped must start and end on the arch's memremap_compat_align() (namespace_devs.c
 * nvdimm_namespace_common_probe(), seed "libnvdimm/namespace: Enforce
 * memremap_compat_align()"); otherwise the probe fails with EOPNOTSUPP.
 */
export function checkNamespaceProbe(namespace: Namespace): void {
  const { start, size } = namespace.resource
  const { arch } = namespace.region.bus.ctx
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
    logger.error(`nd_pmem ${error.message}`)
    logger.error(`nd_pmem: probe of ${namespace.name} failed with error ${error.code}`)
    events.emit('namespace:probe-error', namespace, error)
    throw error
  }
  namespace.probeError = undefined
  namespace.enabled = true
  events.emit('namespace:enable', namespace)
}

/** Unbind nd_pmem. The device stays, disabled. */
export async function disableNamespace(namespace: Namespace): Promise<void> {
  if (!namespace.enabled) return
  namespace.enabled = false
  namespace.region.bus.ctx.events.emit('namespace:disable', namespace)
}
