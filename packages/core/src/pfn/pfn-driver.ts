import { allocClaimDevice, attachNamespace, registerClaimDevice, releaseClaimDevice } from '../claim/claim-registry.js'
import { NdPfn, type PfnLocation } from '../claim/nd-pfn.js'
import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'
import { hex } from '../units.js'
import { NULL_UUID } from '../util/uuid.js'
import {
  DAX_SIG,
  decodePfnInfoBlock,
  encodePfnInfoBlock,
  hasSignature,
  PFN_INFO_OFFSET,
  PFN_INFO_SIZE,
  PFN_METADATA_START,
  PFN_SIG,
  pfnDataExtent,
  PfnMode,
  type PfnInfoBlock,
} from './pfn-info-block.js'
import { MAX_STRUCT_PAGE_SIZE, pfnLayout } from './pfn-layout.js'
import { validatePfnInfo, type ValidPfnInfo } from './pfn-validate.js'

/**
 * The fsdax and devdax personalities (drivers/nvdimm/pfn_devs.c, dax_devs.c, pmem.c,
 * drivers/dax/pmem.c): finding an info block when a namespace is probed, and writing or
 * re-validating it when a configured pfn / dax device is bound.
 */

const MODE_OF: Record<PfnLocation, number> = { none: PfnMode.NONE, ram: PfnMode.RAM, pmem: PfnMode.PMEM }
const LOCATION_OF: Record<number, PfnLocation> = { [PfnMode.RAM]: 'ram', [PfnMode.PMEM]: 'pmem' }

function signatureOf(pfn: NdPfn): string {
  return pfn.kind === 'dax' ? DAX_SIG : PFN_SIG
}

/** The driver a device binds to, as the kernel's messages name it. */
export function pfnDriverName(pfn: NdPfn): string {
  return pfn.kind === 'dax' ? 'dax_pmem' : 'nd_pmem'
}

function readInfoBlock(media: Media, pfn: NdPfn): Uint8Array {
  const block = new Uint8Array(PFN_INFO_SIZE)
  try {
    media.read(PFN_INFO_OFFSET, block)
  } catch (cause) {
    throw new NvdimmError('ENXIO', `${pfn.name}: cannot read the info block: ${(cause as Error).message}`, { cause })
  }
  return block
}

function validate(pfn: NdPfn, namespace: Namespace, block: Uint8Array, probing: boolean): ValidPfnInfo {
  return validatePfnInfo({
    block,
    signature: signatureOf(pfn),
    namespace: {
      name: namespace.name,
      start: namespace.resource.start,
      size: namespace.size,
      uuid: namespace instanceof NamespacePmem ? namespace.uuid : undefined,
    },
    device: { name: pfn.name, uuid: probing ? undefined : pfn.uuid, align: pfn.align, mode: MODE_OF[pfn.mode] },
    arch: namespace.region.bus.ctx.arch,
  })
}

/**
 * nd_pfn_probe() / nd_dax_probe(): a new device claims the namespace while its block is
 * validated. Found: the device keeps the claim and takes the block's uuid, align and mode.
 * EOPNOTSUPP is passed on (the namespace stays disabled); anything else means "not mine".
 */
export function probePfn(namespace: Namespace, kind: 'pfn' | 'dax', head: Uint8Array): NdPfn | undefined {
  if (namespace.forceRaw) return undefined
  if (namespace.claimClass !== 'none' && namespace.claimClass !== kind) return undefined
  // A namespace too small to hold the block: the read fails (ENXIO), which means "not mine".
  if (head.length < Number(PFN_INFO_OFFSET) + PFN_INFO_SIZE) return undefined
  const block = head.subarray(Number(PFN_INFO_OFFSET), Number(PFN_INFO_OFFSET) + PFN_INFO_SIZE)
  // The common case, nothing there, decided before any device or error is built.
  if (!hasSignature(block, kind === 'dax' ? DAX_SIG : PFN_SIG)) return undefined
  const pfn = allocClaimDevice(namespace.region, kind)
  attachNamespace(pfn, namespace)
  try {
    const valid = validate(pfn, namespace, block, true)
    pfn.uuid = valid.info.uuid
    pfn.align = valid.align
    pfn.mode = LOCATION_OF[valid.mode]!
  } catch (error) {
    releaseClaimDevice(pfn)
    if (error instanceof NvdimmError && error.errno === 'EOPNOTSUPP') throw error
    if (!(error instanceof NvdimmError)) throw error
    return undefined
  }
  registerClaimDevice(pfn)
  return pfn
}

