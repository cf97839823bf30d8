import { NvdimmError } from '../errors.js'
import { fletcher64 } from '../util/fletcher64.js'
import { uuidFromBytes, uuidToBytes } from '../util/uuid.js'

/**
 * The pfn / dax info block (struct nd_pfn_sb, drivers/nvdimm/pfn.h): 4 KiB at namespace
 * offset 4 KiB, little-endian, fletcher64 over the block with the checksum field zeroed.
 */
export const PFN_INFO_OFFSET = 4096n
export const PFN_INFO_SIZE = 4096
/** nd_info_block_reserve() on 4 KiB pages, and SZ_8K in the layout arithmetic. */
export const PFN_METADATA_START = 8192n
export const PFN_SIG = 'NVDIMM_PFN_INFO'
export const DAX_SIG = 'NVDIMM_DAX_INFO'
const SIG_LEN = 16
const CHECKSUM_OFFSET = 4088

/** PFN_MODE_*: where the struct pages live. ndctl says "mem" for RAM and "dev" for PMEM. */
export const PfnMode = { NONE: 0, RAM: 1, PMEM: 2 } as const

export interface PfnInfoBlock {
  signature: string
  uuid: string
  parentUuid: string
  flags: number
  versionMajor: number
  versionMinor: number
  /** Data offset from the namespace start. */
  dataoff: bigint
  npfns: bigint
  mode: number
  startPad: number
  endTrunc: number
  /** The alignment that was asked for (not the effective one). */
  align: number
  pageSize: number
  pageStructSize: number
  checksum: bigint
}

export function pfnInfoChecksum(block: Uint8Array): bigint {
  const copy = block.slice(0, PFN_INFO_SIZE)
  copy.fill(0, CHECKSUM_OFFSET, CHECKSUM_OFFSET + 8)
  return fletcher64(copy)
}

function signatureOf(block: Uint8Array): string {
  const end = block.subarray(0, SIG_LEN).indexOf(0)
  return new TextDecoder('latin1').decode(block.subarray(0, end < 0 ? SIG_LEN : end))
}

/** The 16 signature bytes, NUL included: the kernel compares all of them. */
export function hasSignature(block: Uint8Array, signature: string): boolean {
  if (block.length < SIG_LEN) return false
  for (let i = 0; i < SIG_LEN; i++) {
    if (block[i] !== (i < signature.length ? signature.charCodeAt(i) : 0)) return false
  }
  return true
}

export function decodePfnInfoBlock(block: Uint8Array): PfnInfoBlock {
  if (block.length !== PFN_INFO_SIZE) {
    throw new NvdimmError('EINVAL', `a pfn info block is ${PFN_INFO_SIZE} bytes, not ${block.length}`)
  }
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  return {
    signature: signatureOf(block),
    uuid: uuidFromBytes(block.subarray(16, 32)),
    parentUuid: uuidFromBytes(block.subarray(32, 48)),
    flags: view.getUint32(48, true),
    versionMajor: view.getUint16(52, true),
    versionMinor: view.getUint16(54, true),
    dataoff: view.getBigUint64(56, true),
    npfns: view.getBigUint64(64, true),
    mode: view.getUint32(72, true),
    startPad: view.getUint32(76, true),
    endTrunc: view.getUint32(80, true),
    align: view.getUint32(84, true),
    pageSize: view.getUint32(88, true),
    pageStructSize: view.getUint16(92, true),
    checksum: view.getBigUint64(CHECKSUM_OFFSET, true),
  }
}

/** The block with its checksum computed; the padding is zero (minor version 3 and later promise it). */
export function encodePfnInfoBlock(info: Omit<PfnInfoBlock, 'checksum'>): Uint8Array {
  const block = new Uint8Array(PFN_INFO_SIZE)
  const view = new DataView(block.buffer)
  if (info.signature.length >= SIG_LEN) throw new NvdimmError('EINVAL', `signature '${info.signature}' is too long`)
  for (let i = 0; i < info.signature.length; i++) block[i] = info.signature.charCodeAt(i) & 0xff
  block.set(uuidToBytes(info.uuid), 16)
  block.set(uuidToBytes(info.parentUuid), 32)
  view.setUint32(48, info.flags, true)
  view.setUint16(52, info.versionMajor, true)
  view.setUint16(54, info.versionMinor, true)
  view.setBigUint64(56, info.dataoff, true)
  view.setBigUint64(64, info.npfns, true)
  view.setUint32(72, info.mode, true)
  view.setUint32(76, info.startPad, true)
  view.setUint32(80, info.endTrunc, true)
  view.setUint32(84, info.align, true)
  view.setUint32(88, info.pageSize, true)
  view.setUint16(92, info.pageStructSize, true)
  view.setBigUint64(CHECKSUM_OFFSET, pfnInfoChecksum(block), true)
  return block
}

/** Where the data lives in a namespace of `size` bytes: after start_pad and the metadata, before end_trunc. */
export function pfnDataExtent(info: PfnInfoBlock, size: bigint): { offset: bigint; length: bigint } {
  const offset = BigInt(info.startPad) + info.dataoff
  return { offset, length: size - offset - BigInt(info.endTrunc) }
}
