import { ERRNO, type Errno, errnoName, strerror } from '../errors.js'
import type { Media } from '../media/media.js'
import { normalizeUuid } from '../util/uuid.js'
import {
  ARENA_MAX_SIZE,
  ARENA_MIN_SIZE,
  BTT_INFO_SIZE,
  BTT1_START_OFFSET,
  BTT2_START_OFFSET,
  bttInfoBlockIsValid,
  IB_FLAG_ERROR_MASK,
  LOG_GRP_SIZE,
  MAP_ENT_NORMAL,
  MAP_LBA_MASK,
} from './btt-info-block.js'
import {
  type BttLogEntry,
  type BttLogIndex,
  decodeLogGroup,
  logGetOld,
  logSetIndices,
  logSetIndicesInBuffer,
  UNKNOWN_PADDING_SCHEME,
} from './btt-log.js'
import { U64 } from './btt-media.js'

/**
 * ndctl check-namespace's BTT checker (ndctl/check.c, ndctl v76.1) over the raw namespace:
 * find the first info block (restoring it from a backup if need be), walk the arenas, detect
 * the log's padding scheme, then per arena check the log, the map, pending map updates, info2
 * and that every internal block is referenced exactly once; optionally rewrite the log.
 * Messages are ndctl's, in its order, with the C function its log line names
 * ("<devname>: <fn>: <text>" on stderr); info lines only show with --verbose. Enabling,
 * disabling and raw mode are the caller's business.
 *
 * ndctl reads the metadata areas through mmap: an access past the end of the namespace is a
 * SIGBUS there ("Received a SIGBUS", EFAULT), and is modelled as such for any access to an
 * area (whether or not it lies inside that area's own mapping).
 */

export interface BttCheckMessage {
  level: 'err' | 'info'
  /** The C function ndctl's log line names, e.g. btt_check_arenas. */
  fn: string
  /** Without the trailing newline. */
  text: string
  /** Everything goes to stderr as "<devname>: <fn>: <text>", except "Restoring BTT info2": a bare line on stdout. */
  stream: 'stderr' | 'stdout'
}

/** An arena as ndctl parsed it: offsets from the start of the namespace (the initial offset included). */
export interface BttCheckArena {
  index: number
  size: bigint
  externalLbaStart: bigint
  internalNlba: number
  internalLbasize: number
  externalNlba: number
  externalLbasize: number
  nfree: number
  versionMajor: number
  versionMinor: number
  nextoff: bigint
  infooff: bigint
  dataoff: bigint
  mapoff: bigint
  logoff: bigint
  info2off: bigint
  flags: number
  /** Set once log_set_indices() has run on the arena. */
  logIndex?: BttLogIndex
}

export interface BttCheckResult {
  /** 'OK', or the errno ndctl's namespace_check() returns (the exit status is its low byte). */
  rc: 'OK' | Errno
  messages: BttCheckMessage[]
  /** Arenas found (empty if discovery failed). */
  arenas: BttCheckArena[]
  /** Where the first info block is: 4096 (BTT 1.1) or 0 (2.0); undefined if none was found. */
  startOffset?: bigint
}

export interface BttCheckOptions {
  /** The namespace's uuid (the null uuid for label-less namespaces). */
  parentUuid: string
  /** --repair: restore info blocks and finish interrupted map updates. */
  repair?: boolean
  /** --rewrite-log: rewrite every log group in the initial (0,1) form; needs repair. */
  rewriteLog?: boolean
  /** The namespace's name for "checking %s" (ndctl_namespace_get_devname()). */
  devname?: string
}

const PAGE = 4096n
const INFO = BigInt(BTT_INFO_SIZE)
/** x86_64 TASK_SIZE with 4-level page tables: mmap refuses longer mappings with ENOMEM. */
const TASK_SIZE = 0x7ffffffff000n
const OFF_T_MAX = (1n << 63n) - 1n

// enum btt_errcodes
const BTT_OK = 0
const BTT_LOG_EQL_SEQ = 0x100
const BTT_LOG_OOB_SEQ = 0x101
const BTT_LOG_OOB_LBA = 0x102
const BTT_LOG_OOB_OLD = 0x103
const BTT_LOG_OOB_NEW = 0x104
const BTT_LOG_MAP_ERR = 0x105
const BTT_MAP_OOB = 0x106
const BTT_BITMAP_ERROR = 0x107
const BTT_LOGFIX_ERR = 0x108

