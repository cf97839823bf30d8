import type { DimmDrvdata } from '../dimm/dimm-drvdata.js'
import { type DpaResource, PMEM_RESERVE, resourceSize } from '../dimm/dpa.js'
import { NvdimmError } from '../errors.js'
import type { Mapping, Region } from '../region/region.js'
import { alignDown, alignUp } from '../units.js'

/**
 * The capacity allocator (drivers/nvdimm/namespace_devs.c, dimm_devs.c): namespaces take DPA
 * on every mapping of a region, first fit by address, in units of the region's align divided
 * by the interleave ways. Free space is reported rounded inward, busy space outward.
 */

interface Range {
  start: bigint
  end: bigint
}

const size = (range: Range): bigint => (range.end >= range.start ? range.end - range.start + 1n : 0n)

function drvdataOf(mapping: Mapping): DimmDrvdata | undefined {
  return mapping.dimm.enabled ? mapping.dimm.drvdata : undefined
}

/** dpa_align(): the region's align per dimm; 0 when it does not divide by the ways. */
export function dpaAlign(region: Region): bigint {
  const ways = BigInt(region.mappings.length)
  if (ways === 0n || region.align % ways !== 0n) return 0n
  return region.align / ways
}

/** space_valid(): trim a free range to the align; a namespace needs all of `n` next to what it has. */
function spaceValid(region: Region, labelId: string, exist: DpaResource | undefined, n: bigint, valid: Range): void {
  const a = region.align / BigInt(region.mappings.length)
  valid.start = alignUp(valid.start, a)
  valid.end = alignDown(valid.end + 1n, a) - 1n
  const invalidate = () => {
    valid.end = valid.start - 1n
  }
  if (valid.start >= valid.end) return invalidate()
  if (labelId === PMEM_RESERVE) return
  if (size(valid) < n) return invalidate()
  if (!exist) return
  if (valid.start === exist.end + 1n || valid.end === exist.start - 1n) return
  invalidate()
}

/** init_dpa_allocation(): the first extent of a dimm with nothing in the mapping, at its start. */
function initDpaAllocation(ndd: DimmDrvdata, labelId: string, mapping: Mapping, n: bigint): bigint {
  return ndd.dpa.allocate(labelId, mapping.start, n) ? 0n : n
}

/** scan_allocate(): place `n` bytes for `labelId` on one mapping; returns what could not be placed. */
export function scanAllocate(region: Region, mapping: Mapping, labelId: string, n: bigint): bigint {
  const ndd = drvdataOf(mapping)
  if (!ndd) return n
  const mappingEnd = mapping.start + mapping.size - 1n
  const toAllocate = n
  const named = ndd.dpa.named(labelId)
  const exist = named[named.length - 1]
  retry: for (;;) {
    let first = 0
    for (const res of [...ndd.dpa.all]) {
      const next = ndd.dpa.next(res)
      if (res.start > mappingEnd || res.end < mapping.start) continue
      let loc: 'before' | 'mid' | 'after' | undefined
      const valid: Range = { start: 0n, end: -1n }
      if (first++ === 0 && res.start > mapping.start) {
        valid.start = mapping.start
        valid.end = res.start - 1n
        spaceValid(region, labelId, exist, n, valid)
        if (size(valid)) loc = 'before'
      }
      if (!loc && next) {
        valid.start = res.start + resourceSize(res)
        valid.end = next.start - 1n < mappingEnd ? next.start - 1n : mappingEnd
        spaceValid(region, labelId, exist, n, valid)
        if (size(valid)) loc = 'mid'
      }
      if (!loc && !next) {
        valid.start = res.start + resourceSize(res)
        valid.end = mappingEnd
        spaceValid(region, labelId, exist, n, valid)
        if (size(valid)) loc = 'after'
      }
      if (!loc) continue
      const allocate = size(valid) < n ? size(valid) : n
      let ok: boolean
      if (loc === 'before' && res.name === labelId)
        ok = ndd.dpa.adjust(res, res.start - allocate, resourceSize(res) + allocate)
      else if (loc === 'mid' && next!.name === labelId)
        ok = ndd.dpa.adjust(next!, next!.start - allocate, resourceSize(next!) + allocate)
      else if (loc !== 'before' && res.name === labelId)
        ok = ndd.dpa.adjust(res, res.start, resourceSize(res) + allocate)
      else ok = ndd.dpa.allocate(labelId, valid.start, allocate) !== undefined
      if (!ok) return n
      n -= allocate
      if (n) continue retry
      return 0n
    }
    break
  }
  if (n === toAllocate) return initDpaAllocation(ndd, labelId, mapping, n)
  return n
}

