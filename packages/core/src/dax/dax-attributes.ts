import { NdBtt } from '../claim/nd-btt.js'
import { NvdimmError } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { NamespaceRuntimeState } from '../runtime-state.js'

/** The runtime overrides of a namespace's dax attributes (sysfs writes, gone at the next boot). */
export interface DaxAttributeOverrides {
  writeCache?: boolean
  mapSync?: boolean
}

export interface MapSyncState {
  /** The region's flush is synchronous: CPU cache writeback and a fence reach persistence. */
  capable: boolean
  enabled: boolean
  /** Why MAP_SYNC is refused, when it is. */
  why?: string
}

/**
 * The dax attributes of a pmem namespace (fsdax, or raw with struct pages) and of a devdax
 * namespace's device:
 * - write_cache (/sys/block/pmemN/dax/write_cache): whether the kernel writes CPU caches back
 *   on fsync; it defaults to nvdimm_has_cache(), on unless the CPU cache is persistent.
 * - MAP_SYNC: synchronous faults, where userspace alone makes its stores durable. Only for a
 *   region whose flush is synchronous; an 'async' region (virtio-pmem, papr_scm with
 *   ibm,hcall-flush-required) needs the provider's flush, which only fsync/msync reach. The
 *   seed's policy switch is a device attribute with a build default and a runtime override,
 *   never a per-process prctl.
 */
export class DaxAttributes {
  readonly overrides = new Map<string, DaxAttributeOverrides>()

  constructor(
    /** The build default (a kernel config choice) for every capable device. */
    readonly mapSyncDefault: boolean,
    restore: Record<string, NamespaceRuntimeState> | undefined,
  ) {
    for (const [name, state] of Object.entries(restore ?? {})) {
      const saved: DaxAttributeOverrides = {
        ...(state.writeCache !== undefined ? { writeCache: state.writeCache } : {}),
        ...(state.mapSync !== undefined ? { mapSync: state.mapSync } : {}),
      }
      if (Object.keys(saved).length) this.overrides.set(name, saved)
    }
  }

  /** A dax_device exists: devdax, or a pmem disk that maps struct pages (fsdax, raw on a pagemap region). */
  static has(namespace: Namespace): boolean {
    if (!namespace.active || namespace.claim instanceof NdBtt) return false
    if (namespace.claim?.kind === 'dax' || namespace.claim?.kind === 'pfn') return true
    return namespace.region.flags.has('pagemap')
  }

  /** ENXIO unless the namespace has a dax device to carry the attributes. */
  check(namespace: Namespace): void {
    if (!DaxAttributes.has(namespace)) {
      throw new NvdimmError(
        'ENXIO',
        `${namespace.name} has no dax device: dax attributes belong to fsdax and devdax namespaces (sector mode has none)`,
      )
    }
  }

  /** nvdimm_has_cache(): the kernel's default for write_cache. */
  static writeCacheDefault(namespace: Namespace): boolean {
    return namespace.region.persistenceDomain !== 'cpu_cache'
  }

  writeCache(namespace: Namespace): boolean {
    return this.overrides.get(namespace.name)?.writeCache ?? DaxAttributes.writeCacheDefault(namespace)
  }

  setWriteCache(namespace: Namespace, value: boolean): void {
    this.check(namespace)
    this.override(namespace, { writeCache: value === DaxAttributes.writeCacheDefault(namespace) ? undefined : value })
  }

  mapSync(namespace: Namespace): MapSyncState {
    const region = namespace.region
    if (region.flags.has('async')) {
      return {
        capable: false,
        enabled: false,
        why: `${region.name}'s flush is asynchronous (${region.descriptor.flushName ?? `${region.bus.providerName}'s flush`}, which only fsync and msync reach): stores cannot be made durable from userspace alone`,
      }
    }
    const enabled = this.overrides.get(namespace.name)?.mapSync ?? this.mapSyncDefault
    return enabled
      ? { capable: true, enabled }
      : {
          capable: true,
          enabled,
          why: `MAP_SYNC is turned off for ${namespace.name} (map_sync 0; 'nvdimm map-sync ${namespace.name} 1' turns it on)`,
        }
  }

  setMapSync(namespace: Namespace, value: boolean): void {
    this.check(namespace)
    const state = this.mapSync(namespace)
    if (value && !state.capable)
      throw new NvdimmError('EOPNOTSUPP', `${namespace.name}: MAP_SYNC cannot be turned on: ${state.why}`)
    this.override(namespace, { mapSync: value === this.mapSyncDefault ? undefined : value })
  }

  /** A MAP_SHARED_VALIDATE | MAP_SYNC mapping: EOPNOTSUPP unless the device supports it now. */
  checkMapSync(namespace: Namespace, device: string): void {
    this.check(namespace)
    const state = this.mapSync(namespace)
    if (!state.enabled) throw new NvdimmError('EOPNOTSUPP', `${device}: MAP_SYNC refused: ${state.why}`)
  }

  private override(namespace: Namespace, change: DaxAttributeOverrides): void {
    const next = { ...this.overrides.get(namespace.name), ...change }
    for (const key of Object.keys(next) as (keyof DaxAttributeOverrides)[])
      if (next[key] === undefined) delete next[key]
    if (Object.keys(next).length) this.overrides.set(namespace.name, next)
    else this.overrides.delete(namespace.name)
  }
}
