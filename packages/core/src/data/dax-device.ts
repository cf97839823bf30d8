import type { NdPfn } from '../claim/nd-pfn.js'
import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { Namespace } from '../namespace/namespace.js'
import { MediaWindow } from '../media/media-window.js'
import type { RegionPersistence } from '../persistence/region-persistence.js'
import { hex } from '../units.js'
import type { HotplugResource } from '../memory/memory-hotplug.js'
import type { DaxDev } from '../dax/dax-dev.js'

/**
 * A device-dax instance (/dev/daxR.N, drivers/dax/device.c) over a devdax namespace: the data
 * after the info block and memmap, mapped in pieces aligned to the dax region's alignment
 * (check_vma(): "unaligned vma"). Stores through a mapping are durable once flushed.
 */
export class DaxDevice implements DaxDev {
  /** The dax region: id (the nd region's), data range and alignment. */
  readonly regionId: number
  readonly name: string
  readonly size: bigint
  readonly align: bigint
  readonly targetNode: number

  constructor(
    private readonly device: NdPfn,
    private readonly namespace: Namespace,
  ) {
    const info = device.info!
    this.regionId = namespace.region.id
    this.name = daxDeviceName(namespace)
    this.size = device.size!
    this.align = BigInt(info.align)
    this.targetNode = namespace.region.targetNode
  }

  /** Where the data starts in the physical address space (the device's `resource`). */
  get start(): bigint {
    return this.namespace.resource.start + this.dataOffset
  }

  /** The driver bound: device_dax gives /dev/daxR.N; kmem makes it System RAM. */
  get mode(): 'devdax' | 'system-ram' {
    return this.namespace.region.bus.ctx.kmem.binding(this.name) ? 'system-ram' : 'devdax'
  }

  /** The nd_dax device's uuid (from its info block). */
  get uuid(): string | undefined {
    return this.device.uuid
  }

  /** kmem's memory for the device while it is in system-ram mode. */
  get memory(): HotplugResource | undefined {
    return this.namespace.region.bus.ctx.kmem.binding(this.name)?.memory
  }

  /** The dax region's sysfs path below /sys/devices: the nd_dax device's. */
  get regionPath(): string {
    const region = this.namespace.region
    const bus = region.bus
    const parent = bus.descriptor.parentDevice ?? `/platform/${bus.descriptor.providerName}`
    return `${parent}/${bus.name}/${region.name}/${this.device.name}`
  }

  /** Mappings programs hold open now. */
  get mappings(): number {
    return openMappings.get(this.device) ?? 0
  }

  /** The data's offset within the namespace. */
  private get dataOffset(): bigint {
    const extent = this.device.dataExtent
    if (!extent) throw new NvdimmError('ENXIO', `${this.name}: ${this.device.name} is disabled`)
    return extent.offset
  }

  /**
   * mmap(): `offset` and `length` must be multiples of the alignment and inside the device.
   * `sync` asks for MAP_SHARED_VALIDATE | MAP_SYNC (EOPNOTSUPP where the device refuses it).
   */
  map(offset: bigint, length: bigint, options: { sync?: boolean } = {}): DaxMapping {
    if (options.sync) this.namespace.region.bus.ctx.daxAttributes.checkMapSync(this.namespace, this.name)
    checkDaxMapping(this, offset, length)
    const region = this.namespace.region
    const inRegion = this.namespace.resource.start - region.resource.start + this.dataOffset + offset
    openMappings.set(this.device, this.mappings + 1)
    return new DaxMapping(region.persistence, inRegion, length, this.name, () =>
      openMappings.set(this.device, this.mappings - 1),
    )
  }
}

