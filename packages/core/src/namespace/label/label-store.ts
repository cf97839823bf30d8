import type { DimmDrvdata } from '../../dimm/dimm-drvdata.js'
import { dpaLabelId } from '../../dimm/dpa.js'
import { NvdimmError } from '../../errors.js'
import { fletcher64 } from '../../util/fletcher64.js'
import { uuidFromBytes } from '../../util/uuid.js'
import { labelAreaGeometry } from './geometry.js'
import {
  bestSeq,
  fillIndexHeader,
  indexVersion,
  NSINDEX_HEADER_SIZE,
  NSINDEX_SEQ_MASK,
  NSINDEX_SIGNATURE,
  nextSeq,
  sealIndex,
} from './index-block.js'
import { decodeLabel, labelChecksum, type LabelSize, type NamespaceLabel } from './namespace-label.js'

/**
 * The label storage area as the kernel manages it (drivers/nvdimm/label.c), on the dimm's
 * in-memory copy: index validation, the current and next index, slot allocation, index writes
 * and DPA reservation. Index blocks are edited in place in `ndd.data`, field by field.
 */

const SIGNATURE = new TextEncoder().encode(NSINDEX_SIGNATURE)

function view(ndd: DimmDrvdata): DataView {
  return new DataView(ndd.data.buffer, ndd.data.byteOffset, ndd.data.byteLength)
}

function indexOffset(ndd: DimmDrvdata, index: number): number {
  return index * ndd.indexSize
}

export function indexSeq(ndd: DimmDrvdata, index: number): number {
  return view(ndd).getUint32(indexOffset(ndd, index) + 20, true)
}

export function indexNslot(ndd: DimmDrvdata, index: number): number {
  return view(ndd).getUint32(indexOffset(ndd, index) + 56, true)
}

export function indexVersionOf(ndd: DimmDrvdata, index: number): { major: number; minor: number } {
  const at = indexOffset(ndd, index)
  return { major: view(ndd).getUint16(at + 60, true), minor: view(ndd).getUint16(at + 62, true) }
}

function freeByte(ndd: DimmDrvdata, index: number, slot: number): number {
  return indexOffset(ndd, index) + NSINDEX_HEADER_SIZE + (slot >> 3)
}

export function isFree(ndd: DimmDrvdata, index: number, slot: number): boolean {
  return (ndd.data[freeByte(ndd, index, slot)]! & (1 << (slot & 7))) !== 0
}

function setFree(ndd: DimmDrvdata, index: number, slot: number, free: boolean): void {
  const at = freeByte(ndd, index, slot)
  if (free) ndd.data[at]! |= 1 << (slot & 7)
  else ndd.data[at]! &= ~(1 << (slot & 7))
}

export function labelOffsetOf(ndd: DimmDrvdata, slot: number): number {
  return 2 * ndd.indexSize + slot * ndd.nslabelSize
}

export function labelBytes(ndd: DimmDrvdata, slot: number): Uint8Array {
  const at = labelOffsetOf(ndd, slot)
  return ndd.data.subarray(at, at + ndd.nslabelSize)
}

export function labelAt(ndd: DimmDrvdata, slot: number): NamespaceLabel {
  return decodeLabel(labelBytes(ndd, slot), ndd.nslabelSize)
}

/** A label area in memory, as the kernel or ndctl holds it, at the label size being tried. */
export interface LabelAreaView {
  data: Uint8Array
  configSize: number
  labelSize: LabelSize
}

/**
 * Why an index block is not valid, in the kernel's dev_dbg words, or undefined when it is
 * (label.c __nd_label_validate(); ndctl's copy in lib/dimm.c skips the labeloff check).
 */
