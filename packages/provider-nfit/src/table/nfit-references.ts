/**
 * Cross-references between sub-tables that the kernel's topology builder (core.c
 * nfit_mem_init() / __nfit_mem_init()) follows: memdev → SPA by range index, memdev → DCR by
 * region index ("SPA %d missing DCR %d" is -ENODEV there), memdev → interleave by index, flush
 * hints → DIMM by device handle. Index 0 means "none" for range, region and interleave.
 */
import { NvdimmError } from '@nvdimm/core'
import { hex } from './nfit-decode.js'
import { nfitSubtableOffsets } from './nfit-encode.js'
import { isNfitUnknown, NfitType } from './nfit-types.js'
import type { NfitTable } from './nfit-types.js'

function dangling(message: string): never {
  throw new NvdimmError('EINVAL', `NFIT: ${message}`)
}

/** EINVAL, naming the sub-table's offset and the index, for the first reference that is wrong. */
export function checkNfitReferences(table: NfitTable): void {
  const offsets = nfitSubtableOffsets(table)
  const spaAt = new Map<number, number>()
  const dcrAt = new Map<number, number>()
  const interleaves = new Set<number>()
  const handles = new Set<number>()

  table.subtables.forEach((subtable, i) => {
    if (isNfitUnknown(subtable)) return
    const at = hex(offsets[i]!)
    if (subtable.type === NfitType.SPA) {
      const first = spaAt.get(subtable.rangeIndex)
      if (first !== undefined)
        dangling(`SPA range at ${at} repeats range index ${subtable.rangeIndex} of the SPA range at ${hex(first)}`)
      spaAt.set(subtable.rangeIndex, offsets[i]!)
    } else if (subtable.type === NfitType.DCR) {
      const first = dcrAt.get(subtable.regionIndex)
      if (first !== undefined)
        dangling(`control region at ${at} repeats region index ${subtable.regionIndex} of the one at ${hex(first)}`)
      dcrAt.set(subtable.regionIndex, offsets[i]!)
    } else if (subtable.type === NfitType.INTERLEAVE) {
      interleaves.add(subtable.interleaveIndex)
    } else if (subtable.type === NfitType.MEMDEV) {
      handles.add(subtable.deviceHandle)
    }
  })

  table.subtables.forEach((subtable, i) => {
    if (isNfitUnknown(subtable)) return
    const at = hex(offsets[i]!)
    if (subtable.type === NfitType.MEMDEV) {
      const dimm = `memory device at ${at} (handle ${hex(subtable.deviceHandle)})`
      if (subtable.rangeIndex !== 0 && !spaAt.has(subtable.rangeIndex))
        dangling(`${dimm}: range index ${subtable.rangeIndex} names no SPA range`)
      if (subtable.regionIndex !== 0 && !dcrAt.has(subtable.regionIndex))
        dangling(`${dimm}: region index ${subtable.regionIndex} names no control region`)
      if (subtable.interleaveIndex !== 0 && !interleaves.has(subtable.interleaveIndex))
        dangling(`${dimm}: interleave index ${subtable.interleaveIndex} names no interleave sub-table`)
    } else if (subtable.type === NfitType.FLUSH && !handles.has(subtable.deviceHandle)) {
      dangling(`flush hint address at ${at}: device handle ${hex(subtable.deviceHandle)} names no memory device`)
    }
  })
}