const neg = (errno: Errno): number => -ERRNO[errno]

/** C's "%#lx" / "%#x": 0 prints bare. */
function hx(value: bigint | number): string {
  return value === 0n || value === 0 ? '0' : `0x${value.toString(16)}`
}

function errorText(rc: number): string {
  const name = errnoName(rc)
  return name ? strerror(name) : `Unknown error ${-rc}`
}

class SigBus extends Error {}

interface Arena extends BttCheckArena {
  logIndex: BttLogIndex
  indicesKnown: boolean
}

/** The info block fields ndctl reads, at their offsets in struct btt_sb. */
const F = {
  flags: 48,
  externalNlba: 60,
  internalNlba: 68,
  nextoff: 80,
  dataoff: 88,
  mapoff: 96,
  logoff: 104,
  info2off: 112,
  checksum: 4088,
} as const

class Checker {
  readonly messages: BttCheckMessage[] = []
  readonly arenas: Arena[] = []
  startOff: bigint | undefined
  private readonly rawsize: bigint
  private readonly repair: boolean
  private readonly parentUuid: string

  constructor(
    private readonly media: Media,
    private readonly options: BttCheckOptions,
  ) {
    this.rawsize = media.size
    this.repair = options.repair ?? false
    this.parentUuid = normalizeUuid(options.parentUuid)
  }

  private err(fn: string, text: string): void {
    this.messages.push({ level: 'err', fn, text, stream: 'stderr' })
  }

  private info(fn: string, text: string): void {
    this.messages.push({ level: 'info', fn, text, stream: 'stderr' })
  }

  private repairMsg(): number {
    this.info('repair_msg', '  Run with --repair to make the changes')
    return 0
  }

  // --- pread/pwrite of info blocks (before the mappings exist) ---

  /** btt_read_info(): pread of 4096 bytes; a block device returns fewer at its end. */
  private readInfo(off: bigint): { rc: number; sb: Uint8Array } {
    const sb = new Uint8Array(BTT_INFO_SIZE)
    if (off > OFF_T_MAX) {
      this.err('btt_read_info', `unable to read first info block: ${strerror('EINVAL')}`)
      return { rc: neg('EINVAL'), sb }
    }
    const available = off >= this.rawsize ? 0n : this.rawsize - off
    const size = Number(available < INFO ? available : INFO)
    if (size > 0) this.media.read(off, sb.subarray(0, size))
    if (size !== BTT_INFO_SIZE) {
      this.err('btt_read_info', `short read of first info block: ${size}`)
      return { rc: neg('ENXIO'), sb }
    }
    return { rc: 0, sb }
  }

  /** btt_info_verify(): signature, parent uuid unless null, checksum. */
  private verify(sb: Uint8Array): number {
    return bttInfoBlockIsValid(sb, this.parentUuid) ? 0 : neg('ENXIO')
  }

  private readVerify(off: bigint): { rc: number; sb: Uint8Array } {
    const read = this.readInfo(off)
    if (read.rc) return read
    return { rc: this.verify(read.sb), sb: read.sb }
  }

  /** btt_write_info(): only with --repair; pwrite then fsync. */
  private writeInfo(sb: Uint8Array, off: bigint): number {
    if (!this.repair) {
      this.err('btt_write_info', `BTT info block at offset ${hx(off)} needs to be restored`)
      this.repairMsg()
      return neg('EIO')
    }
    this.info('btt_write_info', `Restoring BTT info block at offset ${hx(off)}`)
    if (off > OFF_T_MAX) {
      this.err('btt_write_info', `unable to write the info block: ${strerror('EINVAL')}`)
      return neg('EINVAL')
    }
    if (off >= this.rawsize) {
      this.err('btt_write_info', `unable to write the info block: ${strerror('ENOSPC')}`)
      return neg('ENOSPC')
    }
    const available = this.rawsize - off
    const size = Number(available < INFO ? available : INFO)
    this.media.write(off, sb.subarray(0, size))
    this.windowStart = -1n
    if (size !== BTT_INFO_SIZE) {
      this.err('btt_write_info', `short write of the info block: ${size}`)
      return neg('ENXIO')
    }
    this.media.sync()
    return 0
  }

