import { NvdimmError } from '../errors.js'
import {
  ARENA_MAX_SIZE,
  ARENA_MIN_SIZE,
  BTT_DEFAULT_NFREE,
  BTT_PG_SIZE,
  BTT_SECTOR_SIZES,
  BTT1_START_OFFSET,
  BTT2_START_OFFSET,
  bttLbasizeSupported,
  INT_LBASIZE_ALIGNMENT,
  LOG_GRP_SIZE,
  MAP_ENT_SIZE,
} from './btt-info-block.js'

/**
 * Where a new BTT's arenas go (create_arenas() and alloc_arena(), drivers/nvdimm/btt.c):
 * each arena is info | data | map | log | info2, filling it to its last 4 KiB.
 */

/** 1.1 under v1.1 labels and label-less namespaces (claim class BTT), 2.0 under v1.2 labels (BTT2). */
export type BttVersion = '1.1' | '2.0'

/** nd_btt_version(): the first info block sits at +4096 for 1.1 and at +0 for 2.0. */
export function bttInitialOffset(version: BttVersion): bigint {
  return version === '2.0' ? BTT2_START_OFFSET : BTT1_START_OFFSET
}

export function bttVersionNumbers(version: BttVersion): { major: number; minor: number } {
  return version === '2.0' ? { major: 2, minor: 0 } : { major: 1, minor: 1 }
}

/** btt_init(): 4096-byte sectors for lbasize 4096 and up, else 512; the rest is integrity metadata. */
export function bttSectorSize(lbasize: number): number {
  return lbasize >= 4096 ? 4096 : 512
}

/**
 * One arena as alloc_arena() computes it. Offsets are the kernel's "absolute" ones: from the
 * start of the BTT's raw space, which begins `bttInitialOffset()` bytes into the namespace.
 */
export interface BttArenaPlan {
  size: bigint
  externalLbaStart: bigint
  internalNlba: number
  internalLbasize: number
  externalNlba: number
  externalLbasize: number
  nfree: number
  /** The value written to the info block: this arena's size, or 0 for the last arena. */
  nextoff: bigint
  infooff: bigint
  dataoff: bigint
  mapoff: bigint
  logoff: bigint
  info2off: bigint
}

const PG = BigInt(BTT_PG_SIZE)

function roundup(value: bigint, to: bigint): bigint {
  return ((value + to - 1n) / to) * to
}

/** alloc_arena(): the map/data split for an arena of `size` bytes at `arenaOff`. */
export function allocArena(size: bigint, lbasize: number, arenaOff: bigint, startLba: bigint): BttArenaPlan {
  const internalLbasize = Number(roundup(BigInt(lbasize), BigInt(INT_LBASIZE_ALIGNMENT)))
  const nfree = BTT_DEFAULT_NFREE
  let available = size - (size % PG)
  available -= 2n * PG
  const logsize = roundup(BigInt(nfree * LOG_GRP_SIZE), PG)
  available -= logsize
  // The extra page leaves room for rounding the map up to whole pages.
  const internalNlba = Number((available - PG) / BigInt(internalLbasize + MAP_ENT_SIZE))
  const externalNlba = internalNlba - nfree
  const mapsize = roundup(BigInt(externalNlba * MAP_ENT_SIZE), PG)
  const datasize = available - mapsize
  const infooff = arenaOff
  const dataoff = infooff + PG
  const mapoff = dataoff + datasize
  const logoff = mapoff + mapsize
  const info2off = logoff + logsize
  return {
    size,
    externalLbaStart: startLba,
    internalNlba,
    internalLbasize,
    externalNlba,
    externalLbasize: lbasize,
    nfree,
    nextoff: 0n,
    infooff,
    dataoff,
    mapoff,
    logoff,
    info2off,
  }
}

/** EINVAL unless `lbasize` is one of BTT_SECTOR_SIZES (the sysfs sector_size store refuses others). */
export function assertBttLbasize(lbasize: number): void {
  if (!bttLbasizeSupported(lbasize)) {
    throw new NvdimmError(
      'EINVAL',
      `sector size ${lbasize} is not supported by BTT (choose one of ${BTT_SECTOR_SIZES.join(', ')})`,
    )
  }
}

/** ENXIO when the raw space after the initial offset cannot hold one 16 MiB arena. */
export function assertBttRawsize(rawsize: bigint, initialOffset: bigint): void {
  if (rawsize < ARENA_MIN_SIZE) {
    throw new NvdimmError(
      'ENXIO',
      `a BTT needs a namespace of at least ${ARENA_MIN_SIZE + initialOffset} bytes and this one has ` +
        `${rawsize + initialOffset}: make the namespace larger (or use another mode)`,
    )
  }
}

/**
 * create_arenas(): 512 GiB arenas, then one for the rest if that is at least 16 MiB (a smaller
 * tail stays unused). `rawsize` is the namespace size minus the initial offset.
 */
export function createArenas(rawsize: bigint, lbasize: number): BttArenaPlan[] {
  assertBttLbasize(lbasize)
  const arenas: BttArenaPlan[] = []
  let remaining = rawsize
  let curOff = 0n
  let nlba = 0n
  while (remaining > 0n) {
    const arenaSize = remaining < ARENA_MAX_SIZE ? remaining : ARENA_MAX_SIZE
    remaining -= arenaSize
    if (arenaSize < ARENA_MIN_SIZE) break
    const arena = allocArena(arenaSize, lbasize, curOff, nlba)
    nlba += BigInt(arena.externalNlba)
    arena.nextoff = remaining >= ARENA_MIN_SIZE ? arena.size : 0n
    curOff += arenaSize
    arenas.push(arena)
  }
  return arenas
}

/** The arenas a new BTT of this version would lay out on a namespace of `namespaceSize` bytes. */
export function bttArenaPlan(namespaceSize: bigint, version: BttVersion, lbasize: number): BttArenaPlan[] {
  assertBttLbasize(lbasize)
  const initialOffset = bttInitialOffset(version)
  const rawsize = namespaceSize - initialOffset
  assertBttRawsize(rawsize, initialOffset)
  return createArenas(rawsize, lbasize)
}

/**
 * What users see of a new BTT (btt_blk_init()): nlba external sectors of `sectorSize` bytes,
 * `size` = nlba * sectorSize (sysfs bttX.Y/size, ndctl list "size").
 */
export function bttCapacity(
  namespaceSize: bigint,
  version: BttVersion,
  lbasize: number,
): { nlba: bigint; sectorSize: number; size: bigint } {
  const arenas = bttArenaPlan(namespaceSize, version, lbasize)
  const nlba = arenas.reduce((sum, arena) => sum + BigInt(arena.externalNlba), 0n)
  const sectorSize = bttSectorSize(lbasize)
  return { nlba, sectorSize, size: nlba * BigInt(sectorSize) }
}