/** mmap() of /dev/daxR.N: the device must be device_dax's (check_vma(): inside it and aligned). */
export function checkDaxMapping(dax: DaxDev, offset: bigint, length: bigint): void {
  if (dax.mode === 'system-ram') {
    throw new NvdimmError(
      'ENXIO',
      `${dax.name} is in system-ram mode (bound to kmem): there is no /dev/${dax.name} to map`,
    )
  }
  if (length <= 0n || offset < 0n || offset + length > dax.size) {
    throw new NvdimmError('ENXIO', `${dax.name}: mapping ${hex(offset)}+${hex(length)} is outside ${hex(dax.size)}`)
  }
  if (offset % dax.align !== 0n || length % dax.align !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      `${dax.name}: fail, unaligned vma (${hex(offset)} - ${hex(offset + length)}, ${hex(dax.align)})`,
    )
  }
}

/** Open mappings by dax device, across the DaxDevice handles opened on it. */
const openMappings = new WeakMap<NdPfn, number>()

/**
 * One aligned mapping, as a program sees it: loads and stores at any byte. Under the region's
 * cache model a store is a cached CPU store until written back (writeback(): clwb / dcbstps)
 * and fenced (barrier(): pmem_wmb); persist() is both, as libpmem's pmem_persist(); flush()
 * persists the whole mapping. Without the model every store is on the media at once.
 */
export class DaxMapping {
  constructor(
    private readonly region: RegionPersistence,
    /** Where the mapping starts in the region's media. */
    private readonly base: bigint,
    readonly length: bigint,
    private readonly deviceName: string,
    private readonly release: () => void = () => undefined,
  ) {}

  private unmapped = false

  /** munmap(): the device is no longer in use by this mapping. */
  unmap(): void {
    if (this.unmapped) return
    this.unmapped = true
    this.release()
  }

  private check(offset: bigint, size: number): void {
    if (this.unmapped) throw new NvdimmError('EFAULT', `${this.deviceName}: access after munmap (SIGSEGV)`)
    if (offset < 0n || offset + BigInt(size) > this.length) {
      throw new NvdimmError('EFAULT', `${this.deviceName}: access at ${hex(offset)} beyond the mapping (SIGBUS)`)
    }
  }

  read(offset: bigint, target: Uint8Array): void {
    this.check(offset, target.length)
    this.region.read(this.base + offset, target)
  }

  /** A CPU store. */
  write(offset: bigint, source: Uint8Array): void {
    this.check(offset, source.length)
    if (this.region.modelled) this.region.store(this.base + offset, source)
    else this.region.write(this.base + offset, source)
  }

  /** A non-temporal store (pmem_memcpy_nodrain): past the cache, still to be fenced. */
  writeNonTemporal(offset: bigint, source: Uint8Array): void {
    this.check(offset, source.length)
    this.region.write(this.base + offset, source)
  }

  /** Write back the cache lines of the range (clwb / dcbstps), without waiting. */
  writeback(offset: bigint, length: number): void {
    this.check(offset, length)
    if (this.region.modelled) this.region.writeback(this.base + offset, length)
  }

  /** pmem_wmb(): what was written back or stored non-temporally is in the persistence domain. */
  barrier(): void {
    this.region.barrier()
  }

  persist(offset: bigint, length: number): void {
    this.writeback(offset, length)
    this.barrier()
  }

  flush(): void {
    this.persist(0n, Number(this.length))
  }

  /** The mapping's bytes inside a region image (what a crash-state check is handed). */
  view(regionImage: Media): Media {
    return new MediaWindow(regionImage, this.base, this.length)
  }
}

/** __dax_pmem_probe() names the dax device after the namespace (daxR.N), not the nd_dax device. */
export function daxDeviceName(namespace: Namespace): string {
  return `dax${namespace.region.id}.${namespace.id}`
}

/** The namespace's device-dax instance; ENXIO unless it is an active devdax namespace. */
export function openDaxDevice(namespace: Namespace): DaxDevice {
  const claim = namespace.claim
  if (claim?.kind !== 'dax' || !claim.enabled) {
    throw new NvdimmError('ENXIO', `${namespace.name} is not an active devdax namespace`)
  }
  return new DaxDevice(claim as NdPfn, namespace)
}
