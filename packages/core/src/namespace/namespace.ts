import type { ClaimDevice } from '../claim/claim-device.js'
import { NdPfn } from '../claim/nd-pfn.js'
import type { NvdimmError } from '../errors.js'
import { openBlockDevice, type BlockDevice } from '../data/block-device.js'
import { openDaxDevice, type DaxDevice } from '../data/dax-device.js'
import type { Region } from '../region/region.js'

/** The personality that claims a namespace, as holder_class / a label's abstraction GUID records it. */
export type ClaimClass = 'none' | 'btt' | 'btt2' | 'pfn' | 'dax' | 'unknown'

/**
 * pmem_should_map_pages(): the driver maps struct pages for the namespace itself (raw
 * "memory" mode) when the region asks for it and nothing forces it raw.
 */
export function shouldMapPages(namespace: Namespace): boolean {
  return namespace.region.flags.has('pagemap') && !namespace.forceRaw
}

/** ndctl's modes. A label-less namespace on a pagemap region is "fsdax" with map "mem". */
export type NamespaceMode = 'fsdax' | 'devdax' | 'sector' | 'raw'

/** The kernel's sysfs `mode` of a namespace, which ndctl turns into its mode names. */
export type KernelNamespaceMode = 'safe' | 'memory' | 'dax' | 'raw'

const NDCTL_MODE: Record<KernelNamespaceMode, NamespaceMode> = {
  safe: 'sector',
  memory: 'fsdax',
  dax: 'devdax',
  raw: 'raw',
}

/** Where the struct pages of an fsdax/devdax namespace live (ndctl --map). */
export type NamespaceMap = 'mem' | 'dev' | 'none'

/** A namespace device (namespaceR.N): ND_DEVICE_NAMESPACE_IO or _PMEM. */
export abstract class Namespace {
  abstract readonly kind: 'io' | 'pmem'
  /** The nd_pmem driver is bound and the block device exists. */
  enabled = false
  /** Why the last probe refused to bind, as the kernel logged it. */
  probeError: NvdimmError | undefined
  /** sysfs force_raw: expose the namespace as a plain disk, ignoring any claim. */
  forceRaw = false
  /** The btt, pfn or dax device that owns the namespace (sysfs holder). */
  claim: ClaimDevice | undefined
  /** sysfs holder_class: which personality may claim it (kept in v1.2 labels, in memory otherwise). */
  claimClass: ClaimClass = 'none'

  constructor(
    readonly region: Region,
    /** The N of namespaceR.N; assigned when the device is registered. */
    public id: number,
  ) {}

  get name(): string {
    return `namespace${this.region.id}.${this.id}`
  }

  /** The system-physical range the namespace covers. */
  abstract get resource(): { readonly start: bigint; readonly size: bigint }

  get size(): bigint {
    return this.resource.size
  }

  /** mode_show(): by the kind of claim, else "memory" where pages are mapped, else "raw". */
  get kernelMode(): KernelNamespaceMode {
    const claim = this.claim
    if (claim) return claim.kind === 'btt' ? 'safe' : claim.kind === 'pfn' ? 'memory' : 'dax'
    return shouldMapPages(this) ? 'memory' : 'raw'
  }

  get mode(): NamespaceMode {
    return NDCTL_MODE[this.kernelMode]
  }

  /** ndctl prints "map" for fsdax and devdax only: the claim's location, "mem" for native memory mode. */
  get map(): NamespaceMap | undefined {
    const claim = this.claim
    if (claim instanceof NdPfn) return claim.mode === 'pmem' ? 'dev' : claim.mode === 'ram' ? 'mem' : 'none'
    return this.kernelMode === 'memory' ? 'mem' : undefined
  }

  /** ndctl_namespace_is_active(): the namespace or its claim is bound to a driver. */
  get active(): boolean {
    return this.enabled || (this.claim?.enabled ?? false)
  }

  /** nvdimm_namespace_disk_name(): pmemR, or pmemR.N for a labelled namespace with id N > 0. */
  get diskName(): string {
    return this.kind === 'pmem' && this.id > 0 ? `pmem${this.region.id}.${this.id}` : `pmem${this.region.id}`
  }

  /** The block device: pmemR[.N] raw or fsdax, pmemR[.N]s for a BTT, none for devdax. */
  get blockDevice(): string | undefined {
    if (this.enabled) return this.diskName
    const claim = this.claim
    if (!claim?.enabled || claim.kind === 'dax') return undefined
    return claim.kind === 'btt' ? `${this.diskName}s` : this.diskName
  }

  get numaNode(): number {
    return this.region.numaNode
  }

  get targetNode(): number {
    return this.region.targetNode
  }

  /** The block device (raw, fsdax, sector) to read and write the data through; ENXIO when there is none. */
  openBlockDevice(): BlockDevice {
    return openBlockDevice(this)
  }

  /** The device-dax instance of an active devdax namespace; ENXIO otherwise. */
  openDaxDevice(): DaxDevice {
    return openDaxDevice(this)
  }

  /** Bind nd_pmem (the kernel's probe checks run; EOPNOTSUPP, ENODEV… when it refuses). */
  enable(): Promise<void> {
    return this.region.bus.ctx.drivers.enableNamespace(this)
  }

  disable(): Promise<void> {
    return this.region.bus.ctx.drivers.disableNamespace(this)
  }

  toString(): string {
    return this.name
  }
}
