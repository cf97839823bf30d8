import type { NvdimmError } from '../errors.js'
import type { Region } from '../region/region.js'

/**
 * pmem_should_map_pages(): the driver maps struct pages for the namespace itself (raw
 * "memory" mode) when the region asks for it and nothing forces it raw.
 */
export function shouldMapPages(namespace: Namespace): boolean {
  return namespace.region.flags.has('pagemap') && !namespace.forceRaw
}

/** ndctl's modes. A label-less namespace on a pagemap region is "fsdax" with map "mem". */
export type NamespaceMode = 'fsdax' | 'devdax' | 'sector' | 'raw'

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

  get mode(): NamespaceMode {
    return shouldMapPages(this) ? 'fsdax' : 'raw'
  }

  /** ndctl prints "map" for fsdax and devdax only. */
  get map(): NamespaceMap | undefined {
    return this.mode === 'fsdax' ? 'mem' : undefined
  }

  /** nvdimm_namespace_disk_name(): pmemR, or pmemR.N for a labelled namespace with id N > 0. */
  get diskName(): string {
    return this.kind === 'pmem' && this.id > 0 ? `pmem${this.region.id}.${this.id}` : `pmem${this.region.id}`
  }

  /** The block device, present while the namespace is enabled. */
  get blockDevice(): string | undefined {
    return this.enabled ? this.diskName : undefined
  }

  get numaNode(): number {
    return this.region.numaNode
  }

  get targetNode(): number {
    return this.region.targetNode
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
