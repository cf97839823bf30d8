import type { Region } from './region.js'

/**
 * nvdimm_flush() (drivers/nvdimm/region_devs.c): pmem_wmb() brings every store so far into
 * the platform's durability domain (here the media's sync point); then an async region
 * (papr_scm, virtio) runs its provider's flush, and otherwise each dimm with flush hints
 * takes one hint write (generic_nvdimm_flush()), which emulated media has no need of.
 */
export async function nvdimmFlush(region: Region): Promise<void> {
  region.media.sync()
  const flush = region.descriptor.flush
  if (region.flags.has('async') && flush) await flush(region)
}
