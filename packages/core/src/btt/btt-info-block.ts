import { NvdimmError } from '../errors.js'
import { fletcher64 } from '../util/fletcher64.js'
import { NULL_UUID, normalizeUuid, uuidFromBytes, uuidToBytes } from '../util/uuid.js'

/**
 * The BTT info block (struct btt_sb, drivers/nvdimm/btt.h; ndctl/namespace.h), 4096 bytes,
 * all fields little-endian, uuids in RFC 4122 byte order (export_uuid):
 *   0 signature[16]  16 uuid[16]  32 parent_uuid[16]  48 flags u32  52 version_major u16
 *   54 version_minor u16  56 external_lbasize u32  60 external_nlba u32  64 internal_lbasize u32
 *   68 internal_nlba u32  72 nfree u32  76 infosize u32  80 nextoff u64  88 dataoff u64
 *   96 mapoff u64  104 logoff u64  112 info2off u64  120 padding[3968]  4088 checksum u64
 */

// Constants of drivers/nvdimm/btt.h and nd.h, and ndctl/namespace.h.
export const BTT_SIG_LEN = 16
/** "BTT_ARENA_INFO\0" padded with zeros to 16 bytes. */
export const BTT_SIG = Uint8Array.from([...'BTT_ARENA_INFO'].map((c) => c.charCodeAt(0)).concat([0, 0]))
/** BTT_PG_SIZE: the info block's size and the unit everything in an arena is rounded to. */
export const BTT_PG_SIZE = 4096
/** ndctl's BTT_INFO_SIZE. */
export const BTT_INFO_SIZE = BTT_PG_SIZE
export const MAP_ENT_SIZE = 4
export const MAP_TRIM_SHIFT = 31
export const MAP_TRIM_MASK = 0x80000000
export const MAP_ERR_SHIFT = 30
export const MAP_ERR_MASK = 0x40000000
export const MAP_LBA_MASK = 0x3fffffff
/** Both flag bits set: a normal, written entry. */
export const MAP_ENT_NORMAL = 0xc0000000
export const LOG_ENT_SIZE = 16
export const LOG_GRP_SIZE = 64
export const LOG_SEQ_INIT = 1
export const ARENA_MIN_SIZE = 1n << 24n
export const ARENA_MAX_SIZE = 1n << 39n
/** BTT_DEFAULT_NFREE = ND_MAX_LANES: one free block and one log group per lane. */
export const BTT_DEFAULT_NFREE = 256
/** ND_MAX_LANES: the lanes of a pmem region (nd_region->num_lanes). */
export const ND_MAX_LANES = 256
export const INT_LBASIZE_ALIGNMENT = 64
export const IB_FLAG_ERROR = 0x1
export const IB_FLAG_ERROR_MASK = 0x1
/** ndctl's BTT1_START_OFFSET / BTT2_START_OFFSET: where version 1.1 / 2.0 put the first info block. */
export const BTT1_START_OFFSET = 4096n
export const BTT2_START_OFFSET = 0n
/** btt_lbasize_supported[] (drivers/nvdimm/btt_devs.c): the external sector sizes a BTT accepts. */
export const BTT_SECTOR_SIZES: readonly number[] = [512, 520, 528, 4096, 4104, 4160, 4224]

export function bttLbasizeSupported(lbasize: number): boolean {
  return BTT_SECTOR_SIZES.includes(lbasize)
}

export interface BttInfoBlock {
  /** The BTT's own uuid (sysfs bttX.Y/uuid, ndctl list "uuid"), lower case. */
  uuid: string
  /** The namespace's uuid, or the null uuid for label-less namespaces. */
  parentUuid: string
  flags: number
  versionMajor: number
  versionMinor: number
  externalLbasize: number
  externalNlba: number
  internalLbasize: number
  internalNlba: number
  nfree: number
  infosize: number
  /** Offsets relative to this arena's info block; nextoff 0 marks the last arena. */
  nextoff: bigint
  dataoff: bigint
  mapoff: bigint
  logoff: bigint
  info2off: bigint
  /** As stored: encodeBttInfoBlock ignores it and computes the right one. */
  checksum: bigint
}

