import type { ArchProfile } from '../arch.js'
import { NvdimmError } from '../errors.js'
import { alignDown, alignUp, hex } from '../units.js'
import { PFN_METADATA_START, PfnMode } from './pfn-info-block.js'

/** MAX_STRUCT_PAGE_SIZE: the memmap room per page (64 in 6.1.y stable; golden page_struct_size). */
export const MAX_STRUCT_PAGE_SIZE = 64n

export interface PfnLayout {
  dataoff: bigint
  npfns: bigint
  endTrunc: bigint
}

export function pageShift(pageSize: bigint): bigint {
  return BigInt(pageSize.toString(2).length - 1)
}

/**
 * The arithmetic of nd_pfn_init() (drivers/nvdimm/pfn_devs.c): the data starts at the first
 * `max(align, compat)` boundary after the 8 KiB of info blocks, plus 64 bytes of struct page
 * per page for map=dev; the end is cut back to that boundary. A start off the compat
 * alignment is EINVAL; a namespace too small for its metadata ENXIO.
 */
export function pfnLayout(options: {
  start: bigint
  size: bigint
  align: bigint
  mode: number
  arch: ArchProfile
  /** The names the kernel's messages carry: the pfn / dax device and its namespace. */
  device: string
  namespace: string
}): PfnLayout {
  const { start, size, mode, arch, device, namespace } = options
  const shift = pageShift(arch.pageSize)
  const compat = arch.memremapCompatAlign
  const align = options.align > compat ? options.align : compat
  if (start % compat !== 0n) {
    // %pa: a phys_addr_t, zero-padded to 16 digits.
    const at = `0x${start.toString(16).padStart(16, '0')}`
    throw new NvdimmError('EINVAL', `${device}: ${namespace}: start ${at} misaligned to ${hex(compat)}`)
  }
  const unable = () => new NvdimmError('ENXIO', `${device}: ${namespace} unable to satisfy requested alignment`)
  if (size <= PFN_METADATA_START) throw unable()
  const npfns0 = (size - PFN_METADATA_START) >> shift
  const endTrunc = start + size - alignDown(start + size, align)
  let dataoff: bigint
  if (mode === PfnMode.PMEM)
    dataoff = alignUp(start + PFN_METADATA_START + MAX_STRUCT_PAGE_SIZE * npfns0, align) - start
  else if (mode === PfnMode.RAM) dataoff = alignUp(start + PFN_METADATA_START, align) - start
  else throw new NvdimmError('ENXIO', `${device}: mode none: there is no info block to write (map none is devdax only)`)
  if (dataoff >= size - endTrunc) throw unable()
  return { dataoff, npfns: (size - dataoff - endTrunc) >> shift, endTrunc }
}
