import type { Region } from '../region/region.js'
import { Namespace } from './namespace.js'

/**
 * A label-less namespace (nd_namespace_io, nstype 4): exactly the region's range, id 0.
 * e820 ranges and dimms without a label area get these.
 */
export class NamespaceIo extends Namespace {
  readonly kind = 'io' as const

  constructor(region: Region) {
    super(region, 0)
  }

  get resource(): { readonly start: bigint; readonly size: bigint } {
    return this.region.resource
  }
}
