import type { NvdimmError } from '../errors.js'
import type { Region } from '../region/region.js'
import { disableNamespace, enableNamespace, shouldMapPages } from './pmem-driver.js'

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

  enable(): Promise<void> {
    return enableNamespace(this)
  }

  disable(): Promise<void> {
    return disableNamespace(this)
  }

  toString(): string {
    return this.name
  }
}
