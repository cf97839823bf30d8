import { indexSizeFor, NSINDEX_ALIGN } from './index-block.js'
import type { LabelSize } from './namespace-label.js'

/** Where things are in a label storage area of `configSize` bytes with labels of `labelSize`. */
export interface LabelAreaGeometry {
  configSize: number
  labelSize: LabelSize
  /** Label slots (nvdimm_num_label_slots()). */
  nslot: number
  /** Bytes per index block (sizeof_namespace_index()); labels start at twice this. */
  indexSize: number
}

/**
 * nvdimm_num_label_slots() and sizeof_namespace_index() (drivers/nvdimm/label.c): slots are
 * what is left after two index blocks sized for the slots that would fit without them.
 * Undefined when the area cannot hold two index blocks and two labels.
 */
export function labelAreaGeometry(configSize: number, labelSize: LabelSize): LabelAreaGeometry | undefined {
  const roughSlots = Math.floor(configSize / labelSize)
  const indexBlocks = indexSizeFor(roughSlots) / NSINDEX_ALIGN
  const nslot = Math.floor((configSize - 2 * NSINDEX_ALIGN * indexBlocks) / labelSize)
  if (nslot < 2) return undefined
  const indexSize = indexSizeFor(nslot)
  if (2 * indexSize > configSize - nslot * labelSize) return undefined
  return { configSize, labelSize, nslot, indexSize }
}

/** Byte offset of a slot's label. */
export function labelOffset(geometry: LabelAreaGeometry, slot: number): number {
  return 2 * geometry.indexSize + slot * geometry.labelSize
}
