import type { MemoryZone } from './memory/memory-block.js'

/**
 * The part of a running system that outlives one process: what an administrator changed
 * through sysfs (enabled or disabled devices, a region's align). A platform saves it after
 * every change and hands it back on the next start, keyed by kernel device name, which is
 * stable because probe order is.
 */
export interface RegionRuntimeState {
  enabled?: boolean
  align?: bigint
}

export interface NamespaceRuntimeState {
  enabled?: boolean
  /**
   * A devdax configuration with map none: nothing on the media records it, so it is
   * re-applied at start, as a boot script would (the dax device's uuid and align, and the
   * namespace's own uuid to make sure it is still the same namespace).
   */
  devdaxNone?: { uuid: string; align: bigint; namespaceUuid?: string }
  /** dax/write_cache, written by an administrator (the default is nvdimm_has_cache()). */
  writeCache?: boolean
  /** MAP_SYNC turned on or off against the build default. */
  mapSync?: boolean
}

/**
 * A dax device bound to kmem in the running kernel, and the zone of each of its online memory
 * blocks (by memoryN). Per boot: a kexec or power cycle drops it, and the device comes back
 * as devdax (unless the daxctl configuration asks again).
 */
export interface KmemRuntimeState {
  /** The dax device's uuid (its info block's), so a different namespace under the same name is left alone. */
  uuid?: string
  online: Record<string, MemoryZone>
}

export interface DimmRuntimeState {
  enabled?: boolean
}

export interface RuntimeState {
  dimms?: Record<string, DimmRuntimeState>
  regions?: Record<string, RegionRuntimeState>
  namespaces?: Record<string, NamespaceRuntimeState>
  /** Power cycles so far: firmware that keeps state across them (locks, freezes) tells boots apart by it. */
  boot?: number
  /** Kernels booted so far, by power cycle or kexec: a provider tells its own bindings from a previous kernel's by it. */
  kernel?: number
  /** The last power-off was a power failure, not an orderly shutdown (until the next power-off). */
  powerLost?: boolean
  kmem?: Record<string, KmemRuntimeState>
  /** The boot-time daxctl configuration (daxctl.conf) was applied in this kernel. */
  daxctlConfigApplied?: boolean
  /** Each provider's firmware state (FirmwareStore), keyed by the provider's position. */
  firmware?: Record<string, unknown>
}
