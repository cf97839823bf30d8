import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { Logger } from '../provider/types.js'
import {
  IB_FLAG_ERROR_MASK,
  LOG_ENT_SIZE,
  LOG_GRP_SIZE,
  MAP_ENT_NORMAL,
  MAP_ERR_MASK,
  MAP_LBA_MASK,
  MAP_TRIM_MASK,
} from './btt-info-block.js'
import {
  type BttLogEntry,
  type BttLogIndex,
  decodeLogGroup,
  logGetOld,
  logSetIndices,
  logSetIndicesInBuffer,
  nextSeq,
} from './btt-log.js'
import { checkNamespaceRange, namespaceRead, namespaceWrite, U64 } from './btt-media.js'

/** What the kernel's debugfs shows of an arena (/sys/kernel/debug/btt/bttX.Y/arenaN/). */
export interface BttArenaInfo {
  readonly index: number
  readonly size: bigint
  readonly externalLbaStart: bigint
  readonly internalNlba: number
  readonly internalLbasize: number
  readonly externalNlba: number
  readonly externalLbasize: number
  readonly nfree: number
  readonly versionMajor: number
  readonly versionMinor: number
  /** Offsets from the start of the BTT's raw space (namespace offset minus the initial offset), as the kernel keeps them. */
  readonly nextoff: bigint
  readonly infooff: bigint
  readonly dataoff: bigint
  readonly mapoff: bigint
  readonly logoff: bigint
  readonly info2off: bigint
  readonly flags: number
  readonly logIndex: BttLogIndex
}

/** Logs up to this size are read in one go to find their padding scheme. */
const LOG_READ_MAX = 64n << 20n
const MAP_CHUNK_SHIFT = 14
const MAP_CHUNK_ENTRIES = 1 << MAP_CHUNK_SHIFT

/**
 * One arena at run time (struct arena_info, drivers/nvdimm/btt.h): its geometry, the free list
 * (one free block per lane), and a cache of the map. This object is the only writer of its
 * arena, so cached map entries stay true; every change still goes to media first, in the
 * kernel's order.
 */
export class BttArena implements BttArenaInfo {
  readonly size: bigint
  readonly externalLbaStart: bigint
  readonly internalNlba: number
  readonly internalLbasize: number
  readonly externalNlba: number
  readonly externalLbasize: number
  readonly nfree: number
  readonly versionMajor: number
  readonly versionMinor: number
  readonly nextoff: bigint
  readonly infooff: bigint
  readonly dataoff: bigint
  readonly mapoff: bigint
  readonly logoff: bigint
  readonly info2off: bigint
  readonly flags: number
  logIndex: BttLogIndex = [0, 1]

  // struct free_entry, one per lane; allocated by initFreelist(), once the log proved nfree sane
  private freeBlock = new Uint32Array(0)
  private freeSub = new Uint8Array(0)
  private freeSeq = new Uint32Array(0)
  private freeHasErr = new Uint8Array(0)

  // Namespace offsets (initial offset included) of the areas.
  private readonly dataBase: bigint
  private readonly mapBase: bigint
  private readonly logBase: bigint
  private readonly blockSize: bigint
  /** Whether data, map and log lie inside the namespace: then I/O skips the range checks. */
  private readonly fits: boolean
  private readonly mapChunks = new Map<number, Uint32Array>()

  // Scratch buffers reused by every write: no allocation on the hot path.
  private readonly logEntry = new Uint8Array(LOG_ENT_SIZE)
  private readonly logEntryView = new DataView(this.logEntry.buffer)
  private readonly mapEntry = new Uint8Array(4)
  private readonly mapEntryView = new DataView(this.mapEntry.buffer)
  private readonly zeroSector: Uint8Array
  private readonly groupBuffer = new Uint8Array(LOG_GRP_SIZE)

  constructor(
    private readonly media: Media,
    readonly index: number,
    private readonly initialOffset: bigint,
    private readonly sectorSize: number,
    geometry: Omit<BttArenaInfo, 'index' | 'logIndex'>,
    private readonly logger?: Logger,
  ) {
    this.size = geometry.size
    this.externalLbaStart = geometry.externalLbaStart
    this.internalNlba = geometry.internalNlba
    this.internalLbasize = geometry.internalLbasize
    this.externalNlba = geometry.externalNlba
    this.externalLbasize = geometry.externalLbasize
    this.nfree = geometry.nfree
    this.versionMajor = geometry.versionMajor
    this.versionMinor = geometry.versionMinor
    this.nextoff = geometry.nextoff
    this.infooff = geometry.infooff
    this.dataoff = geometry.dataoff
    this.mapoff = geometry.mapoff
    this.logoff = geometry.logoff
    this.info2off = geometry.info2off
    this.flags = geometry.flags
    this.dataBase = U64(initialOffset + this.dataoff)
    this.mapBase = U64(initialOffset + this.mapoff)
    this.logBase = U64(initialOffset + this.logoff)
    this.blockSize = BigInt(this.internalLbasize)
    this.fits =
      this.dataBase + BigInt(this.internalNlba) * this.blockSize <= media.size &&
      this.mapBase + BigInt(this.externalNlba) * 4n <= media.size &&
      this.logBase + BigInt(this.nfree) * BigInt(LOG_GRP_SIZE) <= media.size &&
      this.internalLbasize >= sectorSize
    this.zeroSector = new Uint8Array(sectorSize)
  }

