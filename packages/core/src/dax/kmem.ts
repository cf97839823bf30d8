import { NvdimmError } from '../errors.js'
import type { HotplugResource, MemoryHotplug } from '../memory/memory-hotplug.js'
import type { Logger } from '../provider/types.js'
import { hex } from '../units.js'

/** The resource name kmem gives the memory it adds (drivers/dax/kmem.c). */
export const KMEM_RESOURCE_NAME = 'System RAM (kmem)'

/** What kmem needs of a dax device: its name, its physical range and its target node. */
export interface KmemDevice {
  readonly name: string
  readonly start: bigint
  readonly size: bigint
  readonly targetNode: number
  /** The nd_dax uuid, kept so the next session of this kernel finds the same device. */
  readonly uuid?: string | undefined
}

/** A dax device bound to kmem: its range (under the device's name) and the memory added there. */
export interface KmemBinding {
  device: string
  uuid?: string | undefined
  start: bigint
  /** Inclusive. */
  end: bigint
  memory: HotplugResource
}

/**
 * The part of a dax range kmem can use: dax_kmem_range() rounds the start up and the end down
 * to the memory block size. Undefined when nothing is left.
 */
export function kmemRange(start: bigint, size: bigint, blockSize: bigint): { start: bigint; end: bigint } | undefined {
  const first = ((start + blockSize - 1n) / blockSize) * blockSize
  const last = ((start + size) / blockSize) * blockSize
  return last > first ? { start: first, end: last - 1n } : undefined
}

/**
 * The kmem driver (drivers/dax/kmem.c): binds a dax device by adding its range as
 * driver-managed System RAM, and unbinds by removing it again.
 */
export class Kmem {
  readonly bindings = new Map<string, KmemBinding>()

  constructor(
    private readonly memory: MemoryHotplug,
    readonly logger: Logger,
  ) {}

  binding(device: string): KmemBinding | undefined {
    return this.bindings.get(device)
  }

  /** dev_dax_kmem_probe(). */
  probe(device: KmemDevice): KmemBinding {
    if (this.bindings.has(device.name)) throw new NvdimmError('EBUSY', `${device.name} is already bound to kmem`)
    const range = kmemRange(device.start, device.size, this.memory.blockSize)
    if (!range) {
      const mapping = `mapping0: ${hex(device.start)}-${hex(device.start + device.size - 1n)} too small after alignment`
      this.logger.warn(`kmem ${device.name}: ${mapping}`)
      this.logger.warn(`kmem ${device.name}: rejecting DAX region without any memory after alignment`)
      throw new NvdimmError(
        'EINVAL',
        `${device.name}: rejecting DAX region without any memory after alignment (${mapping} to memory blocks of ${hex(this.memory.blockSize)})`,
      )
    }
    const memory = this.memory.addMemoryDriverManaged(
      range.start,
      range.end - range.start + 1n,
      KMEM_RESOURCE_NAME,
      device.targetNode,
    )
    const binding = { device: device.name, uuid: device.uuid, ...range, memory }
    this.bindings.set(device.name, binding)
    return binding
  }

  /**
   * dev_dax_kmem_remove(): removing fails while blocks are online. The kernel then unbinds
   * anyway and strands the memory until the next boot; we refuse with EBUSY instead, as ndctl
   * (ndctl_namespace_disable_safe()) and daxctl do before they unbind.
   */
  remove(device: string): void {
    const binding = this.bindings.get(device)
    if (!binding) return
    const online = binding.memory.blocks.filter((block) => block.state === 'online').length
    if (online > 0) {
      throw new NvdimmError(
        'EBUSY',
        `${device} is active as system-ram with ${online} memory block${online > 1 ? 's' : ''} online: offline ${online > 1 ? 'them' : 'it'} first (nvdimm daxctl offline-memory ${device})`,
      )
    }
    this.memory.remove(binding.memory)
    this.bindings.delete(device)
  }
}
