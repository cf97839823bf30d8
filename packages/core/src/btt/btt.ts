import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { Logger } from '../provider/types.js'
import { normalizeUuid } from '../util/uuid.js'
import { type BttArenaInfo, BttArena } from './btt-arena.js'
import {
  ARENA_MIN_SIZE,
  BTT_INFO_SIZE,
  BTT_PG_SIZE,
  type BttInfoBlock,
  bttInfoBlockIsValid,
  decodeBttInfoBlock,
  encodeBttInfoBlock,
  IB_FLAG_ERROR_MASK,
  ND_MAX_LANES,
} from './btt-info-block.js'
import {
  assertBttLbasize,
  assertBttRawsize,
  bttInitialOffset,
  bttSectorSize,
  type BttVersion,
  bttVersionNumbers,
  createArenas,
} from './btt-layout.js'
import { UNKNOWN_PADDING_SCHEME } from './btt-log.js'
import { namespaceRead, namespaceWrite, U64 } from './btt-media.js'

export interface BttAttachOptions {
  /** From the claim class: 2.0 (BTT2, v1.2 labels) at +0, else 1.1 at +4096. Also the version a new layout gets. */
  version: BttVersion
  /** External sector size: one of BTT_SECTOR_SIZES. The kernel takes it from the info block at probe. */
  lbasize: number
  /** The BTT's uuid, written into a new layout. */
  uuid: string
  /** The namespace's uuid (null uuid for label-less namespaces). */
  parentUuid: string
  logger?: Logger
  /** The region is read-only: no new layout is written and writeSector fails with EROFS. */
  readOnly?: boolean
  /** Names for the kernel's messages: the namespace (e.g. namespace0.0) and its region. */
  name?: string
  regionName?: string
}

const PG = BigInt(BTT_PG_SIZE)
const MAP_ZERO_CHUNK = 2 << 20

/**
 * A Block Translation Table over a whole raw namespace (drivers/nvdimm/btt.c): sector-atomic
 * writes through a map, a free list of one block per lane and a log of the last two map
 * changes per lane. Integrity metadata (lbasize 520, 528, 4104, 4160, 4224) is never read or
 * written: the kernel only touches it for bios that carry an integrity payload.
 */
export class Btt {
  /** External sectors of all arenas. */
  readonly nlba: bigint
  /** The block size users see: 4096 when lbasize ≥ 4096, else 512. */
  readonly sectorSize: number
  readonly lbasize: number
  /** nlba * sectorSize (sysfs bttX.Y/size). */
  readonly size: bigint
  readonly uuid: string
  readonly parentUuid: string
  readonly version: BttVersion
  /** Where the first arena starts in the namespace. */
  readonly initialOffset: bigint
  readonly readOnly: boolean
  private readonly arenaList: BttArena[]
  private readonly single: BttArena | undefined
  private readonly singleNlba: bigint

  private constructor(
    private readonly media: Media,
    options: BttAttachOptions,
    arenas: BttArena[],
    private readonly logger?: Logger,
  ) {
    this.version = options.version
    this.lbasize = options.lbasize
    this.sectorSize = bttSectorSize(options.lbasize)
    this.uuid = normalizeUuid(options.uuid)
    this.parentUuid = normalizeUuid(options.parentUuid)
    this.initialOffset = bttInitialOffset(options.version)
    this.readOnly = options.readOnly ?? false
    this.arenaList = arenas
    this.nlba = arenas.reduce((sum, arena) => sum + BigInt(arena.externalNlba), 0n)
    this.size = this.nlba * BigInt(this.sectorSize)
    this.single = arenas.length === 1 ? arenas[0] : undefined
    this.singleNlba = this.single ? BigInt(this.single.externalNlba) : 0n
  }

  /** Per-arena geometry and log indices, as the kernel's debugfs shows them. */
  get arenas(): readonly BttArenaInfo[] {
    return this.arenaList.map((arena) => arena.info())
  }

  /** A lane's free-list entry (block, sub, seq, hasErr) in an arena: for tests and debugging. */
  freeEntry(arena: number, lane: number): { block: number; sub: number; seq: number; hasErr: boolean } {
    const found = this.arenaList[arena]
    if (!found || !Number.isInteger(lane) || lane < 0 || lane >= found.nfree) {
      throw new NvdimmError('EINVAL', `no lane ${lane} in arena ${arena}`)
    }
    return found.freeEntry(lane)
  }