  info(): BttArenaInfo {
    const { index, size, externalLbaStart, internalNlba, internalLbasize, externalNlba, externalLbasize, nfree } = this
    const { versionMajor, versionMinor, nextoff, infooff, dataoff, mapoff, logoff, info2off, flags, logIndex } = this
    return Object.freeze({
      index,
      size,
      externalLbaStart,
      internalNlba,
      internalLbasize,
      externalNlba,
      externalLbasize,
      nfree,
      versionMajor,
      versionMinor,
      nextoff,
      infooff,
      dataoff,
      mapoff,
      logoff,
      info2off,
      flags,
      logIndex,
    })
  }

  /** The lane's free-list entry, for tests and debugging. */
  freeEntry(lane: number): { block: number; sub: number; seq: number; hasErr: boolean } {
    return {
      block: this.freeBlock[lane]!,
      sub: this.freeSub[lane]!,
      seq: this.freeSeq[lane]!,
      hasErr: this.freeHasErr[lane] === 1,
    }
  }

  /** btt_log_group_read(). */
  readLogGroup(lane: number): BttLogEntry[] {
    namespaceRead(this.media, U64(this.logBase + BigInt(lane) * BigInt(LOG_GRP_SIZE)), this.groupBuffer)
    return decodeLogGroup(this.groupBuffer)
  }

  /**
   * log_set_indices() over this arena's log, read in one go when it is of a sane size (the
   * result is the same as reading group by group: nothing writes in between).
   */
  detectLogIndex(): BttLogIndex {
    const length = BigInt(this.nfree) * BigInt(LOG_GRP_SIZE)
    const available = this.logBase >= this.media.size ? 0n : this.media.size - this.logBase
    const whole = length < available ? length : available - (available % BigInt(LOG_GRP_SIZE))
    if (whole > LOG_READ_MAX) return logSetIndices(this.nfree, (lane) => this.readLogGroup(lane))
    const log = new Uint8Array(Number(whole))
    if (log.length > 0) this.media.read(this.logBase, log)
    return logSetIndicesInBuffer(this.nfree, log, (lane) => {
      // the group read the kernel would make: past the end, -EFAULT
      this.readLogGroup(lane)
      throw new NvdimmError('EFAULT', `log group ${lane} is out of range`)
    })
  }

  /** to_namespace_offset() plus the initial offset. */
  private dataOffset(block: number): bigint {
    return this.dataBase + BigInt(block) * this.blockSize
  }

  private mapOffset(premap: number): bigint {
    // lba * MAP_ENT_SIZE is u32 arithmetic in the kernel
    const offset = this.mapBase + BigInt((premap * 4) >>> 0)
    return this.fits ? offset : U64(offset)
  }

  private outOfRange(what: string, premap: number): void {
    this.logger?.error(`${what}: lba ${hex(premap)} out of range (max: ${hex(this.externalNlba)})`)
  }

  /** The raw map entry (flags included) of `premap`. */
  mapRaw(premap: number): number {
    if (premap < this.externalNlba && this.fits) {
      const chunk = this.mapChunks.get(premap >>> MAP_CHUNK_SHIFT) ?? this.loadMapChunk(premap >>> MAP_CHUNK_SHIFT)
      return chunk[premap & (MAP_CHUNK_ENTRIES - 1)]!
    }
    if (premap >= this.externalNlba) this.outOfRange('btt_map_read', premap)
    namespaceRead(this.media, this.mapOffset(premap), this.mapEntry)
    return this.mapEntryView.getUint32(0, true)
  }

  private loadMapChunk(chunkIndex: number): Uint32Array {
    const first = chunkIndex * MAP_CHUNK_ENTRIES
    const count = Math.min(MAP_CHUNK_ENTRIES, this.externalNlba - first)
    const bytes = new Uint8Array(count * 4)
    this.media.read(this.mapBase + BigInt(first * 4), bytes)
    const view = new DataView(bytes.buffer)
    const chunk = new Uint32Array(count)
    for (let i = 0; i < count; i++) chunk[i] = view.getUint32(i * 4, true)
    this.mapChunks.set(chunkIndex, chunk)
    return chunk
  }

