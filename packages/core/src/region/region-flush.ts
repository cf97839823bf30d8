import type { Region } from './region.js'

/**
 * nvdimm_flush() (drivers/nvdimm/region_devs.c): pmem_wmb() brings every store so far into
 * the platform's durability domain (here the media's sync point); then an async region
 * (papr_scm, virtio) runs its provider's flush, and otherwise the generic flush writes one
 * flush hint of each mapped dimm that has hints.
 */
export async function nvdimmFlush(region: Region): Promise<void> {
  region.media.sync()
  const flush = region.descriptor.flush
  if (region.flags.has('async') && flush) {
    await flush(region)
    return
  }
  genericNvdimmFlush(region)
}

/**
 * generic_nvdimm_flush(): after the barrier, a write to one hint address per mapping flushes
 * the memory controller's write-pending queue of that dimm ("deep flush"); the kernel spreads
 * CPUs over the hints, here each dimm turns to its next hint.
 */
export function genericNvdimmFlush(region: Region): void {
  for (const { dimm } of region.mappings) {
    const hints = dimm.flushHints
    if (hints.length === 0) continue
    dimm.lastFlushHint = hints[dimm.flushHintWrites % hints.length]
    dimm.flushHintWrites++
  }
}