const CHECKSUM_OFFSET = 4088

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** nd_sb_checksum() (drivers/nvdimm/claim.c): fletcher64 with the checksum field read as zero. */
export function bttInfoBlockChecksum(bytes: Uint8Array): bigint {
  if (bytes.length !== BTT_INFO_SIZE) {
    throw new NvdimmError('EINVAL', `a BTT info block is ${BTT_INFO_SIZE} bytes, not ${bytes.length}`)
  }
  const copy = bytes.slice()
  copy.fill(0, CHECKSUM_OFFSET)
  return fletcher64(copy)
}

export function encodeBttInfoBlock(info: BttInfoBlock): Uint8Array {
  const bytes = new Uint8Array(BTT_INFO_SIZE)
  const v = view(bytes)
  bytes.set(BTT_SIG, 0)
  bytes.set(uuidToBytes(info.uuid), 16)
  bytes.set(uuidToBytes(info.parentUuid), 32)
  v.setUint32(48, info.flags >>> 0, true)
  v.setUint16(52, info.versionMajor & 0xffff, true)
  v.setUint16(54, info.versionMinor & 0xffff, true)
  v.setUint32(56, info.externalLbasize >>> 0, true)
  v.setUint32(60, info.externalNlba >>> 0, true)
  v.setUint32(64, info.internalLbasize >>> 0, true)
  v.setUint32(68, info.internalNlba >>> 0, true)
  v.setUint32(72, info.nfree >>> 0, true)
  v.setUint32(76, info.infosize >>> 0, true)
  v.setBigUint64(80, BigInt.asUintN(64, info.nextoff), true)
  v.setBigUint64(88, BigInt.asUintN(64, info.dataoff), true)
  v.setBigUint64(96, BigInt.asUintN(64, info.mapoff), true)
  v.setBigUint64(104, BigInt.asUintN(64, info.logoff), true)
  v.setBigUint64(112, BigInt.asUintN(64, info.info2off), true)
  v.setBigUint64(CHECKSUM_OFFSET, bttInfoBlockChecksum(bytes), true)
  return bytes
}

/** The fields as stored, without any check of what they say (see bttInfoBlockIsValid). */
export function decodeBttInfoBlock(bytes: Uint8Array): BttInfoBlock {
  if (bytes.length !== BTT_INFO_SIZE) {
    throw new NvdimmError('EINVAL', `a BTT info block is ${BTT_INFO_SIZE} bytes, not ${bytes.length}`)
  }
  const v = view(bytes)
  return {
    uuid: uuidFromBytes(bytes.subarray(16, 32)),
    parentUuid: uuidFromBytes(bytes.subarray(32, 48)),
    flags: v.getUint32(48, true),
    versionMajor: v.getUint16(52, true),
    versionMinor: v.getUint16(54, true),
    externalLbasize: v.getUint32(56, true),
    externalNlba: v.getUint32(60, true),
    internalLbasize: v.getUint32(64, true),
    internalNlba: v.getUint32(68, true),
    nfree: v.getUint32(72, true),
    infosize: v.getUint32(76, true),
    nextoff: v.getBigUint64(80, true),
    dataoff: v.getBigUint64(88, true),
    mapoff: v.getBigUint64(96, true),
    logoff: v.getBigUint64(104, true),
    info2off: v.getBigUint64(112, true),
    checksum: v.getBigUint64(CHECKSUM_OFFSET, true),
  }
}

export function bttSignatureMatches(bytes: Uint8Array): boolean {
  for (let i = 0; i < BTT_SIG_LEN; i++) if (bytes[i] !== BTT_SIG[i]) return false
  return true
}

/**
 * nd_btt_arena_is_valid() (drivers/nvdimm/btt_devs.c), which ndctl's btt_info_verify() repeats:
 * the signature, then the parent uuid unless the block's is null (label-less namespaces pass
 * the null uuid, so only null-parent blocks match them), then the checksum. Version, sizes and
 * offsets are not looked at.
 */
export function bttInfoBlockIsValid(bytes: Uint8Array, parentUuid: string): boolean {
  if (bytes.length !== BTT_INFO_SIZE) return false
  if (!bttSignatureMatches(bytes)) return false
  const stored = uuidFromBytes(bytes.subarray(32, 48))
  if (stored !== NULL_UUID && stored !== normalizeUuid(parentUuid)) return false
  return view(bytes).getBigUint64(CHECKSUM_OFFSET, true) === bttInfoBlockChecksum(bytes)
}