  // --- mmap'ed accesses ---

  private readonly word = new Uint8Array(4)
  private readonly wordView = new DataView(this.word.buffer)
  // A 64 KiB window over the namespace, so the walks over map and log stay fast.
  private windowStart = -1n
  private window = new Uint8Array(0)
  private windowView = new DataView(this.window.buffer)

  private inWindow(offset: bigint, length: number): boolean {
    return (
      this.windowStart >= 0n &&
      offset >= this.windowStart &&
      offset + BigInt(length) <= this.windowStart + BigInt(this.window.length)
    )
  }

  /** Make the window cover [offset, offset + length) if it can; false for a range it cannot hold. */
  private load(offset: bigint, length: number): boolean {
    if (this.inWindow(offset, length)) return true
    const start = offset - (offset % 65536n)
    const end = start + 65536n < this.rawsize ? start + 65536n : this.rawsize
    if (offset + BigInt(length) > end) return false
    this.window = new Uint8Array(Number(end - start))
    this.media.read(start, this.window)
    this.windowView = new DataView(this.window.buffer)
    this.windowStart = start
    return true
  }

  private mapped(offset: bigint, target: Uint8Array): void {
    if (offset + BigInt(target.length) > this.rawsize) throw new SigBus()
    if (this.load(offset, target.length)) {
      const at = Number(offset - this.windowStart)
      target.set(this.window.subarray(at, at + target.length))
    } else this.media.read(offset, target)
  }

  private mappedWrite(offset: bigint, source: Uint8Array): void {
    if (offset + BigInt(source.length) > this.rawsize) throw new SigBus()
    this.media.write(offset, source)
    if (this.inWindow(offset, source.length)) this.window.set(source, Number(offset - this.windowStart))
    else if (
      this.windowStart >= 0n &&
      offset < this.windowStart + BigInt(this.window.length) &&
      offset + BigInt(source.length) > this.windowStart
    ) {
      this.windowStart = -1n // partly covered: drop it
    }
  }

  /** A u32 of a mapping. */
  private mapped32(offset: bigint): number {
    if (offset + 4n > this.rawsize) throw new SigBus()
    if (this.load(offset, 4)) return this.windowView.getUint32(Number(offset - this.windowStart), true)
    this.media.read(offset, this.word)
    return this.wordView.getUint32(0, true)
  }

  private mappedWrite32(offset: bigint, value: number): void {
    this.wordView.setUint32(0, value >>> 0, true)
    this.mappedWrite(offset, this.word)
  }

  private readonly group = new Uint8Array(LOG_GRP_SIZE)

  private logGroup(a: Arena, lane: number): BttLogEntry[] {
    this.mapped(U64(a.logoff + BigInt(lane) * BigInt(LOG_GRP_SIZE)), this.group)
    return decodeLogGroup(this.group)
  }

  /** log_set_indices() over the log mapping: SIGBUS at the first group past the namespace's end. */
  private logSetIndices(a: Arena): BttLogIndex {
    const length = BigInt(a.nfree) * BigInt(LOG_GRP_SIZE)
    const available = a.logoff >= this.rawsize ? 0n : this.rawsize - a.logoff
    const whole = length < available ? length : available - (available % BigInt(LOG_GRP_SIZE))
    if (whole > 64n << 20n) return logSetIndices(a.nfree, (lane) => this.logGroup(a, lane))
    const log = new Uint8Array(Number(whole))
    if (log.length > 0) this.mapped(a.logoff, log)
    return logSetIndicesInBuffer(a.nfree, log, () => {
      throw new SigBus()
    })
  }

  /** ndctl's btt_log_read(): the lane's newer entry, without the kernel's sanity rejections. */
  private logReadNew(a: Arena, lane: number): BttLogEntry {
    const entries = this.logGroup(a, lane)
    const old = logGetOld(entries, a.logIndex, false)!
    return entries[a.logIndex[old === 0 ? 1 : 0]]!
  }

