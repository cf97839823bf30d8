import { NvdimmError } from '../errors.js'
import { LOG_ENT_SIZE, LOG_GRP_SIZE } from './btt-info-block.js'

/**
 * The BTT flog (drivers/nvdimm/btt.h): one 64-byte struct log_group per lane, four 16-byte
 * struct log_entry slots {lba, old_map, new_map, seq}, u32 little-endian. Two slots are live,
 * at log_index[0..1]: (0,1) since Linux 4.15, (0,2) before; the others are zero padding.
 */

export interface BttLogEntry {
  /** Pre-map LBA within the arena. */
  lba: number
  /** The block that was mapped before (it becomes the lane's free block); may carry the E flag. */
  oldMap: number
  /** The block now mapped. */
  newMap: number
  /** 1 → 2 → 3 → 1; 0 means never written. */
  seq: number
}

/** The two live slots of every group. */
export type BttLogIndex = readonly [0, 1] | readonly [0, 2]

export function decodeLogEntry(bytes: Uint8Array, offset = 0): BttLogEntry {
  if (offset < 0 || offset + LOG_ENT_SIZE > bytes.length) {
    throw new NvdimmError('EINVAL', `a BTT log entry is ${LOG_ENT_SIZE} bytes; ${bytes.length - offset} given`)
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, LOG_ENT_SIZE)
  return {
    lba: v.getUint32(0, true),
    oldMap: v.getUint32(4, true),
    newMap: v.getUint32(8, true),
    seq: v.getUint32(12, true),
  }
}

/** Write `entry` into `target` at `offset` (a fresh 16-byte array by default). */
export function encodeLogEntry(entry: BttLogEntry, target = new Uint8Array(LOG_ENT_SIZE), offset = 0): Uint8Array {
  if (offset < 0 || offset + LOG_ENT_SIZE > target.length) {
    throw new NvdimmError('EINVAL', `a BTT log entry is ${LOG_ENT_SIZE} bytes; ${target.length - offset} available`)
  }
  const v = new DataView(target.buffer, target.byteOffset + offset, LOG_ENT_SIZE)
  v.setUint32(0, entry.lba >>> 0, true)
  v.setUint32(4, entry.oldMap >>> 0, true)
  v.setUint32(8, entry.newMap >>> 0, true)
  v.setUint32(12, entry.seq >>> 0, true)
  return target
}

export function decodeLogGroup(bytes: Uint8Array): BttLogEntry[] {
  if (bytes.length !== LOG_GRP_SIZE) {
    throw new NvdimmError('EINVAL', `a BTT log group is ${LOG_GRP_SIZE} bytes, not ${bytes.length}`)
  }
  return [0, 1, 2, 3].map((slot) => decodeLogEntry(bytes, slot * LOG_ENT_SIZE))
}

export function encodeLogGroup(entries: readonly BttLogEntry[]): Uint8Array {
  if (entries.length !== 4) throw new NvdimmError('EINVAL', `a BTT log group has 4 slots, not ${entries.length}`)
  const bytes = new Uint8Array(LOG_GRP_SIZE)
  entries.forEach((entry, slot) => encodeLogEntry(entry, bytes, slot * LOG_ENT_SIZE))
  return bytes
}

/** ent_is_padding(): an all-zero slot. */
export function isPaddingEntry(entry: BttLogEntry): boolean {
  return entry.lba === 0 && entry.oldMap === 0 && entry.newMap === 0 && entry.seq === 0
}

/** nd_inc_seq(): 1 → 2 → 3 → 1, and 0 stays 0. */
export function nextSeq(seq: number): number {
  return [0, 2, 3, 1][seq & 3]!
}

/**
 * btt_log_get_old(): which of the two live slots (0 or 1, an index into log_index) holds the
 * older entry, from their sequence numbers. A zero first slot counts as old (the lane's very
 * first entry goes there). The kernel rejects equal numbers and sums above 5 (-EINVAL,
 * returned here as undefined); ndctl's copy (`strict` false) does not.
 */
export function logGetOld(entries: readonly BttLogEntry[], logIndex: BttLogIndex, strict = true): 0 | 1 | undefined {
  const s0 = entries[logIndex[0]]!.seq
  const s1 = entries[logIndex[1]]!.seq
  if (s0 === 0) return 0
  if (strict && (s0 === s1 || s0 + s1 > 5)) return undefined
  if (s0 < s1) return s1 - s0 === 1 ? 0 : 1
  return s0 - s1 === 1 ? 1 : 0
}

export const UNKNOWN_PADDING_SCHEME = 'Found an unknown padding scheme'

/**
 * log_set_indices() (the kernel's and ndctl's are the same): find the live slots from the
 * groups that are not in their initial state (three zero slots); if every group is initial,
 * (0,1). Anything else but (0,1) or (0,2) is ENXIO; the message says which rule broke, and is
 * UNKNOWN_PADDING_SCHEME exactly when the kernel logs that line. Errors of `readGroup` pass through.
 */
export function logSetIndices(nfree: number, readGroup: (lane: number) => readonly BttLogEntry[]): BttLogIndex {
  let lane = -1
  let entries: readonly BttLogEntry[] = []
  return setIndices(nfree, (at, slot) => {
    if (at !== lane) {
      entries = readGroup(at)
      lane = at
    }
    return isPaddingEntry(entries[slot]!)
  })
}

/**
 * logSetIndices() over a log already in memory: `log` holds the first groups; touching a lane
 * past its end calls `beyond` (which throws, as the group read would have).
 */
export function logSetIndicesInBuffer(nfree: number, log: Uint8Array, beyond: (lane: number) => never): BttLogIndex {
  const view = new DataView(log.buffer, log.byteOffset, log.byteLength)
  return setIndices(nfree, (lane, slot) => {
    if ((lane + 1) * LOG_GRP_SIZE > log.length) beyond(lane)
    const at = lane * LOG_GRP_SIZE + slot * LOG_ENT_SIZE
    return (
      view.getUint32(at, true) === 0 &&
      view.getUint32(at + 4, true) === 0 &&
      view.getUint32(at + 8, true) === 0 &&
      view.getUint32(at + 12, true) === 0
    )
  })
}

function setIndices(nfree: number, isPadding: (lane: number, slot: number) => boolean): BttLogIndex {
  let idxSet = false
  let initialState = true
  const logIndex = [-1, -1]
  let nextIdx = 0
  for (let lane = 0; lane < nfree; lane++) {
    let padCount = 0
    for (let slot = 0; slot < 4; slot++) {
      if (!idxSet) {
        if (isPadding(lane, slot)) {
          padCount++
          continue
        }
        if (nextIdx === 1 && slot === logIndex[0]) continue
        logIndex[nextIdx++] = slot
        if (nextIdx === 2) idxSet = true
      } else if (slot === logIndex[0]) {
        if (isPadding(lane, slot)) throw new NvdimmError('ENXIO', `log lane ${lane}: live slot ${slot} is empty`)
      } else if (slot !== logIndex[1] && !isPadding(lane, slot)) {
        throw new NvdimmError('ENXIO', `log lane ${lane}: padding slot ${slot} is not zero`)
      }
    }
    if (padCount < 3) initialState = false
  }
  if (!initialState && !idxSet) throw new NvdimmError('ENXIO', 'log: no lane shows two live slots')
  if (initialState) logIndex[1] = 1
  if (logIndex[0] === 0 && logIndex[1] === 1) return [0, 1]
  if (logIndex[0] === 0 && logIndex[1] === 2) return [0, 2]
  throw new NvdimmError('ENXIO', UNKNOWN_PADDING_SCHEME)
}