  /**
   * nd_btt_version(): the primary info block at the version's offset, if it is valid for this
   * namespace and of exactly that version.
   */
  static probe(media: Media, version: BttVersion, parentUuid: string): BttInfoBlock | undefined {
    const offset = bttInitialOffset(version)
    if (offset + BigInt(BTT_INFO_SIZE) > media.size) return undefined
    const bytes = new Uint8Array(BTT_INFO_SIZE)
    media.read(offset, bytes)
    if (!bttInfoBlockIsValid(bytes, parentUuid)) return undefined
    const info = decodeBttInfoBlock(bytes)
    const { major, minor } = bttVersionNumbers(version)
    return info.versionMajor === major && info.versionMinor === minor ? info : undefined
  }

  /**
   * nvdimm_namespace_attach_btt() + btt_init(): find the arenas (recovering each lane's free
   * block, and rolling forward a map update a crash cut off), or lay out new ones when the
   * first info block is not valid. Discovery fails like the kernel's: ENODEV for a corrupt
   * later arena, ENXIO for log indices, EIO for a corrupt log, EFAULT for offsets outside the
   * namespace (the kernel then returns -ENOMEM from probe; the cause is kept here).
   */
  static attach(media: Media, options: BttAttachOptions): Btt {
    assertBttLbasize(options.lbasize)
    const parentUuid = normalizeUuid(options.parentUuid)
    normalizeUuid(options.uuid)
    const logger = options.logger
    const initialOffset = bttInitialOffset(options.version)

    // nd_btt_version() is called for its side effects; only its log line shows here.
    const first = new Uint8Array(BTT_INFO_SIZE)
    if (initialOffset + PG <= media.size) {
      media.read(initialOffset, first)
      if (bttInfoBlockIsValid(first, parentUuid) && (decodeBttInfoBlock(first).flags & IB_FLAG_ERROR_MASK) !== 0) {
        logger?.info('Found arena with an error flag')
      }
    }

    const rawsize = media.size - initialOffset
    if (rawsize < ARENA_MIN_SIZE) {
      logger?.debug(`${options.name ?? 'namespace'} must be at least ${ARENA_MIN_SIZE + initialOffset} bytes`)
      assertBttRawsize(rawsize, initialOffset)
    }
    const sectorSize = bttSectorSize(options.lbasize)

    let arenas: BttArena[] | undefined
    try {
      arenas = discoverArenas(media, initialOffset, rawsize, parentUuid, sectorSize, logger)
    } catch (error) {
      if (error instanceof NvdimmError) logger?.error(`init: error in arena_discover: ${error.code}`)
      throw error
    }
    if (!arenas) {
      if (options.readOnly) {
        const message = `${options.regionName ?? 'region'} is read-only, unable to init btt metadata`
        logger?.warn(message)
        throw new NvdimmError('EROFS', message)
      }
      logger?.debug(`init: ${Number((rawsize + (1n << 39n) - 1n) >> 39n)} arenas for ${rawsize} rawsize`)
      arenas = metaInit(media, options, initialOffset, rawsize, parentUuid, sectorSize, logger)
    }
    return new Btt(media, options, arenas, logger)
  }

  /** The pre-map LBA locate() found, kept in a field so the I/O path allocates nothing. */
  private premap = 0

  /** lba_to_arena(): the arena holding `lba`, its pre-map LBA in this.premap. */
  private locate(lba: bigint): BttArena {
    if (lba >= 0n) {
      let rest = lba
      for (const arena of this.arenaList) {
        const nlba = BigInt(arena.externalNlba)
        if (rest < nlba) {
          this.premap = Number(rest)
          return arena
        }
        rest -= nlba
      }
    }
    throw new NvdimmError('EIO', `LBA ${lba} is beyond the end of the BTT (${this.nlba} sectors)`)
  }

  private checkBuffer(buffer: Uint8Array, what: string): void {
    if (buffer.length !== this.sectorSize) {
      throw new NvdimmError(
        'EINVAL',
        `${what} takes exactly one ${this.sectorSize}-byte sector, not ${buffer.length} bytes`,
      )
    }
  }

  private ioError(op: 'READ' | 'WRITE', lba: bigint): void {
    this.logger?.error(`io error in ${op} sector ${(lba * BigInt(this.sectorSize)) >> 9n}, len ${this.sectorSize},`)
  }