  /** __btt_map_write(): store a raw entry. */
  writeMapRaw(premap: number, raw: number): void {
    if (premap >= this.externalNlba) this.outOfRange('__btt_map_write', premap)
    this.mapEntryView.setUint32(0, raw >>> 0, true)
    const offset = this.mapOffset(premap)
    // btt_map_write(… NVDIMM_NO_DEEPFLUSH): memcpy_flushcache() then pmem_wmb().
    if (this.fits && premap < this.externalNlba) this.writeOrdered(offset, this.mapEntry)
    else namespaceWrite(this.media, offset, this.mapEntry)
    if (premap < this.externalNlba) {
      const chunk = this.mapChunks.get(premap >>> MAP_CHUNK_SHIFT)
      if (chunk) chunk[premap & (MAP_CHUNK_ENTRIES - 1)] = raw >>> 0
    }
  }

  /** btt_map_write() with neither Z nor E: a normal entry. */
  writeMapNormal(premap: number, postmap: number): void {
    this.writeMapRaw(premap, ((postmap & MAP_LBA_MASK) | MAP_ENT_NORMAL) >>> 0)
  }

  /**
   * __btt_log_write(): the kernel stores the 16-byte entry as two 8-byte halves, each atomic on
   * pmem, first {lba, old_map} then {new_map, seq}. One 16-byte write leaves the same three
   * possible states after a crash (nothing, the first half, both: a torn write lands its
   * first half) and costs one media write instead of two.
   */
  private writeLogEntry(lane: number, sub: number, lba: number, oldMap: number, newMap: number, seq: number): void {
    const v = this.logEntryView
    v.setUint32(0, lba >>> 0, true)
    v.setUint32(4, oldMap >>> 0, true)
    v.setUint32(8, newMap >>> 0, true)
    v.setUint32(12, seq >>> 0, true)
    const slot = this.logIndex[sub === 0 ? 0 : 1]
    const offset = this.logBase + BigInt(lane * LOG_GRP_SIZE + slot * LOG_ENT_SIZE)
    if (this.fits) this.writeOrdered(offset, this.logEntry)
    else namespaceWrite(this.media, offset, this.logEntry)
  }

  /** nsio_rw_bytes() on the fast path: the store, then the fence that orders it before the next. */
  private writeOrdered(offset: bigint, source: Uint8Array): void {
    this.media.write(offset, source)
    this.media.sync()
  }

  /**
   * btt_log_init(): lane i's slot log_index[0] = {i, external_nlba + i, external_nlba + i, 1},
   * so the free blocks start as the last nfree internal blocks.
   */
  writeInitialLog(): void {
    for (let lane = 0; lane < this.nfree; lane++) {
      const block = (this.externalNlba + lane) >>> 0
      this.writeLogEntry(lane, 0, lane, block, block, 1)
    }
  }

  /**
   * btt_freelist_init(): each lane's free block is the old_map of its newest log entry; a
   * log entry whose map update did not land is rolled forward (the only write recovery makes,
   * besides zeroing a free block known to be bad).
   */
  initFreelist(): void {
    this.freeBlock = new Uint32Array(this.nfree)
    this.freeSub = new Uint8Array(this.nfree)
    this.freeSeq = new Uint32Array(this.nfree)
    this.freeHasErr = new Uint8Array(this.nfree)
    for (let lane = 0; lane < this.nfree; lane++) {
      let entries: BttLogEntry[]
      try {
        entries = this.readLogGroup(lane)
      } catch (error) {
        throw new NvdimmError('EIO', `cannot read the log of lane ${lane}`, { cause: error })
      }
      const old = logGetOld(entries, this.logIndex)
      if (old === undefined) {
        const s0 = entries[this.logIndex[0]]!.seq | 0
        const s1 = entries[this.logIndex[1]]!.seq | 0
        const message = `log corruption (-22): lane ${lane} seq [${s0}, ${s1}]`
        this.logger?.error(message)
        throw new NvdimmError('EIO', message)
      }
      const newer: 0 | 1 = old === 0 ? 1 : 0
      const ent = entries[this.logIndex[newer]]!
      const logOld = (ent.oldMap & MAP_LBA_MASK) >>> 0
      const logNew = (ent.newMap & MAP_LBA_MASK) >>> 0
      this.freeSub[lane] = 1 - newer
      this.freeSeq[lane] = nextSeq(ent.seq)
      this.freeBlock[lane] = logOld
      const oldFlags = (ent.oldMap & MAP_ENT_NORMAL) >>> 0
      if (oldFlags === MAP_ERR_MASK) {
        this.freeHasErr[lane] = 1
        try {
          this.clearFreelistError(lane)
        } catch (error) {
          if (!(error instanceof NvdimmError)) throw error
          this.logger?.error('Unable to clear known errors')
        }
      }
      if (logOld === logNew) continue
      const mapped = this.mapLookup(ent.lba)
      if (logNew !== mapped && logOld === mapped) this.writeMapNormal(ent.lba, ent.newMap)
    }
  }

