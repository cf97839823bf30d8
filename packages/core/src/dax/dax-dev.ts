import type { HotplugResource } from '../memory/memory-hotplug.js'

/**
 * What daxctl and kmem see of a dax device, whichever driver made it: dax_pmem over a devdax
 * namespace (DaxDevice) or dax_hmem over a Soft Reserved range (HmemDaxDevice).
 */
export interface DaxDev {
  readonly name: string
  /** The dax region's id: the nd region's, or the hmem device's memregion id. */
  readonly regionId: number
  readonly size: bigint
  readonly align: bigint
  readonly targetNode: number
  /** Where the device's range starts in the physical address space. */
  readonly start: bigint
  readonly uuid: string | undefined
  /** The dax region's parent device below /sys/devices, as `daxctl list -R` prints it. */
  readonly regionPath: string
  readonly mode: 'devdax' | 'system-ram'
  /** kmem's memory while the device is System RAM. */
  readonly memory: HotplugResource | undefined
  /** Mappings programs hold open now. */
  readonly mappings: number
}