  /** Read one sector (exactly sectorSize bytes): zeros for a trimmed entry, EIO for a bad one. */
  readSector(lba: bigint, target: Uint8Array): void {
    this.checkBuffer(target, 'readSector')
    const single = this.single !== undefined && lba >= 0n && lba < this.singleNlba
    const arena = single ? this.single! : this.locate(lba)
    try {
      arena.readSector(single ? Number(lba) : this.premap, target)
    } catch (error) {
      if (error instanceof NvdimmError) this.ioError('READ', lba)
      throw error
    }
  }

  /** Write one sector atomically: after a crash the LBA reads the old content or the new, never a mix. */
  writeSector(lba: bigint, source: Uint8Array, lane = 0): void {
    if (this.readOnly) throw new NvdimmError('EROFS', 'the BTT is on a read-only region')
    this.checkBuffer(source, 'writeSector')
    if (!Number.isInteger(lane) || lane < 0 || lane >= ND_MAX_LANES) {
      throw new NvdimmError('EINVAL', `lane ${lane} is not one of 0..${ND_MAX_LANES - 1}`)
    }
    const single = this.single !== undefined && lba >= 0n && lba < this.singleNlba
    const arena = single ? this.single! : this.locate(lba)
    try {
      arena.writeSector(single ? Number(lba) : this.premap, source, lane)
    } catch (error) {
      if (error instanceof NvdimmError) this.ioError('WRITE', lba)
      throw error
    }
  }

  /** Read whole sectors from `lba` on; each sector on its own, as the kernel does a bio's. */
  read(lba: bigint, target: Uint8Array): void {
    this.checkMultiple(target)
    for (let done = 0, at = lba; done < target.length; done += this.sectorSize, at++) {
      this.readSector(at, target.subarray(done, done + this.sectorSize))
    }
  }

  /** Write whole sectors from `lba` on: each sector is atomic, the whole is not. */
  write(lba: bigint, source: Uint8Array, lane = 0): void {
    this.checkMultiple(source)
    for (let done = 0, at = lba; done < source.length; done += this.sectorSize, at++) {
      this.writeSector(at, source.subarray(done, done + this.sectorSize), lane)
    }
  }

  private checkMultiple(buffer: Uint8Array): void {
    if (buffer.length % this.sectorSize !== 0) {
      throw new NvdimmError('EINVAL', `${buffer.length} bytes is not a whole number of ${this.sectorSize}-byte sectors`)
    }
  }

  sync(): void {
    this.media.sync()
  }
}

/**
 * discover_arenas(): follow the arenas from the first info block. Undefined when the first one
 * is not valid ("No existing arenas"): the caller lays out new ones.
 */
function discoverArenas(
  media: Media,
  initialOffset: bigint,
  rawsize: bigint,
  parentUuid: string,
  sectorSize: number,
  logger: Logger | undefined,
): BttArena[] | undefined {
  const arenas: BttArena[] = []
  const seen = new Set<bigint>()
  const bytes = new Uint8Array(BTT_INFO_SIZE)
  let remaining = rawsize
  let curOff = 0n
  let curNlba = 0n
  while (remaining !== 0n) {
    // A chain that comes back on itself (only possible through u64 wrap-around) would make the kernel allocate until ENOMEM.
    if (seen.has(curOff)) throw new NvdimmError('ENOMEM', 'the arena chain loops back on itself')
    seen.add(curOff)
    namespaceRead(media, U64(initialOffset + curOff), bytes)
    if (!bttInfoBlockIsValid(bytes, parentUuid)) {
      if (remaining === rawsize) {
        logger?.info('No existing arenas')
        return undefined
      }
      logger?.error('Found corrupted metadata!')
      throw new NvdimmError('ENODEV', `Found corrupted metadata! (arena ${arenas.length} at offset ${curOff})`)
    }
    const sb = decodeBttInfoBlock(bytes)
    if ((sb.flags & IB_FLAG_ERROR_MASK) !== 0) logger?.info('Found arena with an error flag')
    // parse_arena_meta()
    const info2off = U64(curOff + sb.info2off)
    const size = sb.nextoff > 0n ? sb.nextoff : U64(info2off - curOff + PG)
    const arena = new BttArena(
      media,
      arenas.length,
      initialOffset,
      sectorSize,
      {
        size,
        externalLbaStart: curNlba,
        internalNlba: sb.internalNlba,
        internalLbasize: sb.internalLbasize,
        externalNlba: sb.externalNlba,
        externalLbasize: sb.externalLbasize,
        nfree: sb.nfree,
        versionMajor: sb.versionMajor,
        versionMinor: sb.versionMinor,
        nextoff: sb.nextoff === 0n ? 0n : U64(curOff + sb.nextoff),
        infooff: curOff,
        dataoff: U64(curOff + sb.dataoff),
        mapoff: U64(curOff + sb.mapoff),
        logoff: U64(curOff + sb.logoff),
        info2off,
        flags: sb.flags,
      },
      logger,
    )
    if (arena.nfree < ND_MAX_LANES) {
      const message = `nfree ${arena.nfree} smaller than lane count ${ND_MAX_LANES}`
      logger?.error(message)
      throw new NvdimmError('ENODEV', message)
    }
    try {
      arena.logIndex = arena.detectLogIndex()
    } catch (error) {
      if (error instanceof NvdimmError && error.message === UNKNOWN_PADDING_SCHEME)
        logger?.error(UNKNOWN_PADDING_SCHEME)
      logger?.error('Unable to deduce log/padding indices')
      throw error
    }
    arena.initFreelist()
    arenas.push(arena)
    remaining = U64(remaining - size)
    curOff = U64(curOff + size)
    curNlba += BigInt(arena.externalNlba)
    if (arena.nextoff === 0n) break
  }
  return arenas
}

