import { pfnDataExtent, type PfnInfoBlock } from '../pfn/pfn-info-block.js'
import type { Region } from '../region/region.js'
import { ClaimDevice } from './claim-device.js'

/** sysfs `mode` of a pfn or dax device: where its struct pages live (none = unconfigured). */
export type PfnLocation = 'none' | 'ram' | 'pmem'

/**
 * An nd_pfn (fsdax, pfnR.N) or nd_dax (devdax, daxR.N) device: one object, as in the kernel
 * where nd_dax wraps an nd_pfn. While bound it holds the info block it validated or wrote.
 */
export class NdPfn extends ClaimDevice {
  mode: PfnLocation = 'none'
  /** sysfs `align`: the requested alignment of the data (the block records this value). */
  align: bigint
  /** The info block in use while bound. */
  info: PfnInfoBlock | undefined

  constructor(
    region: Region,
    id: number,
    readonly kind: 'pfn' | 'dax',
  ) {
    super(region, id)
    this.align = defaultPfnAlign(region)
  }

  /** The data's offset within the namespace and its length; undefined while unbound. */
  get dataExtent(): { offset: bigint; length: bigint } | undefined {
    const ns = this.namespace
    if (!this.enabled || !this.info || !ns) return undefined
    return pfnDataExtent(this.info, ns.size)
  }

  /** sysfs `size`: the data after the metadata; undefined (ENXIO) while unbound. */
  get size(): bigint | undefined {
    return this.dataExtent?.length
  }

  /** sysfs `resource`: where the data starts in system-physical space. */
  get resource(): bigint | undefined {
    const extent = this.dataExtent
    return extent && this.namespace!.resource.start + extent.offset
  }
}

/** nd_pfn_default_alignment(): the PMD size where THP can map it, else the page size. */
export function defaultPfnAlign(region: Region): bigint {
  const { supportedAlignments, pageSize } = region.bus.ctx.arch
  return supportedAlignments[1] ?? pageSize
}
