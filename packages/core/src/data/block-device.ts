import { checkPmemRead, badSectorIn, writePmemClearingPoison } from '../badblocks/pmem-poison.js'
import { NdBtt } from '../claim/nd-btt.js'
import { NdPfn } from '../claim/nd-pfn.js'
import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { Namespace } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'
import { nvdimmFlush } from '../region/region-flush.js'
import type { Region } from '../region/region.js'
import { hex } from '../units.js'

/**
 * The block device of a namespace (/dev/pmemR[.N], /dev/pmemR[.N]s): byte-addressable over
 * raw and fsdax namespaces (pmem_do_read()/pmem_do_write() are memcpys), whole sectors under
 * BTT, where each sector write is atomic. On a pmem disk, reading a bad sector fails with EIO
 * and writing whole bad sectors clears their poison through the platform first.
 */
export interface BlockDevice {
  readonly name: string
  /** Capacity in bytes, after any personality's metadata. */
  readonly size: bigint
  /** The logical block size the disk reports. */
  readonly sectorSize: number
  /** Offsets and lengths must be multiples of this: 1 for pmem disks, the sector size for BTT. */
  readonly granularity: number
  read(offset: bigint, target: Uint8Array): void
  /**
   * Resolves once written. The bytes land before write() returns unless poison has to be
   * cleared first; bad arguments throw at once.
   */
  write(offset: bigint, source: Uint8Array): Promise<void>
  /** REQ_PREFLUSH / fsync: the region's flush sequence. */
  flush(): Promise<void>
}

function checkRange(device: BlockDevice, offset: bigint, length: number, what: string): void {
  const unit = BigInt(device.granularity)
  if (offset < 0n || offset + BigInt(length) > device.size) {
    throw new NvdimmError(
      'EIO',
      `${device.name}: ${what} of ${length} bytes at ${hex(offset)} is beyond the end (${hex(device.size)})`,
    )
  }
  if (offset % unit !== 0n || BigInt(length) % unit !== 0n) {
    throw new NvdimmError('EINVAL', `${device.name}: ${what} must be whole ${device.granularity}-byte sectors`)
  }
}

/** pmem_attach_disk(): the namespace's bytes after `dataOffset` (an fsdax info block and memmap). */
class PmemDisk implements BlockDevice {
  readonly granularity = 1

  constructor(
    readonly name: string,
    private readonly media: Media,
    private readonly dataOffset: bigint,
    readonly size: bigint,
    readonly sectorSize: number,
    private readonly region: Region,
    private readonly namespace: Namespace,
  ) {}

  read(offset: bigint, target: Uint8Array): void {
    checkRange(this, offset, target.length, 'read')
    checkPmemRead(this.namespace, this.name, offset, target.length)
    this.media.read(this.dataOffset + offset, target)
  }

  write(offset: bigint, source: Uint8Array): Promise<void> {
    checkRange(this, offset, source.length, 'write')
    if (badSectorIn(this.namespace, offset, BigInt(source.length)) !== undefined) {
      return writePmemClearingPoison(this.namespace, this.name, this.media, this.dataOffset, offset, source)
    }
    this.media.write(this.dataOffset + offset, source)
    return Promise.resolve()
  }

  flush(): Promise<void> {
    // With write_cache off the queue has no volatile cache: the block layer drops the flush.
    if (!this.namespace.region.bus.ctx.daxAttributes.writeCache(this.namespace)) return Promise.resolve()
    return nvdimmFlush(this.region)
  }
}

/** btt_submit_bio(): whole sectors, each one atomic. */
class BttDisk implements BlockDevice {
  readonly size: bigint
  readonly sectorSize: number
  readonly granularity: number

  constructor(
    readonly name: string,
    private readonly device: NdBtt,
  ) {
    const btt = device.btt!
    this.size = btt.size
    this.sectorSize = btt.sectorSize
    this.granularity = btt.sectorSize
  }

  private get engine() {
    const btt = this.device.btt
    if (!btt || !this.device.enabled) throw new NvdimmError('ENXIO', `${this.name}: ${this.device.name} is disabled`)
    return btt
  }

  read(offset: bigint, target: Uint8Array): void {
    checkRange(this, offset, target.length, 'read')
    this.engine.read(offset / BigInt(this.sectorSize), target)
  }

  write(offset: bigint, source: Uint8Array): Promise<void> {
    checkRange(this, offset, source.length, 'write')
    this.engine.write(offset / BigInt(this.sectorSize), source)
    return Promise.resolve()
  }

  flush(): Promise<void> {
    return nvdimmFlush(this.device.region)
  }
}

/** The sector size a pmem disk reports: the namespace's, 512 unless a label says 4096. */
function pmemSectorSize(namespace: Namespace): number {
  const lbasize = Number((namespace as { lbasize?: bigint }).lbasize ?? 0n)
  return lbasize > 0 ? lbasize : 512
}

/** The namespace's block device; ENXIO while it has none (disabled, or devdax). */
export function openBlockDevice(namespace: Namespace): BlockDevice {
  const name = namespace.blockDevice
  if (!name) {
    const why =
      namespace.claim?.kind === 'dax' ? 'is devdax: it has a character device, not a block device' : 'is not active'
    throw new NvdimmError('ENXIO', `${namespace.name} ${why}`)
  }
  const claim = namespace.claim
  if (claim instanceof NdBtt) return new BttDisk(name, claim)
  const media = namespaceMedia(namespace)
  const extent = claim instanceof NdPfn ? claim.dataExtent : undefined
  const sectorSize = pmemSectorSize(namespace)
  if (extent) return new PmemDisk(name, media, extent.offset, extent.length, sectorSize, namespace.region, namespace)
  return new PmemDisk(name, media, 0n, namespace.size, sectorSize, namespace.region, namespace)
}