export function indexBlockFault(area: LabelAreaView, index: number, checkLabeloff = true): string | undefined {
  const size = labelAreaGeometry(area.configSize, area.labelSize)?.indexSize ?? 0
  if (size === 0) return `label area (${area.configSize}) too small to host (${area.labelSize} byte) labels`
  const at = index * size
  if (at + size > area.data.length) return `nsindex${index} signature invalid`
  const bytes = area.data.subarray(at, at + size)
  const dv = new DataView(area.data.buffer, area.data.byteOffset, area.data.byteLength)
  if (!SIGNATURE.every((byte, i) => bytes[i] === byte)) return `nsindex${index} signature invalid`
  const version = indexVersion({ major: dv.getUint16(at + 60, true), minor: dv.getUint16(at + 62, true) })
  const labelSize = version >= 102 ? 2 ** (7 + bytes[19]!) : 128
  if (labelSize !== area.labelSize) return `nsindex${index} labelsize ${bytes[19]} invalid`
  const copy = bytes.slice()
  new DataView(copy.buffer).setBigUint64(64, 0n, true)
  if (fletcher64(copy) !== dv.getBigUint64(at + 64, true)) return `nsindex${index} checksum invalid`
  const seq = dv.getUint32(at + 20, true)
  if ((seq & NSINDEX_SEQ_MASK) === 0) return `nsindex${index} sequence: 0x${seq.toString(16)} invalid`
  const myoff = dv.getBigUint64(at + 24, true)
  if (myoff !== BigInt(at)) return `nsindex${index} myoff: 0x${myoff.toString(16)} invalid`
  const otheroff = dv.getBigUint64(at + 40, true)
  if (otheroff !== BigInt((1 - index) * size)) return `nsindex${index} otheroff: 0x${otheroff.toString(16)} invalid`
  const labeloff = dv.getBigUint64(at + 48, true)
  if (checkLabeloff && labeloff !== BigInt(2 * size))
    return `nsindex${index} labeloff: 0x${labeloff.toString(16)} invalid`
  const mysize = dv.getBigUint64(at + 32, true)
  if (mysize > BigInt(size) || mysize < BigInt(NSINDEX_HEADER_SIZE))
    return `nsindex${index} mysize: 0x${mysize.toString(16)} invalid`
  const nslot = dv.getUint32(at + 56, true)
  // 6.1 multiplies in 32 bits.
  if (((nslot * area.labelSize) >>> 0) + 2 * size > area.configSize) {
    return `nsindex${index} nslot: ${nslot} invalid, config_size: 0x${area.configSize.toString(16)}`
  }
  return undefined
}

/** The current index at one label size: -1 when neither is valid, else the one best_seq() picks. */
export function currentIndexAt(area: LabelAreaView, log: (message: string) => void, checkLabeloff = true): number {
  const valid = [0, 1].map((index) => {
    const fault = indexBlockFault(area, index, checkLabeloff)
    if (fault) log(fault)
    return fault === undefined
  })
  if (valid[0] && valid[1]) {
    const dv = new DataView(area.data.buffer, area.data.byteOffset, area.data.byteLength)
    const size = labelAreaGeometry(area.configSize, area.labelSize)!.indexSize
    const seq1 = dv.getUint32(size + 20, true) & NSINDEX_SEQ_MASK
    return bestSeq(dv.getUint32(20, true), seq1) === seq1 ? 1 : 0
  }
  return valid[0] ? 0 : valid[1] ? 1 : -1
}

function areaOf(ndd: DimmDrvdata): LabelAreaView {
  return { data: ndd.data, configSize: ndd.nsarea.configSize, labelSize: ndd.nslabelSize }
}

/**
 * nd_label_validate(): try 128-byte labels on both indexes, then 256. When neither fits the
 * label size stays 256, so a label area the kernel formats is v1.2.
 */
export function validateLabelArea(ndd: DimmDrvdata, log: (message: string) => void = () => {}): number {
  for (const size of [128, 256] as const) {
    ndd.nslabelSize = size
    if (ndd.indexSize === 0) continue
    const current = currentIndexAt(areaOf(ndd), log)
    if (current >= 0) return current
  }
  return -1
}

/** nd_label_copy(): the current index over the next, in memory. */
export function copyIndex(ndd: DimmDrvdata, to: number, from: number): void {
  const size = ndd.indexSize
  ndd.data.copyWithin(to * size, from * size, from * size + size)
}

/** slot_valid(): the slot field matches and, for 256-byte labels, the checksum holds. */
export function slotValid(ndd: DimmDrvdata, slot: number): boolean {
  const bytes = labelBytes(ndd, slot)
  if (new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(120, true) !== slot) return false
  if (ndd.nslabelSize >= 256) {
    return labelChecksum(bytes) === new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(248, true)
  }
  return true
}

/** nd_label_active_count() / nd_label_active(): valid in-use slots of the current index, in order. */
export function activeSlots(ndd: DimmDrvdata, log: (message: string) => void = () => {}): number[] {
  if (ndd.nsCurrent < 0) return []
  const nslot = indexNslot(ndd, ndd.nsCurrent)
  const slots: number[] = []
  for (let slot = 0; slot < nslot; slot++) {
    if (isFree(ndd, ndd.nsCurrent, slot)) continue
    if (labelOffsetOf(ndd, slot) + ndd.nslabelSize > ndd.data.length) break
    if (slotValid(ndd, slot)) slots.push(slot)
    else {
      const label = labelAt(ndd, slot)
      log(`slot${slot} invalid slot: ${label.slot} dpa: ${label.dpa.toString(16)} size: ${label.rawsize.toString(16)}`)
    }
  }
  return slots
}

