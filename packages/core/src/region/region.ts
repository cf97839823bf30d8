import type { Bus } from '../bus/bus.js'
import type { ClaimDevice, ClaimKind } from '../claim/claim-device.js'
import type { NdBtt } from '../claim/nd-btt.js'
import type { NdPfn } from '../claim/nd-pfn.js'
import type { Dimm } from '../dimm/dimm.js'
import type { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import { RegionPersistence } from '../persistence/region-persistence.js'
import { regionAllocatableDpa, regionAvailableDpa } from '../namespace/dpa-allocator.js'
import { indexVersionOf } from '../namespace/label/label-store.js'
import { interleaveSetCookie, type LabelEnt } from '../namespace/label/label-update.js'
import type { Namespace } from '../namespace/namespace.js'
import type { InterleaveSet, RegionDescriptor, RegionFlag, RegionRef, RegionType } from '../provider/types.js'
import { Ida } from '../util/ida.js'
import { defaultRegionAlign } from './align.js'
import { setRegionAlign } from './region-align.js'

export interface Mapping {
  readonly dimm: Dimm
  /** DPA start within the dimm. */
  readonly start: bigint
  readonly size: bigint
  readonly position: number
}

/** What sysfs persistence_domain reports; ndctl prints an empty value as "unknown". */
export type PersistenceDomain = 'cpu_cache' | 'memory_controller' | 'unknown'

/** Namespaces from labels (pmem) or one covering the region (io, "label-less"). */
export type NamespaceType = 'io' | 'pmem'

/** A region (regionN): a system-physical address range over one or more dimm mappings. */
export class Region implements RegionRef {
  readonly name: string
  readonly type: RegionType
  readonly resource: { readonly start: bigint; readonly size: bigint }
  /** The provider's media as the CPU reaches it (see RegionPersistence). */
  readonly media: Media
  readonly persistence: RegionPersistence
  readonly mappings: readonly Mapping[]
  readonly interleaveSet: InterleaveSet | undefined
  readonly numaNode: number
  readonly targetNode: number
  readonly flags: ReadonlySet<RegionFlag>
  /** default_align() for this region, before any administrator change. */
  readonly defaultAlign: bigint
  /** Space-allocation alignment for new namespaces (sysfs regionN/align). */
  align: bigint
  /** The nd_region driver is bound: namespaces exist only while it is. */
  enabled = false
  /** Why the last probe failed (a broken label set, a disabled labelling dimm). */
  probeError: NvdimmError | undefined
  readonly namespaces: Namespace[] = []
  /** Namespace ids within this region. */
  readonly namespaceIda = new Ida()
  /** The namespace a new one is configured through (namespace_seed). */
  nsSeed: Namespace | undefined
  /** btt, pfn and dax devices, seeds included, in creation order. */
  readonly claims: ClaimDevice[] = []
  /** Ids of bttR.N, pfnR.N and daxR.N. */
  readonly claimIdas: Record<ClaimKind, Ida> = { btt: new Ida(), pfn: new Ida(), dax: new Ida() }
  /** btt_seed, pfn_seed, dax_seed: the unconfigured device of each kind. */
  seeds: { btt?: NdBtt; pfn?: NdPfn; dax?: NdPfn } = {}
  /** The labels tracked per mapping while the region is enabled (nd_mapping->labels). */
  mappingLabels: LabelEnt[][] = []
  /** Dimms marked busy by this region's probe. */
  readonly activeDimms: Dimm[] = []

  constructor(
    readonly bus: Bus,
    readonly id: number,
    readonly descriptor: RegionDescriptor,
    mappings: readonly Mapping[],
  ) {
    this.name = `region${id}`
    this.type = descriptor.type
    this.resource = Object.freeze({ ...descriptor.resource })
    this.mappings = Object.freeze([...mappings])
    this.interleaveSet = descriptor.interleaveSet
    this.numaNode = descriptor.numaNode
    this.targetNode = descriptor.targetNode
    this.flags = new Set(descriptor.flags)
    this.persistence = new RegionPersistence(descriptor.media, bus.ctx.arch.cacheLineSize, this.persistenceDomain)
    this.media = this.persistence
    this.defaultAlign = defaultRegionAlign(this.resource.size, mappings.length, bus.ctx.arch.pageSize)
    this.align = this.defaultAlign
  }

  get providerData(): unknown {
    return this.descriptor.providerData
  }

  get persistenceDomain(): PersistenceDomain {
    if (this.flags.has('persistCache')) return 'cpu_cache'
    if (this.flags.has('persistMemctrl')) return 'memory_controller'
    return 'unknown'
  }

  /**
   * sysfs set_cookie (set_cookie_show()): the cookie the labels of this region carry, which
   * needs the first mapping's label index to tell v1.1 (cookie1) from v1.2 (cookie2).
   */
  get isetCookie(): bigint | undefined {
    if (!this.interleaveSet) return undefined
    const ndd = this.mappings[0]?.dimm.drvdata
    if (!ndd) return this.interleaveSet.cookie1
    return interleaveSetCookie(this, ndd.nsCurrent >= 0 ? indexVersionOf(ndd, ndd.nsCurrent) : undefined)
  }

  /** nd_region_to_nstype(): labelled when any mapped dimm can hold labels. */
  get namespaceType(): NamespaceType {
    return this.mappings.some((mapping) => mapping.dimm.flags.has('labeling')) ? 'pmem' : 'io'
  }

  /** available_size: free capacity over all mappings, busy extents rounded out to the align. */
  get availableSize(): bigint {
    return regionAvailableDpa(this)
  }

  /** max_available_extent: the largest namespace that can still be made in one piece. */
  get maxAvailableExtent(): bigint {
    return regionAllocatableDpa(this)
  }

  /** Change the space-allocation alignment (sysfs regionN/align); EINVAL when it cannot be honoured. */
  setAlign(align: bigint): void {
    setRegionAlign(this, align)
  }

  /** Bind the region driver: namespaces appear and are probed. */
  enable(): Promise<void> {
    return this.bus.ctx.drivers.enableRegion(this)
  }

  /** Disable every namespace, then unbind the region driver: its namespaces go away. */
  disable(): Promise<void> {
    return this.bus.ctx.drivers.disableRegion(this)
  }

  toString(): string {
    return this.name
  }
}
