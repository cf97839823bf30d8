import type { ArchProfile } from '../arch.js'
import { NvdimmError } from '../errors.js'
import { hex } from '../units.js'
import { NULL_UUID } from '../util/uuid.js'
import { decodePfnInfoBlock, hasSignature, pfnInfoChecksum, PfnMode, type PfnInfoBlock } from './pfn-info-block.js'
import { MAX_STRUCT_PAGE_SIZE } from './pfn-layout.js'

export interface PfnValidateInput {
  /** The 4 KiB at namespace offset 4 KiB. */
  block: Uint8Array
  signature: string
  /** The claimed namespace: its range, name and uuid (the null uuid when label-less). */
  namespace: { name: string; start: bigint; size: bigint; uuid: string | undefined }
  /** The device's live settings; `uuid` undefined on the probe path (discovering a block). */
  device: { name: string; uuid: string | undefined; align: bigint; mode: number }
  arch: ArchProfile
}

/** What a valid block tells the device: the settings to adopt and the layout to map. */
export interface ValidPfnInfo {
  info: PfnInfoBlock
  align: bigint
  mode: number
}

function ilog2Floor(value: bigint): bigint {
  return value === 0n ? 0n : 1n << BigInt(value.toString(2).length - 1)
}

/**
 * nd_pfn_validate() (drivers/nvdimm/pfn_devs.c), in the kernel's order. ENODEV means "no
 * block here" (the probe falls back to raw; the init path writes a new one); EOPNOTSUPP means
 * "a coherent block this kernel will not use" (the namespace stays disabled); ENXIO a read
 * error or an unknown mode.
 */
export function validatePfnInfo(input: PfnValidateInput): ValidPfnInfo {
  const { block, namespace, device, arch } = input
  const none = (why: string) => new NvdimmError('ENODEV', `${device.name}: ${why}`)
  const refuse = (why: string) => new NvdimmError('EOPNOTSUPP', `${device.name}: ${why}`)
  if (!hasSignature(block, input.signature)) throw none(`no ${input.signature} signature`)
  const info = decodePfnInfoBlock(block)
  if (pfnInfoChecksum(block) !== info.checksum) throw none('info block checksum mismatch')
  if (info.parentUuid !== (namespace.uuid ?? NULL_UUID)) throw none(`info block belongs to another namespace`)
  // Fields younger than the block's minor version read as their defaults.
  if (info.versionMinor < 1) {
    info.startPad = 0
    info.endTrunc = 0
  }
  if (info.versionMinor < 2) info.align = 0
  if (info.versionMinor < 4) {
    info.pageStructSize = Number(MAX_STRUCT_PAGE_SIZE)
    info.pageSize = Number(arch.pageSize)
  }
  if (info.mode !== PfnMode.RAM && info.mode !== PfnMode.PMEM) {
    throw new NvdimmError('ENXIO', `${device.name}: info block mode ${info.mode} is neither ram nor pmem`)
  }
  const align = info.align === 0 ? ilog2Floor(info.dataoff) : BigInt(info.align)
  const offset = info.dataoff
  const startPad = BigInt(info.startPad)
  const endTrunc = BigInt(info.endTrunc)
  const pmem = info.mode === PfnMode.PMEM
  if (pmem && BigInt(info.pageSize) > arch.pageSize) throw refuse(`init failed, page size mismatch ${info.pageSize}`)
  if (pmem && BigInt(info.pageStructSize) < MAX_STRUCT_PAGE_SIZE) {
    throw refuse(`init failed, struct page size mismatch ${info.pageStructSize}`)
  }
  if (input.signature.startsWith('NVDIMM_DAX') && (align === 0n || !arch.supportedAlignments.includes(align))) {
    throw refuse(`init failed, alignment mismatch: ${device.align}:${align}`)
  }
  if (device.uuid !== undefined) {
    if (device.uuid !== info.uuid) throw none('info block carries another uuid')
    if (device.align !== align || device.mode !== info.mode) {
      throw refuse(
        `init failed, settings mismatch (align ${hex(device.align)}:${hex(align)} mode ${device.mode}:${info.mode})`,
      )
    }
  }
  if (align > namespace.size) throw refuse(`alignment: ${hex(align)} exceeds capacity ${hex(namespace.size)}`)
  if (offset >= namespace.size) throw refuse(`pfn array size exceeds capacity of ${namespace.name}`)
  if ((align !== 0n && (namespace.start + offset + startPad) % align !== 0n) || offset % arch.pageSize !== 0n) {
    throw refuse(`bad offset: ${hex(offset)} dax disabled align: ${hex(align)}`)
  }
  if ((namespace.start + startPad) % arch.memremapCompatAlign !== 0n) throw refuse('resource start misaligned')
  if ((namespace.start + namespace.size - endTrunc) % arch.memremapCompatAlign !== 0n) {
    throw refuse('resource end misaligned')
  }
  if (offset >= namespace.size - startPad - endTrunc) throw refuse('bad offset with small namespace')
  return { info, align, mode: info.mode }
}