  /** btt_map_lookup(): either flag set means a written entry; none means identity. */
  private mapLookup(a: Arena, lba: number): number {
    const raw = this.mapped32(U64(a.mapoff + BigInt(lba) * 4n))
    return (raw & MAP_ENT_NORMAL) !== 0 ? (raw & MAP_LBA_MASK) >>> 0 : lba
  }

  // --- namespace_check() ---

  run(): number {
    const { repair, rewriteLog } = this.options
    if (rewriteLog) {
      if (!repair) {
        this.err('namespace_check', '--rewrite-log also requires --repair')
        return neg('EINVAL')
      }
      this.info('namespace_check', 'WARNING: interruption may cause unrecoverable metadata corruption')
    }
    this.info('namespace_check', `checking ${this.options.devname ?? 'namespace'}`)
    try {
      return this.check()
    } catch (error) {
      if (!(error instanceof SigBus)) throw error
      this.err('namespace_check', 'Received a SIGBUS')
      this.err('namespace_check', 'Metadata corruption found, recovery is not possible')
      return neg('EFAULT')
    }
  }

  private check(): number {
    let rc = this.readVerify(BTT1_START_OFFSET).rc
    if (rc === 0) this.startOff = BTT1_START_OFFSET
    else {
      rc = this.readVerify(BTT2_START_OFFSET).rc
      if (rc === 0) this.startOff = BTT2_START_OFFSET
      else {
        rc = this.recoverFirstSb()
        if (rc) {
          this.err('namespace_check', 'Unable to recover any BTT info blocks')
          this.err('namespace_check', 'This may not be a sector mode namespace')
          return rc
        }
        rc = this.readVerify(this.startOff!).rc
        if (rc) return rc
      }
    }
    rc = this.discoverArenas()
    if (rc) return rc
    rc = this.createMappings()
    if (rc) return rc
    for (const arena of this.arenas) {
      try {
        arena.logIndex = this.logSetIndices(arena)
        arena.indicesKnown = true
      } catch (error) {
        if (error instanceof SigBus) throw error
        if ((error as Error).message === UNKNOWN_PADDING_SCHEME) this.err('log_set_indices', UNKNOWN_PADDING_SCHEME)
        this.err('namespace_check', 'Unable to deduce log/padding indices')
        return neg('ENXIO')
      }
      this.info('log_set_indices', `arena[${arena.index}]: log_index_0 = ${arena.logIndex[0]}`)
      this.info('log_set_indices', `arena[${arena.index}]: log_index_1 = ${arena.logIndex[1]}`)
    }
    return this.checkArenas()
  }

  // --- btt_recover_first_sb() ---

  private recoverFirstSb(): number {
    let rc = 0
    for (const off of [BTT1_START_OFFSET, BTT2_START_OFFSET]) {
      rc = this.recoverFirstSbAt(off)
      if (rc === 0) {
        this.startOff = off
        return 0
      }
    }
    return rc
  }

