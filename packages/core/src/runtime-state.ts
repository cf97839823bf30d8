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
  /** Each provider's firmware state (FirmwareStore), keyed by the provider's position. */
  firmware?: Record<string, unknown>
}
