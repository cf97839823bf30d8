import { NvdimmError } from '../errors.js'
import { hex } from '../units.js'
import type { FirmwareMemmapEntry } from './firmware-memmap.js'
import { MemoryBlock, type MemoryZone } from './memory-block.js'

/** /sys/devices/system/memory/auto_online_blocks: what becomes of a block when it is added. */
export const AUTO_ONLINE_POLICIES = ['offline', 'online', 'online_kernel', 'online_movable'] as const
export type AutoOnlinePolicy = (typeof AUTO_ONLINE_POLICIES)[number]

/** What may be written to memoryN/state to online a block. */
export type OnlineType = 'online' | 'online_kernel' | 'online_movable'

/** A hot-added range of System RAM in the resource tree. */
export interface HotplugResource {
  start: bigint
  /** Inclusive. */
  end: bigint
  /** "System RAM", or "System RAM ($driver)" for driver-managed memory. */
  name: string
  /** IORESOURCE_SYSRAM_DRIVER_MANAGED: kexec places nothing here and does not pass it on; kdump dumps it. */
  driverManaged: boolean
  blocks: MemoryBlock[]
}

const DRIVER_MANAGED_NAME = /^System RAM \(.+\)$/

/** The zone "online" picks when nothing asks for movable (zone_for_pfn_range(): the kernel zone). */
function zoneFor(type: OnlineType): MemoryZone {
  return type === 'online_movable' ? 'Movable' : 'Normal'
}

/**
 * Memory hotplug (mm/memory_hotplug.c) for what drivers and firmware add after boot: the
 * resources, their memory blocks and the firmware-map entries real hot-add makes.
 */
export class MemoryHotplug {
  readonly resources: HotplugResource[] = []
  /** What firmware_map_add_hotplug() added: only memory that is not driver-managed. */
  readonly firmwareEntries: FirmwareMemmapEntry[] = []

  constructor(
    /** memory_block_size_bytes(). */
    readonly blockSize: bigint,
    public autoOnline: AutoOnlinePolicy = 'offline',
  ) {}

  get blocks(): MemoryBlock[] {
    return this.resources.flatMap((resource) => resource.blocks)
  }

  block(name: string): MemoryBlock | undefined {
    return this.blocks.find((block) => block.name === name)
  }

  /** add_memory(): ordinary hot-added RAM (an ACPI memory device): named "System RAM", listed in the firmware map. */
  addMemory(start: bigint, size: bigint, node: number): HotplugResource {
    const resource = this.add(start, size, 'System RAM', false, node)
    this.firmwareEntries.push({ start, end: start + size - 1n, type: 'System RAM' })
    return resource
  }

  /**
   * add_memory_driver_managed(): RAM a driver decides about each boot. The name must read
   * "System RAM ($driver)" so /proc/iomem walkers can tell; no firmware-map entry is made.
   */
  addMemoryDriverManaged(start: bigint, size: bigint, name: string, node: number): HotplugResource {
    if (!DRIVER_MANAGED_NAME.test(name)) {
      throw new NvdimmError('EINVAL', `driver-managed memory must be named "System RAM ($driver)", not "${name}"`)
    }
    return this.add(start, size, name, true, node)
  }

  private add(start: bigint, size: bigint, name: string, driverManaged: boolean, node: number): HotplugResource {
    const end = start + size - 1n
    if (size <= 0n || start % this.blockSize !== 0n || size % this.blockSize !== 0n) {
      throw new NvdimmError(
        'EINVAL',
        `[mem ${hex(start)}-${hex(end)}] is not made of whole memory blocks of ${hex(this.blockSize)}`,
      )
    }
    const clash = this.resources.find((other) => other.start <= end && start <= other.end)
    if (clash) {
      throw new NvdimmError(
        'EEXIST',
        `System RAM resource [mem ${hex(start)}-${hex(end)}] cannot be added: it overlaps [mem ${hex(clash.start)}-${hex(clash.end)}]`,
      )
    }
    const blocks: MemoryBlock[] = []
    for (let at = start; at <= end; at += this.blockSize)
      blocks.push(new MemoryBlock(at / this.blockSize, this.blockSize, node))
    const resource: HotplugResource = { start, end, name, driverManaged, blocks }
    this.resources.push(resource)
    this.resources.sort((a, b) => (a.start < b.start ? -1 : 1))
    // memhp_default_online_type: blocks come up onlined when the policy says so.
    if (this.autoOnline !== 'offline') for (const block of blocks) this.online(block, this.autoOnline)
    return resource
  }

  /** Write `type` to memoryN/state; an online block stays as it is. */
  online(block: MemoryBlock, type: OnlineType): void {
    if (block.state === 'online') return
    block.state = 'online'
    block.zone = zoneFor(type)
  }

  /** Write "offline" to memoryN/state: EBUSY when pages in it cannot be migrated away. */
  offline(block: MemoryBlock): void {
    if (block.state === 'offline') return
    if (!block.removable) {
      throw new NvdimmError(
        'EBUSY',
        `${block.name} (${block.zone} zone) holds kernel allocations that cannot be migrated: it cannot be offlined until the next boot`,
      )
    }
    block.state = 'offline'
    block.zone = undefined
  }

  /** Put a block back as an earlier session of the same kernel left it (online in `zone`, or offline). */
  restoreBlock(block: MemoryBlock, zone: MemoryZone | undefined): void {
    block.state = zone ? 'online' : 'offline'
    block.zone = zone
  }

  /** remove_memory(): every block must be offline (EBUSY otherwise). */
  remove(resource: HotplugResource): void {
    const online = resource.blocks.filter((block) => block.state === 'online')
    if (online.length) {
      throw new NvdimmError(
        'EBUSY',
        `[mem ${hex(resource.start)}-${hex(resource.end)}] has ${online.length} memory block${online.length > 1 ? 's' : ''} online (${online.map((block) => block.name).join(', ')})`,
      )
    }
    this.resources.splice(this.resources.indexOf(resource), 1)
    // firmware_map_remove(): driver-managed memory has no entry (-EINVAL there, ignored).
    const entry = this.firmwareEntries.findIndex((e) => e.start === resource.start && e.end === resource.end)
    if (entry >= 0) this.firmwareEntries.splice(entry, 1)
  }
}