  private recoverFirstSbAt(off: bigint): number {
    const fn = '__btt_recover_first_sb'
    let remaining = U64(this.rawsize - off)
    let estArenas = 0
    while (remaining !== 0n) {
      if (remaining < ARENA_MIN_SIZE && estArenas === 0) return neg('EINVAL')
      if (remaining > ARENA_MAX_SIZE) {
        remaining -= ARENA_MAX_SIZE
        estArenas++
        continue
      }
      if (remaining < ARENA_MIN_SIZE) break
      remaining = 0n
      estArenas++
      break
    }
    this.info(fn, `estimated arenas: ${estArenas}, remaining bytes: ${hx(remaining)}`)
    const first = this.readInfo(off)
    if (first.rc) return first.rc
    const sb0 = first.sb
    const end = U64(U64(this.rawsize - remaining) - (U64(this.rawsize - remaining) % PAGE) - INFO)

    let offset = estArenas === 1 ? end : U64(ARENA_MAX_SIZE - INFO + off)
    this.info(fn, `Attempting recover info-block from end-of-arena offset ${hx(offset)}`)
    let found = this.readVerify(offset)
    if (found.rc === 0) {
      const view = new DataView(found.sb.buffer)
      const major = view.getUint16(52, true)
      const minor = view.getUint16(54, true)
      const expected =
        major === 1 && minor === 1 ? BTT1_START_OFFSET : major === 2 && minor === 0 ? BTT2_START_OFFSET : -1n
      if (expected !== off) return neg('ENXIO')
      return this.writeInfo(found.sb, off)
    }
    let rc = found.rc

    if (estArenas > 1) {
      offset = end
      this.info(fn, `Attempting to recover info-block from end offset ${hx(offset)}`)
      found = this.readVerify(offset)
      if (found.rc) return found.rc
      // The fields that differ between arenas come from the damaged primary.
      const patched = found.sb
      for (const [field, size] of [
        [F.flags, 4],
        [F.externalNlba, 4],
        [F.internalNlba, 4],
        [F.nextoff, 8],
        [F.dataoff, 8],
        [F.mapoff, 8],
        [F.logoff, 8],
        [F.info2off, 8],
        [F.checksum, 8],
      ] as const) {
        patched.set(sb0.subarray(field, field + size), field)
      }
      if (this.verify(patched) === 0) return this.writeInfo(patched, off)
    }

    // le32_to_cpu() of the u64 field: its low half
    offset = BigInt(new DataView(sb0.buffer).getUint32(F.info2off, true))
    const limitA = U64(this.rawsize - INFO)
    const limitB = U64(ARENA_MAX_SIZE - INFO + off)
    if (offset > (limitA < limitB ? limitA : limitB)) return neg('ENXIO')
    if (offset !== 0n) {
      this.info(fn, `Attempting to recover info-block from info2 offset ${hx(offset)}`)
      found = this.readVerify(offset + off)
      if (found.rc === 0) return this.writeInfo(found.sb, off)
      rc = found.rc
    } else rc = neg('ENXIO')
    return rc
  }

  // --- btt_discover_arenas() and btt_parse_meta() ---

  private discoverArenas(): number {
    const fn = 'btt_discover_arenas'
    let remaining = this.rawsize
    let curOff = this.startOff!
    let curNlba = 0n
    const seen = new Set<bigint>()
    let i = 0
    while (remaining !== 0n) {
      // A chain looping back on itself (through u64 wrap-around) has ndctl realloc until ENOMEM.
      if (seen.has(curOff)) {
        this.arenas.length = 0
        return neg('ENOMEM')
      }
      seen.add(curOff)
      let read = this.readInfo(curOff)
      if (read.rc) return this.discoveryFailed(read.rc)
      if (this.verify(read.sb) !== 0) {
        const offset = U64(
          remaining <= ARENA_MAX_SIZE ? this.rawsize - (this.rawsize % PAGE) - INFO : curOff + ARENA_MAX_SIZE - INFO,
        )
        this.info(fn, `Arena ${i}: Attempting recover info-block using info2`)
        read = this.readInfo(offset)
        if (read.rc) {
          this.err(fn, `Unable to read backup info block (offset ${hx(offset)})`)
          return this.discoveryFailed(read.rc)
        }
        let rc = this.verify(read.sb)
        if (rc) {
          this.err(fn, `Backup info block (offset ${hx(offset)}) verification failed`)
          return this.discoveryFailed(rc)
        }
        rc = this.writeInfo(read.sb, curOff)
        if (rc) {
          this.err(fn, `Restoration of the info block failed: ${errorText(rc)} (${rc})`)
          return this.discoveryFailed(rc)
        }
      }
      const arena = this.parseMeta(read.sb, curOff, i, curNlba)
      if (!arena) {
        this.err(fn, `Problem parsing arena[${i}] metadata`)
        return this.discoveryFailed(neg('ENXIO'))
      }
      this.arenas.push(arena)
      remaining = U64(remaining - arena.size)
      curOff = U64(curOff + arena.size)
      curNlba += BigInt(arena.externalNlba)
      i++
      if (arena.nextoff === 0n) break
    }
    this.info(fn, `found ${i} BTT arena${i > 1 ? 's' : ''}`)
    return 0
  }

  private discoveryFailed(rc: number): number {
    this.arenas.length = 0
    return rc
  }