/**
 * nvdimm_setup_pfn() → nd_pfn_init(): reuse a block that validates against the device's
 * settings, or write a new one where there is none (ENODEV); the only media write of fsdax
 * and devdax. Then the checks of __nvdimm_setup_pfn() and, for dax, alloc_dax_region().
 */
export function setupPfn(pfn: NdPfn): void {
  const namespace = pfn.namespace
  if (!pfn.uuid || !namespace)
    throw new NvdimmError('ENODEV', `${pfn.name}: incomplete configuration (uuid, namespace)`)
  if (pfn.kind === 'dax' && pfn.mode === 'none') {
    setupDaxWithoutMetadata(pfn, namespace)
    return
  }
  const media = namespaceMedia(namespace)
  const { arch, logger } = namespace.region.bus.ctx
  const info = reusableInfo(pfn, namespace, media) ?? writeInfoBlock(pfn, namespace, media)
  if (info.dataoff < PFN_METADATA_START) {
    throw new NvdimmError('EINVAL', `${pfn.name}: data offset ${hex(info.dataoff)} overlaps the info blocks`)
  }
  const data = pfnDataExtent(info, namespace.size)
  if (info.mode === PfnMode.PMEM) {
    const npfns = data.length / arch.pageSize
    if (info.npfns > npfns) logger.info(`${pfn.name}: number of pfns truncated from ${info.npfns} to ${npfns}`)
  }
  if (pfn.kind === 'dax') checkDaxRegion(pfn, namespace.resource.start + data.offset, data.length, BigInt(info.align))
  pfn.info = info
}

/** The block on the media when it validates against the device's settings; undefined when there is none (ENODEV). */
function reusableInfo(pfn: NdPfn, namespace: Namespace, media: Media): PfnInfoBlock | undefined {
  try {
    return validate(pfn, namespace, readInfoBlock(media, pfn), false).info
  } catch (error) {
    if (!(error instanceof NvdimmError) || error.errno !== 'ENODEV') throw error
    return undefined
  }
}

/** The rest of nd_pfn_init(): a fresh version 1.4 block at 4 KiB (start_pad is never written). */
function writeInfoBlock(pfn: NdPfn, namespace: Namespace, media: Media): PfnInfoBlock {
  const { arch } = namespace.region.bus.ctx
  const mode = MODE_OF[pfn.mode]
  const { start, size } = namespace.resource
  const layout = pfnLayout({ start, size, align: pfn.align, mode, arch, device: pfn.name, namespace: namespace.name })
  const block = encodePfnInfoBlock({
    signature: signatureOf(pfn),
    uuid: pfn.uuid!,
    parentUuid: namespace instanceof NamespacePmem ? (namespace.uuid ?? NULL_UUID) : NULL_UUID,
    flags: 0,
    versionMajor: 1,
    versionMinor: 4,
    dataoff: layout.dataoff,
    npfns: layout.npfns,
    mode,
    startPad: 0,
    endTrunc: Number(layout.endTrunc),
    align: Number(pfn.align),
    pageSize: Number(arch.pageSize),
    pageStructSize: Number(MAX_STRUCT_PAGE_SIZE),
  })
  media.write(PFN_INFO_OFFSET, block)
  media.sync()
  return decodePfnInfoBlock(block)
}

/** alloc_dax_region(): the data range must be a whole number of aligned pieces (else NULL, ENOMEM). */
function checkDaxRegion(pfn: NdPfn, start: bigint, length: bigint, align: bigint): void {
  if (align === 0n || start % align !== 0n || length % align !== 0n) {
    throw new NvdimmError(
      'ENOMEM',
      `${pfn.name}: dax region [${hex(start)}, +${hex(length)}) is not aligned to ${hex(align)}`,
    )
  }
}

/**
 * devdax with map none (PFN_MODE_NONE; RFC "device-dax: Support devices without PFN
 * metadata", seed 003): no info block is read or written, the whole namespace is data, and
 * the alignment is the device's own. Nothing on the media names it afterwards.
 */
function setupDaxWithoutMetadata(pfn: NdPfn, namespace: Namespace): void {
  const { start, size } = namespace.resource
  checkDaxRegion(pfn, start, size, pfn.align)
  pfn.info = {
    signature: '',
    uuid: pfn.uuid!,
    parentUuid: namespace instanceof NamespacePmem ? (namespace.uuid ?? NULL_UUID) : NULL_UUID,
    flags: 0,
    versionMajor: 0,
    versionMinor: 0,
    dataoff: 0n,
    npfns: 0n,
    mode: PfnMode.NONE,
    startPad: 0,
    endTrunc: 0,
    align: Number(pfn.align),
    pageSize: Number(namespace.region.bus.ctx.arch.pageSize),
    pageStructSize: 0,
    checksum: 0n,
  }
}
