import type { ClaimDevice } from '../claim/claim-device.js'
import { NvdimmError } from '../errors.js'
import { deleteClaim, probePersonality } from '../claim/claim-driver.js'
import { advanceSeeds } from '../region/region-driver.js'
import { hex, isAligned } from '../units.js'
import { type Namespace, shouldMapPages } from './namespace.js'

/**
 * The checks nd_pmem's probe makes before it attaches a disk, in the kernel's order
 * (namespace_devs.c nvdimm_namespace_common_probe()): a claimed namespace (or, for a btt, pfn
 * or dax `host`, a namespace bound raw), locked dimms, a namespace too small to hold a page,
 * a page-mapped namespace not aligned to the arch's memremap_compat_align() (seed
 * "libnvdimm/namespace: Enforce memremap_compat_align()"; fsdax and devdax check theirs in
 * nd_pfn_validate()), a labelled one without uuid.
 */
export function checkNamespaceProbe(namespace: Namespace, host?: ClaimDevice): void {
  const { start, size } = namespace.resource
  const { arch } = namespace.region.bus.ctx
  if (host) {
    if (namespace.enabled) throw new NvdimmError('EBUSY', `${namespace.name}: is active, can't bind ${host.name}`)
    if (namespace.claim !== host) {
      throw new NvdimmError(
        'ENXIO',
        `${namespace.name}: host (${host.name}) vs claim (${namespace.claim?.name}) mismatch`,
      )
    }
  } else if (namespace.claim) {
    throw new NvdimmError('ENXIO', `${namespace.name}: claimed by ${namespace.claim.name}, failing probe`)
  }
  const locked = namespace.region.mappings.find((mapping) => mapping.dimm.flags.has('locked'))
  if (locked) throw new NvdimmError('EACCES', `${namespace.name}: ${locked.dimm.name} locked`)
  if (size < arch.pageSize) {
    throw new NvdimmError('ENODEV', `${namespace.name}: ${hex(size)}, too small must be at least ${hex(arch.pageSize)}`)
  }
  const end = start + size
  if (
    !host &&
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

/**
 * Bind nd_pmem (ndctl_namespace_enable()). A personality found on the media claims the
 * namespace instead and the namespace is active through it; already active is success.
 */
export async function enableNamespace(namespace: Namespace): Promise<void> {
  if (namespace.active) return
  if (!namespace.region.enabled) {
    throw new NvdimmError('ENXIO', `${namespace.name}: ${namespace.region.name} is disabled; enable the region first`)
  }
  const { events, logger } = namespace.region.bus.ctx
  let claimed: ClaimDevice | undefined
  try {
    checkNamespaceProbe(namespace)
    claimed = await probePersonality(namespace)
    if (claimed && !claimed.enabled) {
      const cause = claimed.probeError
      throw new NvdimmError(
        cause?.errno ?? 'ENXIO',
        `${namespace.name}: claimed by ${claimed.name}, which failed to enable: ${cause?.message ?? 'unknown error'}`,
        { cause },
      )
    }
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    namespace.probeError = error
    if (!claimed) {
      // The driver core logs these two quietly; anything else is an error.
      const quiet = error.errno === 'ENODEV' || error.errno === 'ENXIO'
      const log = quiet ? logger.debug : logger.error
      log(`nd_pmem ${error.message}`)
      log(`nd_pmem: probe of ${namespace.name} failed with error ${error.code}`)
    }
    events.emit('namespace:probe-error', namespace, error)
    if (error.errno === 'EOPNOTSUPP') await advanceSeeds(namespace.region, namespace)
    throw error
  }
  namespace.probeError = undefined
  if (claimed) return
  namespace.enabled = true
  events.emit('namespace:enable', namespace)
  await advanceSeeds(namespace.region, namespace)
}

/**
 * Unbind nd_pmem (ndctl_namespace_disable_invalidate()): a claiming btt, pfn or dax device is
 * unbound and detached first, so the namespace is idle; its metadata stays on the media.
 */
export async function disableNamespace(namespace: Namespace): Promise<void> {
  if (namespace.claim) await deleteClaim(namespace.claim)
  if (!namespace.enabled) return
  namespace.enabled = false
  namespace.region.bus.ctx.events.emit('namespace:disable', namespace)
}