  /** btt_parse_meta(): stricter than the kernel on nfree, lbasize and the error flag. */
  private parseMeta(sb: Uint8Array, arenaOff: bigint, index: number, externalLbaStart: bigint): Arena | undefined {
    const v = new DataView(sb.buffer, sb.byteOffset, sb.byteLength)
    const internalNlba = v.getUint32(68, true)
    const internalLbasize = v.getUint32(64, true)
    const externalNlba = v.getUint32(60, true)
    const externalLbasize = v.getUint32(56, true)
    const nfree = v.getUint32(72, true)
    if ((internalNlba - externalNlba) >>> 0 !== nfree) return undefined
    if (internalLbasize !== externalLbasize) return undefined
    const nextoff = v.getBigUint64(F.nextoff, true)
    const info2off = U64(arenaOff + v.getBigUint64(F.info2off, true))
    const flags = v.getUint32(F.flags, true)
    const arena: Arena = {
      index,
      size: nextoff > 0n ? nextoff : U64(info2off - arenaOff + INFO),
      externalLbaStart,
      internalNlba,
      internalLbasize,
      externalNlba,
      externalLbasize,
      nfree,
      versionMajor: v.getUint16(52, true),
      versionMinor: v.getUint16(54, true),
      nextoff: nextoff === 0n ? 0n : U64(arenaOff + nextoff),
      infooff: arenaOff,
      dataoff: U64(arenaOff + v.getBigUint64(F.dataoff, true)),
      mapoff: U64(arenaOff + v.getBigUint64(F.mapoff, true)),
      logoff: U64(arenaOff + v.getBigUint64(F.logoff, true)),
      info2off,
      flags,
      logIndex: [0, 1],
      indicesKnown: false,
    }
    if ((flags & IB_FLAG_ERROR_MASK) !== 0) {
      this.err('btt_parse_meta', 'Info block error flag is set, aborting')
      return undefined
    }
    return arena
  }

  // --- btt_create_mappings(): mmap() of each area, PROT_READ (or RW with --repair), MAP_SHARED ---

  private createMappings(): number {
    for (const a of this.arenas) {
      for (const [part, length, offset] of [
        ['info', INFO, a.infooff],
        ['data', U64(a.mapoff - a.dataoff), a.dataoff],
        ['map', U64(a.logoff - a.mapoff), a.mapoff],
        ['log', U64(a.info2off - a.logoff), a.logoff],
        ['info2', INFO, a.info2off],
      ] as const) {
        const errno = mmapError(length, offset)
        if (errno) {
          this.err(
            'btt_create_mappings',
            `mmap arena[${a.index}].${part} [sz = ${hx(length)}, off = ${hx(offset)}] failed: ${strerror(errno)}`,
          )
          return neg(errno)
        }
      }
    }
    return 0
  }

  // --- btt_check_arenas() ---

  private checkArenas(): number {
    let rc = BTT_OK
    let last: Arena | undefined
    for (const a of this.arenas) {
      this.info('btt_check_arenas', `checking arena ${a.index}`)
      last = a
      rc = this.checkLogEntries(a)
      if (rc) break
      rc = this.checkMapEntries(a)
      if (rc) break
      rc = this.checkLogMap(a)
      if (rc) break
      rc = this.checkInfo2(a)
      if (rc) break
      // after the log/map check, so that finished map updates do not show as duplicates
      rc = this.checkBitmap(a)
      if (rc) break
      if (this.options.rewriteLog) {
        rc = this.rewriteLog(a)
        if (rc) break
      }
    }
    if (last && rc !== BTT_OK) {
      this.xlatStatus(last, rc)
      return neg('ENXIO')
    }
    return 0
  }