/** grow_dpa_allocation(): `n` more bytes on every mapping (no rollback of earlier mappings, as in the kernel). */
export function growDpaAllocation(region: Region, labelId: string, n: bigint): void {
  for (const mapping of region.mappings) {
    const remaining = scanAllocate(region, mapping, labelId, n)
    if (remaining !== 0n) {
      throw new NvdimmError(
        'ENXIO',
        `${region.name}: allocation underrun: 0x${(n - remaining).toString(16)} of 0x${n.toString(16)} bytes on ${mapping.dimm.name}`,
      )
    }
  }
}

/** shrink_dpa_allocation() / scan_free(): give back `n` bytes per mapping from the top. */
export function shrinkDpaAllocation(region: Region, labelId: string, n: bigint): void {
  for (const mapping of region.mappings) {
    const ndd = drvdataOf(mapping)
    if (!ndd) continue
    let remaining = n
    while (remaining > 0n) {
      const named = ndd.dpa.named(labelId)
      const last = named[named.length - 1]
      if (!last) break
      const held = resourceSize(last)
      if (remaining >= held) {
        ndd.dpa.free(last)
        remaining -= held
      } else {
        ndd.dpa.adjust(last, last.start, held - remaining)
        remaining = 0n
      }
    }
  }
}

/** nd_pmem_available_dpa(): free bytes of one mapping, busy ranges rounded outward. */
export function pmemAvailableDpa(region: Region, mapping: Mapping): bigint {
  const ndd = drvdataOf(mapping)
  const a = dpaAlign(region)
  if (!ndd || a === 0n) return 0n
  const mapStart = mapping.start
  const mapEnd = mapping.start + mapping.size - 1n
  let busy = 0n
  for (const res of ndd.dpa.all) {
    const s = alignDown(res.start, a)
    const e = alignUp(res.end + 1n, a) - 1n
    if (s >= mapStart && s < mapEnd) {
      if (e > mapEnd) return 0n // misaligned to the interleave set
      busy += e - s + 1n
    } else if (e >= mapStart && e <= mapEnd) {
      busy += e - s + 1n
    } else if (mapStart > s && mapStart < e) {
      busy += mapping.size
    }
  }
  return busy < mapping.size ? alignDown(mapping.size - busy, a) : 0n
}

/** nd_region_available_dpa(): the region's available_size. */
export function regionAvailableDpa(region: Region): bigint {
  let available = 0n
  for (const mapping of region.mappings) {
    if (!drvdataOf(mapping)) return 0n
    available += pmemAvailableDpa(region, mapping)
  }
  return available
}

/** nd_pmem_max_contiguous_dpa(): the largest aligned free extent of one mapping. */
function pmemMaxContiguousDpa(region: Region, mapping: Mapping): bigint {
  const ndd = drvdataOf(mapping)
  const a = dpaAlign(region)
  if (!ndd || a === 0n) return 0n
  // __reserve_free_pmem(): fill the free space with temporary "pmem-reserve" resources.
  const first = region.mappings.find((m) => m.dimm === mapping.dimm)!
  const n = pmemAvailableDpa(region, first)
  try {
    if (n !== 0n && scanAllocate(region, first, PMEM_RESERVE, n) !== 0n) return 0n
    let max = 0n
    for (const res of ndd.dpa.named(PMEM_RESERVE)) {
      const s = alignUp(res.start, a)
      const e = alignDown(res.end + 1n, a) - 1n
      if (e >= s && e - s + 1n > max) max = e - s + 1n
    }
    return max
  } finally {
    for (const res of ndd.dpa.named(PMEM_RESERVE)) ndd.dpa.free(res)
  }
}

/** nd_region_allocatable_dpa(): max_available_extent, the smallest non-zero extent times the ways. */
export function regionAllocatableDpa(region: Region): bigint {
  let available = 0n
  for (const mapping of region.mappings) {
    const extent = pmemMaxContiguousDpa(region, mapping)
    if (extent !== 0n && (available === 0n || extent < available)) available = extent
  }
  return available * BigInt(region.mappings.length)
}
