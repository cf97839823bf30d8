import type { SubsystemContext } from '../context.js'
import { checkDaxMapping, DaxMapping } from '../data/dax-device.js'
import { MemoryMedia } from '../media/memory-media.js'
import type { HotplugResource } from '../memory/memory-hotplug.js'
import { RegionPersistence } from '../persistence/region-persistence.js'
import type { DaxDev } from './dax-dev.js'

/**
 * A Soft Reserved range: memory the firmware marked special purpose (EFI_MEMORY_SP, e820 type
 * 0xefffffff), which the kernel leaves to dax_hmem instead of taking as System RAM.
 */
export interface SoftReservedDescriptor {
  start: bigint
  size: bigint
  targetNode: number
  /** The firmware's own memory map lists it (not only the kernel's copy, as memmap= does). */
  firmwareMemmap?: boolean
}

/**
 * hmem_register_device() (drivers/dax/hmem): a platform device hmem.N, N a memregion id shared
 * with nd regions, and its one dax device daxN.0 over the whole range, aligned to the PMD size.
 */
export class HmemRegion {
  readonly name: string
  readonly device: HmemDaxDevice

  constructor(
    readonly id: number,
    readonly descriptor: SoftReservedDescriptor,
    ctx: SubsystemContext,
  ) {
    this.name = `hmem.${id}`
    this.device = new HmemDaxDevice(this, ctx)
  }
}

/** /dev/daxN.0 over a Soft Reserved range: ordinary (volatile) memory, so nothing outlives a session. */
export class HmemDaxDevice implements DaxDev {
  readonly name: string
  readonly regionId: number
  readonly size: bigint
  readonly align: bigint
  readonly targetNode: number
  readonly start: bigint
  readonly uuid = undefined
  readonly regionPath: string
  private open = 0
  private persistence: RegionPersistence | undefined

  constructor(
    region: HmemRegion,
    private readonly ctx: SubsystemContext,
  ) {
    this.name = `dax${region.id}.0`
    this.regionId = region.id
    this.size = region.descriptor.size
    // PMD_SIZE: the second of the arch's page sizes.
    this.align = ctx.arch.supportedAlignments[1] ?? ctx.arch.pageSize
    this.targetNode = region.descriptor.targetNode
    this.start = region.descriptor.start
    this.regionPath = `/platform/${region.name}`
  }

  get mode(): 'devdax' | 'system-ram' {
    return this.ctx.kmem.binding(this.name) ? 'system-ram' : 'devdax'
  }

  get memory(): HotplugResource | undefined {
    return this.ctx.kmem.binding(this.name)?.memory
  }

  get mappings(): number {
    return this.open
  }

  /** mmap(): device-dax is always synchronous, and this is RAM: MAP_SYNC is granted. */
  map(offset: bigint, length: bigint): DaxMapping {
    checkDaxMapping(this, offset, length)
    this.persistence ??= new RegionPersistence(new MemoryMedia(this.size), this.ctx.arch.cacheLineSize, 'unknown')
    this.open++
    return new DaxMapping(this.persistence, offset, length, this.name, () => this.open--)
  }
}