  private xlatStatus(a: Arena, code: number): void {
    const fn = 'btt_xlat_status'
    const n = a.index
    const texts: Record<number, string> = {
      [BTT_LOG_EQL_SEQ]: `arena ${n}: found a pair of log entries with the same sequence number`,
      [BTT_LOG_OOB_SEQ]: `arena ${n}: found a log entry with an out of bounds sequence number`,
      [BTT_LOG_OOB_LBA]: `arena ${n}: found a log entry with an out of bounds LBA`,
      [BTT_LOG_OOB_OLD]: `arena ${n}: found a log entry with an out of bounds 'old' mapping`,
      [BTT_LOG_OOB_NEW]: `arena ${n}: found a log entry with an out of bounds 'new' mapping`,
      [BTT_MAP_OOB]: `arena ${n}: found a map entry that is out of bounds`,
      [BTT_BITMAP_ERROR]: `arena ${n}: bitmap error: internal blocks are incorrectly referenced`,
      [BTT_LOGFIX_ERR]: `arena ${n}: rewrite-log error: log may be in an unknown/unrecoverable state`,
    }
    if (code === BTT_LOG_MAP_ERR) this.info(fn, `arena ${n}: found a log entry that does not match with a map entry`)
    else this.err(fn, texts[code] ?? `arena ${n}: unknown error: ${code}`)
  }

  /** btt_check_log_entries(): sequence numbers distinct and ≤ 3, then the newer entries in bounds (flags included). */
  private checkLogEntries(a: Arena): number {
    const [idx0, idx1] = a.logIndex
    for (let lane = 0; lane < a.nfree; lane++) {
      const entries = this.logGroup(a, lane)
      const s0 = entries[idx0]!.seq
      const s1 = entries[idx1]!.seq
      if (s0 === s1) return BTT_LOG_EQL_SEQ
      if (s0 > 3 || s1 > 3) return BTT_LOG_OOB_SEQ
    }
    for (let lane = 0; lane < a.nfree; lane++) {
      const ent = this.logReadNew(a, lane)
      if (ent.lba >= a.externalNlba) return BTT_LOG_OOB_LBA
      if (ent.oldMap >= a.internalNlba) return BTT_LOG_OOB_OLD
      if (ent.newMap >= a.internalNlba) return BTT_LOG_OOB_NEW
    }
    return BTT_OK
  }

  /** btt_check_map_entries(). */
  private checkMapEntries(a: Arena): number {
    for (let lba = 0; lba < a.externalNlba; lba++) {
      if (this.mapLookup(a, lba) >= a.internalNlba) return BTT_MAP_OOB
    }
    return BTT_OK
  }

  /** btt_check_log_map(): a log entry whose map update did not land, as the kernel rolls forward. */
  private checkLogMap(a: Arena): number {
    let failed = false
    for (let lane = 0; lane < a.nfree; lane++) {
      const ent = this.logReadNew(a, lane)
      const mapping = this.mapLookup(a, ent.lba)
      if (ent.newMap !== mapping && ent.oldMap === mapping) {
        this.info(
          'btt_check_log_map',
          `arena ${a.index}: log[${lane}].new_map (${hx(ent.newMap)}) doesn't match map[${hx(ent.lba)}] (${hx(mapping)})`,
        )
        if (this.mapWrite(a, ent.lba, ent.newMap)) failed = true
      }
    }
    return failed ? BTT_LOG_MAP_ERR : BTT_OK
  }

  /** ndctl's btt_map_write(): a normal entry into the mapping, then msync. */
  private mapWrite(a: Arena, lba: number, mapping: number): number {
    if (!this.repair) {
      this.err('btt_map_write', `Arena ${a.index}: map[${hx(lba)}] needs to be updated to ${hx(mapping)}`)
      return this.repairMsg()
    }
    this.info('btt_map_write', `Arena ${a.index}: Updating map[${hx(lba)}] to ${hx(mapping)}`)
    this.mappedWrite32(U64(a.mapoff + BigInt(lba) * 4n), (mapping | MAP_ENT_NORMAL) >>> 0)
    this.media.sync()
    return 0
  }

  /** btt_check_info2(): info2 must equal the (verified) primary. */
  private checkInfo2(a: Arena): number {
    const info = new Uint8Array(BTT_INFO_SIZE)
    const info2 = new Uint8Array(BTT_INFO_SIZE)
    this.mapped(a.infooff, info)
    this.mapped(a.info2off, info2)
    if (info.every((byte, i) => byte === info2[i])) return BTT_OK
    if (!this.repair) {
      this.err('btt_copy_to_info2', `Arena ${a.index}: BTT info2 needs to be restored`)
      return this.repairMsg()
    }
    this.messages.push({
      level: 'info',
      fn: 'btt_copy_to_info2',
      text: `Arena ${a.index}: Restoring BTT info2`,
      stream: 'stdout',
    })
    this.mappedWrite(a.info2off, info)
    this.media.sync()
    return BTT_OK
  }

