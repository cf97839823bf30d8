import type { Region } from '../region/region.js'
import { Namespace } from './namespace.js'

/**
 * A labelled namespace (nd_namespace_pmem, nstype 5): a uuid, an optional name and one DPA
 * extent on every mapping of its region. A namespace with no uuid and size 0 is the region's
 * seed, the device a new namespace is configured through.
 */
export class NamespacePmem extends Namespace {
  readonly kind = 'pmem' as const
  uuid: string | undefined
  /** alt_name; undefined until set (an empty name is "" and is written to labels). */
  altName: string | undefined
  /** Sector size from the label or sector_size store; 0 until set. */
  lbasize = 0n
  private range: { start: bigint; size: bigint }

  constructor(region: Region, id: number) {
    super(region, id)
    this.range = { start: region.resource.start, size: 0n }
  }

  get resource(): { readonly start: bigint; readonly size: bigint } {
    return this.range
  }

  /** nd_namespace_pmem_set_resource() */
  setResource(start: bigint, size: bigint): void {
    this.range = { start, size }
  }

  /** A seed: neither a uuid nor a size (ndctl skips it in "all"). */
  get isSeed(): boolean {
    return this.region.nsSeed === this
  }
}