/** nd_label_alloc_slot(): the lowest free slot of the next index, taken; undefined when full. */
export function allocSlot(ndd: DimmDrvdata): number | undefined {
  if (ndd.nsNext < 0) return undefined
  const nslot = indexNslot(ndd, ndd.nsNext)
  for (let slot = 0; slot < nslot; slot++) {
    if (isFree(ndd, ndd.nsNext, slot)) {
      setFree(ndd, ndd.nsNext, slot, false)
      return slot
    }
  }
  return undefined
}

/** nd_label_free_slot(): mark a slot free in the next index; true if it was in use. */
export function freeSlot(ndd: DimmDrvdata, slot: number): boolean {
  if (ndd.nsNext < 0 || slot >= indexNslot(ndd, ndd.nsNext)) return false
  const wasInUse = !isFree(ndd, ndd.nsNext, slot)
  setFree(ndd, ndd.nsNext, slot, true)
  return wasInUse
}

/** nd_label_nfree(): free slots of the next index (available_slots shows one less). */
export function freeSlots(ndd: DimmDrvdata): number {
  if (ndd.nsNext < 0) return labelAreaGeometry(ndd.nsarea.configSize, ndd.nslabelSize)?.nslot ?? 0
  const nslot = indexNslot(ndd, ndd.nsNext)
  let count = 0
  for (let slot = 0; slot < nslot; slot++) if (isFree(ndd, ndd.nsNext, slot)) count++
  return count
}

/**
 * nd_label_write_index(): fill index `index` in memory, checksum it and write it to the dimm.
 * An init write sets the free bitmap for every slot (and clears the padding bits up to the next
 * multiple of 64); an update keeps the bitmap as allocation left it, then makes this index
 * current.
 */
export async function writeIndex(ndd: DimmDrvdata, index: number, seq: number, init: boolean): Promise<void> {
  const size = ndd.indexSize
  const at = index * size
  const geometry = ndd.geometry
  if (!geometry) throw new NvdimmError('ENXIO', `${ndd.dimm.name}: label area too small`)
  const nslot = init ? geometry.nslot : indexNslot(ndd, index)
  const bytes = ndd.data.subarray(at, at + size)
  fillIndexHeader(bytes, { index, indexSize: size, seq, nslot, labelSize: ndd.nslabelSize })
  if (init) {
    const padded = Math.ceil(nslot / 64) * 64
    bytes.fill(0xff, NSINDEX_HEADER_SIZE, NSINDEX_HEADER_SIZE + padded / 8)
    for (let slot = nslot; slot < padded; slot++) setFree(ndd, index, slot, false)
  }
  sealIndex(bytes)
  await ndd.setConfigData(at, size)
  if (init) return
  copyIndex(ndd, ndd.nsCurrent, index)
  ndd.nsCurrent = nextIndex(ndd.nsCurrent)
  ndd.nsNext = nextIndex(ndd.nsNext)
}

/** nd_label_next_nsindex() */
export function nextIndex(index: number): number {
  return index < 0 ? -1 : (index + 1) % 2
}

/** Write the next index with the following sequence number: the commit point of every update. */
export function commitNextIndex(ndd: DimmDrvdata): Promise<void> {
  return writeIndex(ndd, ndd.nsNext, nextSeq(indexSeq(ndd, ndd.nsNext)), false)
}

/**
 * nd_label_reserve_dpa(): every active label reserves its DPA range as "pmem-<uuid>"; an
 * overlap (or an empty range) fails the dimm probe with EBUSY.
 */
export function reserveLabelDpa(ndd: DimmDrvdata): void {
  for (const slot of activeSlots(ndd)) {
    const label = labelAt(ndd, slot)
    if (!ndd.dpa.allocate(dpaLabelId(label.uuid), label.dpa, label.rawsize)) {
      throw new NvdimmError(
        'EBUSY',
        `${ndd.dimm.name}: label in slot ${slot} (${label.uuid}) claims DPA 0x${label.dpa.toString(16)}+0x${label.rawsize.toString(16)}, which overlaps another label or is empty`,
      )
    }
  }
}

/** The uuid of the label in a slot, without decoding the rest. */
export function labelUuid(ndd: DimmDrvdata, slot: number): string {
  return uuidFromBytes(labelBytes(ndd, slot))
}

export type { LabelSize }
