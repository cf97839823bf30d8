import type { NvdimmError } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'

/** The personality devices a namespace can be claimed by: btt (sector), pfn (fsdax), dax (devdax). */
export type ClaimKind = 'btt' | 'pfn' | 'dax'

/**
 * A claim device (nd_btt, nd_pfn, nd_dax; drivers/nvdimm/claim.c): configured through its
 * attributes while unbound, then bound to a driver that writes its metadata on the claimed
 * namespace and exposes the data through it. One unconfigured device per kind is the region's
 * seed.
 */
export abstract class ClaimDevice {
  abstract readonly kind: ClaimKind
  /** The claimed namespace (sysfs `namespace`). */
  namespace: Namespace | undefined
  /** The personality's own uuid, written in its info block (sysfs `uuid`). */
  uuid: string | undefined
  /** Bound to its driver (nd_pmem, or dax_pmem for dax): the data is reachable. */
  enabled = false
  /** Why the last bind failed, as the kernel logged it. */
  probeError: NvdimmError | undefined

  constructor(
    readonly region: Region,
    readonly id: number,
  ) {}

  get name(): string {
    return `${this.kind}${this.region.id}.${this.id}`
  }

  get isSeed(): boolean {
    return (this.region.seeds[this.kind] as ClaimDevice | undefined) === this
  }

  toString(): string {
    return this.name
  }
}