/**
 * create_arenas() + btt_meta_init(): for each arena, btt_arena_write_layout() writes the map
 * (zeros, 2 MiB at a time), the log (zeros, 4 KiB at a time, then slot 0 of every lane, one
 * 16-byte entry each), then the info block to info2 and only then to the primary: a crash before
 * the primary lands leaves "No existing arenas" and the next attach starts over.
 */
function metaInit(
  media: Media,
  options: BttAttachOptions,
  initialOffset: bigint,
  rawsize: bigint,
  parentUuid: string,
  sectorSize: number,
  logger: Logger | undefined,
): BttArena[] {
  const plans = createArenas(rawsize, options.lbasize)
  const { major, minor } = bttVersionNumbers(options.version)
  const arenas: BttArena[] = []
  const zeros = new Uint8Array(MAP_ZERO_CHUNK)
  try {
    for (const plan of plans) {
      const arena = new BttArena(
        media,
        arenas.length,
        initialOffset,
        sectorSize,
        { ...plan, versionMajor: major, versionMinor: minor, flags: 0 },
        logger,
      )
      // btt_map_init()
      for (let off = plan.mapoff; off < plan.logoff;) {
        const size = Number(plan.logoff - off < BigInt(MAP_ZERO_CHUNK) ? plan.logoff - off : BigInt(MAP_ZERO_CHUNK))
        namespaceWrite(media, initialOffset + off, zeros.subarray(0, size))
        off += BigInt(size)
      }
      // btt_log_init()
      for (let off = plan.logoff; off < plan.info2off;) {
        const size = Number(plan.info2off - off < PG ? plan.info2off - off : PG)
        namespaceWrite(media, initialOffset + off, zeros.subarray(0, size))
        off += BigInt(size)
      }
      arena.writeInitialLog()
      const info = encodeBttInfoBlock({
        uuid: options.uuid,
        parentUuid,
        flags: 0,
        versionMajor: major,
        versionMinor: minor,
        externalLbasize: plan.externalLbasize,
        externalNlba: plan.externalNlba,
        internalLbasize: plan.internalLbasize,
        internalNlba: plan.internalNlba,
        nfree: plan.nfree,
        infosize: BTT_INFO_SIZE,
        nextoff: plan.nextoff,
        dataoff: plan.dataoff - plan.infooff,
        mapoff: plan.mapoff - plan.infooff,
        logoff: plan.logoff - plan.infooff,
        info2off: plan.info2off - plan.infooff,
        checksum: 0n,
      })
      // btt_info_write(): info2 first
      namespaceWrite(media, initialOffset + plan.info2off, info)
      namespaceWrite(media, initialOffset + plan.infooff, info)
      arena.initFreelist()
      arenas.push(arena)
    }
  } catch (error) {
    if (error instanceof NvdimmError) logger?.error(`init: error in meta_init: ${error.code}`)
    throw error
  }
  return arenas
}
