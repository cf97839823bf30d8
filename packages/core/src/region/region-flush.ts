import type { Region } from './region.js'

/**
 * nvdimm_flush() (drivers/nvdimm/region_devs.c): pmem_wmb() — the arch's persistence barrier —
 * brings every store so far into the platform's durability domain (here the media's sync
 * point); then an async region (papr_scm, virtio) runs its provider's flush, and otherwise the
 * generic flush writes one flush hint of each mapped dimm that has hints, then fences again.
 * The steps taken are announced as a 'region:flush' event.
 */
export async function nvdimmFlush(region: Region): Promise<void> {
  const barrier = region.bus.ctx.arch.persistBarrier
  region.media.sync()
  const steps: string[] = [barrier]
  const flush = region.descriptor.flush
  if (region.flags.has('async') && flush) {
    await flush(region)
    steps.push('provider flush')
  } else {
    steps.push(...genericNvdimmFlush(region))
  }
  region.persistence.deepFlush()
  region.bus.ctx.events.emit('region:flush', region, steps)
}

/**
 * generic_nvdimm_flush(): after the barrier, a write to one hint address per mapping flushes
 * the memory controller's write-pending queue of that dimm ("deep flush"), then wmb(); the
 * kernel spreads CPUs over the hints, here each dimm turns to its next hint.
 */
export function genericNvdimmFlush(region: Region): string[] {
  const steps: string[] = []
  for (const { dimm } of region.mappings) {
    const hints = dimm.flushHints
    if (hints.length === 0) continue
    const hint = hints[dimm.flushHintWrites % hints.length]!
    dimm.lastFlushHint = hint
    dimm.flushHintWrites++
    steps.push(`flush hint ${dimm.name} 0x${hint.toString(16)}`)
  }
  if (steps.length) steps.push(region.bus.ctx.arch.persistBarrier)
  return steps
}