  /** btt_check_bitmap(): every internal block referenced exactly once, by the map or as a lane's free block. */
  private checkBitmap(a: Arena): number {
    const bitmap = new Uint8Array(Math.ceil(a.internalNlba / 8))
    const test = (bit: number) => (bitmap[bit >>> 3]! & (1 << (bit & 7))) !== 0
    const set = (bit: number) => {
      bitmap[bit >>> 3]! |= 1 << (bit & 7)
    }
    let rc = BTT_BITMAP_ERROR
    for (let lba = 0; lba < a.externalNlba; lba++) {
      const mapping = this.mapLookup(a, lba)
      if (test(mapping)) {
        this.info(
          'btt_check_bitmap',
          `arena ${a.index}: internal block ${hx(mapping)} is referenced by two map entries`,
        )
        return rc
      }
      set(mapping)
    }
    for (let lane = 0; lane < a.nfree; lane++) {
      const ent = this.logReadNew(a, lane)
      rc = BTT_OK
      if (test(ent.oldMap)) {
        this.info(
          'btt_check_bitmap',
          `arena ${a.index}: internal block ${hx(ent.oldMap)} is referenced by two map/log entries`,
        )
        return BTT_BITMAP_ERROR
      }
      set(ent.oldMap)
    }
    for (let bit = 0; bit < a.internalNlba; bit++) {
      if (!test(bit)) return BTT_BITMAP_ERROR
    }
    return rc
  }

  /** btt_rewrite_log(): every group becomes {newer entry with seq 1, zeros}: the initial (0,1) form. */
  private rewriteLog(a: Arena): number {
    this.info('btt_rewrite_log', `arena ${a.index}: rewriting log`)
    const group = new Uint8Array(LOG_GRP_SIZE)
    const view = new DataView(group.buffer)
    for (let lane = 0; lane < a.nfree; lane++) {
      const ent = this.logReadNew(a, lane)
      view.setUint32(0, ent.lba, true)
      view.setUint32(4, ent.oldMap, true)
      view.setUint32(8, ent.newMap, true)
      view.setUint32(12, 1, true)
      this.mappedWrite(U64(a.logoff + BigInt(lane) * BigInt(LOG_GRP_SIZE)), group)
    }
    return BTT_OK
  }
}

/** What mmap() says to a mapping of `length` bytes at `offset` (btt_mmap() first moves it to a page boundary). */
function mmapError(length: bigint, offset: bigint): Errno | undefined {
  const pageOffset = offset % PAGE
  const total = U64(length + pageOffset)
  if (total === 0n || offset - pageOffset > OFF_T_MAX) return 'EINVAL'
  if (((total + PAGE - 1n) / PAGE) * PAGE > TASK_SIZE) return 'ENOMEM'
  return undefined
}

/** Run ndctl check-namespace's BTT checks (`repair`: -R, `rewriteLog`: -L) over a raw namespace. */
export function checkBtt(media: Media, options: BttCheckOptions): BttCheckResult {
  const checker = new Checker(media, options)
  const rc = checker.run()
  const name = rc === 0 ? undefined : errnoName(rc)
  return {
    rc: rc === 0 ? 'OK' : (name ?? 'EIO'),
    messages: checker.messages,
    arenas: checker.arenas.map(({ indicesKnown, logIndex, ...arena }) =>
      indicesKnown ? { ...arena, logIndex } : arena,
    ),
    ...(checker.startOff !== undefined ? { startOffset: checker.startOff } : {}),
  }
}

/** The line ndctl prints for a message: "<devname>: <fn>: <text>" on stderr, the bare text on stdout. */
export function formatBttCheckMessage(devname: string, message: BttCheckMessage): string {
  return message.stream === 'stdout' ? message.text : `${devname}: ${message.fn}: ${message.text}`
}
