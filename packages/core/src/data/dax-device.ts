import type { NdPfn } from '../claim/nd-pfn.js'
import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { Namespace } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'
import { hex } from '../units.js'

/**
 * A device-dax instance (/dev/daxR.N, drivers/dax/device.c) over a devdax namespace: the data
 * after the info block and memmap, mapped in pieces aligned to the dax region's alignment
 * (check_vma(): "unaligned vma"). Stores through a mapping are durable once flushed.
 */
export class DaxDevice {
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
    // __dax_pmem_probe() names the device after the namespace, not the nd_dax device.
    this.name = `dax${namespace.region.id}.${namespace.id}`
    this.size = device.size!
    this.align = BigInt(info.align)
    this.targetNode = namespace.region.targetNode
  }

  /** The data's offset within the namespace. */
  private get dataOffset(): bigint {
    const extent = this.device.dataExtent
    if (!extent) throw new NvdimmError('ENXIO', `${this.name}: ${this.device.name} is disabled`)
    return extent.offset
  }

  /** mmap(): `offset` and `length` must be multiples of the alignment and inside the device. */
  map(offset: bigint, length: bigint): DaxMapping {
    if (length <= 0n || offset < 0n || offset + length > this.size) {
      throw new NvdimmError('ENXIO', `${this.name}: mapping ${hex(offset)}+${hex(length)} is outside ${hex(this.size)}`)
    }
    if (offset % this.align !== 0n || length % this.align !== 0n) {
      throw new NvdimmError(
        'EINVAL',
        `${this.name}: fail, unaligned vma (${hex(offset)} - ${hex(offset + length)}, ${hex(this.align)})`,
      )
    }
    return new DaxMapping(namespaceMedia(this.namespace), this.dataOffset + offset, length, this.name)
  }
}

/** One aligned mapping: loads and stores at any byte, made durable by flush() (a CPU cache flush). */
export class DaxMapping {
  constructor(
    private readonly media: Media,
    private readonly base: bigint,
    readonly length: bigint,
    private readonly deviceName: string,
  ) {}

  private check(offset: bigint, size: number): void {
    if (offset < 0n || offset + BigInt(size) > this.length) {
      throw new NvdimmError('EFAULT', `${this.deviceName}: access at ${hex(offset)} beyond the mapping (SIGBUS)`)
    }
  }

  read(offset: bigint, target: Uint8Array): void {
    this.check(offset, target.length)
    this.media.read(this.base + offset, target)
  }

  write(offset: bigint, source: Uint8Array): void {
    this.check(offset, source.length)
    this.media.write(this.base + offset, source)
  }

  flush(): void {
    this.media.sync()
  }
}

/** The namespace's device-dax instance; ENXIO unless it is an active devdax namespace. */
export function openDaxDevice(namespace: Namespace): DaxDevice {
  const claim = namespace.claim
  if (claim?.kind !== 'dax' || !claim.enabled) {
    throw new NvdimmError('ENXIO', `${namespace.name} is not an active devdax namespace`)
  }
  return new DaxDevice(claim as NdPfn, namespace)
}