  /** btt_map_read() without the flags: the post-map block, identity for a never-written entry. */
  private mapLookup(premap: number): number {
    const raw = this.mapRaw(premap)
    return (raw & MAP_ENT_NORMAL) === 0 ? premap : (raw & MAP_LBA_MASK) >>> 0
  }

  /** arena_clear_freelist_error(): zero the lane's free block, which clears poison on real pmem. */
  clearFreelistError(lane: number): void {
    if (this.freeHasErr[lane] !== 1) return
    namespaceWrite(this.media, this.dataOffset(this.freeBlock[lane]!), this.zeroSector)
    this.freeHasErr[lane] = 0
  }

  /**
   * btt_read_pg() for one sector: trim reads zeros without touching media, an error entry is
   * EIO, and a media error marks the entry E persistently.
   */
  readSector(premap: number, target: Uint8Array): void {
    const raw = this.mapRaw(premap)
    const flags = (raw & MAP_ENT_NORMAL) >>> 0
    if (flags === MAP_TRIM_MASK) {
      target.fill(0)
      return
    }
    if (flags === MAP_ERR_MASK) throw new NvdimmError('EIO', `arena ${this.index}: block ${premap} is marked bad`)
    const postmap = flags === 0 ? premap : (raw & MAP_LBA_MASK) >>> 0
    const offset = this.dataOffset(postmap)
    try {
      if (!this.fits) checkNamespaceRange(this.media, offset, target.length)
      this.media.read(offset, target)
    } catch (error) {
      if (error instanceof NvdimmError && error.errno === 'EIO') {
        try {
          this.writeMapRaw(premap, (postmap | MAP_ERR_MASK) >>> 0)
        } catch (markError) {
          if (!(markError instanceof NvdimmError)) throw markError
          this.logger?.warn(`Error persistently tracking bad blocks at ${hex(premap)}`)
        }
      }
      throw error
    }
  }

  /**
   * btt_write_pg() for one sector, in the kernel's media order: W1 the data into the lane's
   * free block, W2 the log entry (16 bytes; torn, only its first half lands), W3 the map entry.
   * A crash anywhere leaves the old sector (W2 not whole) or the new one (W2 whole: recovery
   * rolls the map forward).
   */
  writeSector(premap: number, source: Uint8Array, lane: number): void {
    if ((this.flags & IB_FLAG_ERROR_MASK) !== 0) {
      throw new NvdimmError('EIO', `arena ${this.index} carries the error flag: writes are refused`)
    }
    while (this.freeHasErr[lane] === 1) this.clearFreelistError(lane)
    const newBlock = this.freeBlock[lane]!
    if (newBlock >= this.internalNlba) {
      throw new NvdimmError('EIO', `arena ${this.index}: free block ${newBlock} of lane ${lane} is out of range`)
    }
    const dataOffset = this.dataOffset(newBlock)
    if (!this.fits) checkNamespaceRange(this.media, dataOffset, source.length)
    this.writeOrdered(dataOffset, source)

    const raw = this.mapRaw(premap)
    const flags = (raw & MAP_ENT_NORMAL) >>> 0
    let oldMap = flags === 0 ? premap : (raw & MAP_LBA_MASK) >>> 0
    if (oldMap >= this.internalNlba) {
      throw new NvdimmError('EIO', `arena ${this.index}: map entry ${premap} points outside the arena`)
    }
    const eFlag = flags === MAP_ERR_MASK
    // The error travels with the freed block into the log, so it is zeroed before reuse.
    if (eFlag) oldMap = (oldMap | MAP_ERR_MASK) >>> 0
    this.writeLogEntry(lane, this.freeSub[lane]!, premap, oldMap, newBlock, this.freeSeq[lane]!)
    // btt_flog_write(): prepare the lane's next free entry
    this.freeSub[lane] = 1 - this.freeSub[lane]!
    const seq = (this.freeSeq[lane]! + 1) >>> 0
    this.freeSeq[lane] = seq === 4 ? 1 : seq
    if (eFlag) this.freeHasErr[lane] = 1
    this.freeBlock[lane] = (oldMap & MAP_LBA_MASK) >>> 0

    this.writeMapNormal(premap, newBlock)
    if (eFlag) this.clearFreelistError(lane)
  }
}

function hex(value: number): string {
  return `0x${value.toString(16)}`
}
