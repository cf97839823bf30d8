import { bttSignatureMatches, decodeBttInfoBlock } from '../btt/btt-info-block.js'
import { NvdimmError, strerror, type Errno } from '../errors.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'
import { NdPfn } from '../claim/nd-pfn.js'
import {
  DAX_SIG,
  decodePfnInfoBlock,
  encodePfnInfoBlock,
  hasSignature,
  PFN_SIG,
  PfnMode,
  pfnInfoChecksum,
} from '../pfn/pfn-info-block.js'
import { MAX_STRUCT_PAGE_SIZE, pageShift } from '../pfn/pfn-layout.js'
import type { Nvdimm } from '../subsystem.js'
import { alignDown, alignUp, isPowerOf2, parseSize, SZ_2M } from '../units.js'
import { isUuid, newUuid, NULL_UUID, uuidToBytes } from '../util/uuid.js'
import { parseNamespaceMode } from './filter.js'
import { hexField, type JsonObject, toJsonC } from './json.js'
import { withForceRaw } from './namespace-prep.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { forNamedNamespaces } from './topology.js'

/**
 * `ndctl read-infoblock` and `write-infoblock` (ndctl/namespace.c): the first 8 KiB of a
 * disabled namespace (read through force_raw), or of a file, decoded as BTT and pfn / dax
 * info blocks; and pfn / dax blocks built with ndctl's own arithmetic (start_pad included).
 */

export const INFOBLOCK_SIZE = 8192

export interface ReadInfoblockOptions {
  bus?: string
  region?: string
  json?: boolean
  human?: boolean
  verify?: boolean
  verbose?: boolean
}

/** ndctl's parse_hex / parse_field: a 32- or 64-bit field, hex-typed under --human. */
function infoBlockHeader(
  block: Uint8Array,
  where: { dev: string } | { file: string },
  info: { uuid: string; parentUuid: string; flags: number; versionMajor: number; versionMinor: number },
  human: boolean,
): JsonObject | undefined {
  const version = `${info.versionMajor}.${info.versionMinor}`
  // snprintf(str, 4, "%d.%d") >= 4: the object is dropped ("failed to create json representation").
  if (version.length >= 4) return undefined
  const end = block.subarray(0, 16).indexOf(0)
  const signature = new TextDecoder('latin1').decode(block.subarray(0, end < 0 ? 16 : end))
  return {
    ...where,
    signature,
    uuid: info.uuid,
    parent_uuid: info.parentUuid,
    flags: hexField(BigInt(info.flags), human),
    version,
  }
}

/**
 * verify_infoblock_checksum() and the parent check of btt_parse() / pfn_parse(). The parent
 * check compares a single byte (`memcmp(…, sizeof(uuid) != 0)` in ndctl), kept as ndctl does.
 */
function verifies(block: Uint8Array, namespaceUuid: string | undefined): boolean {
  // BTT and pfn blocks keep their checksum in the same place (union info_block).
  const stored = new DataView(block.buffer, block.byteOffset, block.byteLength).getBigUint64(4088, true)
  if (pfnInfoChecksum(block) !== stored) return false
  if (namespaceUuid && namespaceUuid !== NULL_UUID && uuidToBytes(namespaceUuid)[0] !== block[32]) return false
  return true
}

/** parse_namespace_infoblock(): every block the 8 KiB hold, in ndctl's order. */
export function infoBlocksToJson(
  bytes: Uint8Array,
  where: { dev: string } | { file: string },
  options: { human?: boolean; verify?: boolean; namespaceUuid?: string },
  verbose: (line: string) => void = () => {},
): JsonObject[] {
  const human = options.human ?? false
  const blocks: JsonObject[] = []
  const btt = (block: Uint8Array) => {
    if (!bttSignatureMatches(block)) return
    if (options.verify && !verifies(block, options.namespaceUuid)) {
      verbose('read-infoblock: btt_parse checksum verification failed')
      return
    }
    const info = decodeBttInfoBlock(block)
    const json = infoBlockHeader(block, where, info, human)
    if (!json) return verbose('read-infoblock: failed to create json representation')
    Object.assign(json, {
      external_lbasize: info.externalLbasize,
      external_nlba: info.externalNlba,
      internal_lbasize: info.internalLbasize,
      internal_nlba: info.internalNlba,
      nfree: info.nfree,
      infosize: info.infosize,
      nextoff: hexField(info.nextoff, human),
      dataoff: hexField(info.dataoff, human),
      mapoff: hexField(info.mapoff, human),
      logoff: hexField(info.logoff, human),
      info2off: hexField(info.info2off, human),
    })
    blocks.push(json)
  }
  const pfn = (block: Uint8Array, signature: string) => {
    if (!hasSignature(block, signature)) return
    if (options.verify && !verifies(block, options.namespaceUuid)) {
      verbose('read-infoblock: pfn_parse checksum verification failed')
      return
    }
    const info = decodePfnInfoBlock(block)
    const json = infoBlockHeader(block, where, info, human)
    if (!json) return verbose('read-infoblock: failed to create json representation')
    Object.assign(json, {
      dataoff: hexField(info.dataoff, human),
      npfns: hexField(info.npfns, human),
      mode: info.mode,
      start_pad: hexField(BigInt(info.startPad), human),
      end_trunc: hexField(BigInt(info.endTrunc), human),
      align: hexField(BigInt(info.align), human),
      page_size: hexField(BigInt(info.pageSize), human),
      page_struct_size: hexField(BigInt(info.pageStructSize), human),
    })
    blocks.push(json)
  }
  const second = bytes.subarray(4096, 8192)
  btt(second)
  btt(bytes.subarray(0, 4096))
  pfn(second, PFN_SIG)
  pfn(second, DAX_SIG)
  return blocks
}

/** namespace_rw_infoblock(): a disabled namespace, enabled raw for the access, left disabled. */
async function withRawNamespace<T>(namespace: Namespace, command: string, use: () => T): Promise<T> {
  if (namespace.active) throw new NvdimmError('EBUSY', `${command}: ${namespace.name} enabled, must be disabled`)
  return withForceRaw(namespace, use, (cause) => {
    throw new NvdimmError(cause.errno, `${command}: ${namespace.name} failed to enable: ${cause.message}`)
  })
}

function namespaceUuidOf(namespace: Namespace): string {
  return namespace instanceof NamespacePmem ? (namespace.uuid ?? NULL_UUID) : NULL_UUID
}

/** cmd_read_infoblock() / cmd_write_infoblock() trailers: "read 1 infoblock", after any error line. */
function infoblockOutcome(
  verb: 'read' | 'wrote',
  count: number,
  rc: number,
  errors: NvdimmError[],
  stdout?: string | Uint8Array,
): NdctlOutcome {
  const messages: string[] = []
  const failed = verb === 'read' ? 'error reading infoblock data' : 'error checking infoblocks'
  if (rc < 0) messages.push(`${failed}: ${strerror(errors.at(-1)?.errno ?? 'ENXIO')}`)
  messages.push(`${verb} ${count} infoblock${count === 1 ? '' : 's'}`)
  return { ...(stdout !== undefined ? { stdout } : {}), errors, messages, exitCode: exitCodeOfRc(rc) }
}

function readStdout(raw: Uint8Array[], json: JsonObject[] | undefined): string | Uint8Array | undefined {
  if (json) return `${toJsonC(json)}\n`
  return raw.length ? Buffer.concat(raw) : undefined
}

/** read-infoblock over namespaces. */
export async function ndctlReadInfoblock(
  nd: Nvdimm,
  ident: string,
  options: ReadInfoblockOptions = {},
): Promise<NdctlOutcome> {
  const asJson = options.json || options.human ? ([] as JsonObject[]) : undefined
  const raw: Uint8Array[] = []
  const { count, rc, errors } = await forNamedNamespaces(nd, ident, options, async (namespace) => {
    const bytes = await withRawNamespace(namespace, 'read-infoblock', () => {
      const media = namespaceMedia(namespace)
      if (media.size < BigInt(INFOBLOCK_SIZE)) {
        throw new NvdimmError('EIO', `read-infoblock: ${namespace.name} is smaller than ${INFOBLOCK_SIZE} bytes`)
      }
      const buffer = new Uint8Array(INFOBLOCK_SIZE)
      media.read(0n, buffer)
      return buffer
    })
    const uuid = namespaceUuidOf(namespace)
    if (asJson) asJson.push(...infoBlocksToJson(bytes, { dev: namespace.name }, { ...options, namespaceUuid: uuid }))
    else raw.push(bytes)
    return true
  })
  if (rc === -6 && errors.length === 0) errors.push(new NvdimmError('ENXIO', `${ident}: no such namespace`))
  return infoblockOutcome('read', count, rc, errors, readStdout(raw, asJson))
}

/** read-infoblock --input FILE (or stdin): the first 8 KiB of the bytes given. */
export function ndctlReadInfoblockFile(
  bytes: Uint8Array,
  path: string,
  options: ReadInfoblockOptions = {},
): NdctlOutcome {
  if (bytes.length < INFOBLOCK_SIZE) {
    const error = new NvdimmError(
      'EIO',
      `read-infoblock: failed to read ${path}: ${bytes.length} of ${INFOBLOCK_SIZE} bytes`,
    )
    return infoblockOutcome('read', 0, error.code, [error], undefined)
  }
  const head = bytes.subarray(0, INFOBLOCK_SIZE)
  if (options.json || options.human) {
    return infoblockOutcome('read', 1, 0, [], readStdout([], infoBlocksToJson(head, { file: path }, options)))
  }
  return infoblockOutcome('read', 1, 0, [], head.slice())
}

export interface WriteInfoblockOptions {
  bus?: string
  region?: string
  mode?: string
  size?: string
  align?: string
  uuid?: string
  parentUuid?: string
  map?: string
  offset?: string
}

function usage(errno: Errno, message: string): never {
  throw new NvdimmError(errno, message)
}

/** set_defaults() for write-infoblock: its argument checks, before any device is touched. */
export function checkWriteInfoblockOptions(options: WriteInfoblockOptions, pageSize: bigint): void {
  const mode = options.mode ?? 'fsdax'
  const parsed = parseNamespaceMode(mode)
  if (!parsed) usage('EINVAL', `invalid mode '${mode}'`)
  if (parsed !== 'fsdax' && parsed !== 'devdax') usage('EINVAL', `unsupported mode '${mode}'`)
  const map = options.map ?? 'dev'
  if (map !== 'mem' && map !== 'dev') usage('EINVAL', `invalid map location '${map}'`)
  if (options.size !== undefined && parseSize(options.size) === undefined) {
    usage('EINVAL', `failed to parse namespace size '${options.size}'`)
  }
  if (options.offset !== undefined && parseSize(options.offset) === undefined) {
    usage('EINVAL', `failed to parse physical offset'${options.offset}'`)
  }
  if (options.align !== undefined) {
    const align = parseSize(options.align)
    if (align === undefined) usage('EINVAL', `failed to parse namespace alignment '${options.align}'`)
    if (!isPowerOf2(align) || align < pageSize) usage('EINVAL', `align must be a power-of-2 greater than ${pageSize}`)
  }
  if (options.uuid !== undefined && !isUuid(options.uuid)) usage('EINVAL', `failed to parse uuid: '${options.uuid}'`)
  if (options.parentUuid !== undefined && !isUuid(options.parentUuid)) {
    usage('EINVAL', `failed to parse uuid: '${options.parentUuid}'`)
  }
}

/**
 * write_pfn_sb() ("Derived from nd_pfn_init() in kernel version v5.5"): 4 KiB of zeros and the
 * block, for a namespace of `size` bytes starting `--offset` into physical space. Unlike the
 * kernel it pads a misaligned start (start_pad) and takes the subsection size, 2 MiB, as the
 * least alignment whatever the arch.
 */
export function buildPfnInfoBlocks(size: bigint, options: WriteInfoblockOptions, pageSize: bigint): Uint8Array {
  const start = options.offset !== undefined ? parseSize(options.offset)! : 0n
  const shift = pageShift(pageSize)
  const pfnAlign = parseSize(options.align ?? '2M')!
  const align = pfnAlign > SZ_2M ? pfnAlign : SZ_2M
  const mode = (options.map ?? 'dev') === 'dev' ? PfnMode.PMEM : PfnMode.RAM
  const startPad = alignUp(start, align) - start
  const endTrunc = start + size - alignDown(start + size, align)
  const metadata = 8192n
  const npfns0 = size > metadata ? (size - metadata) >> shift : 0n
  const offset =
    mode === PfnMode.PMEM
      ? alignUp(start + metadata + MAX_STRUCT_PAGE_SIZE * npfns0, align) - start
      : alignUp(start + metadata, align) - start
  if (offset >= size) throw new NvdimmError('ENXIO', 'unable to satisfy requested alignment')
  const block = encodePfnInfoBlock({
    signature: parseNamespaceMode(options.mode ?? 'fsdax') === 'devdax' ? DAX_SIG : PFN_SIG,
    uuid: options.uuid?.toLowerCase() ?? newUuid(),
    parentUuid: options.parentUuid?.toLowerCase() ?? NULL_UUID,
    flags: 0,
    versionMajor: 1,
    versionMinor: 4,
    dataoff: offset,
    npfns: (size - offset - endTrunc - startPad) >> shift,
    mode,
    startPad: Number(startPad),
    endTrunc: Number(endTrunc),
    align: Number(pfnAlign),
    pageSize: Number(pageSize),
    pageStructSize: Number(MAX_STRUCT_PAGE_SIZE),
  })
  const out = new Uint8Array(8192)
  out.set(block, 4096)
  return out
}

/** write-infoblock --output / --stdout: the 8 KiB for a file (or stdout) of `size` bytes. */
export function ndctlWriteInfoblockFile(
  size: bigint,
  options: WriteInfoblockOptions,
  pageSize: bigint,
): NdctlOutcome & {
  bytes?: Uint8Array
} {
  try {
    const bytes = buildPfnInfoBlocks(size, { ...options, align: options.align ?? '2M' }, pageSize)
    return { ...infoblockOutcome('wrote', 1, 0, []), bytes }
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    return infoblockOutcome('wrote', 0, cause.code, [cause])
  }
}

/** ndctl_get_default_alignment(): the namespace's current pfn / dax PMD size, else the page size. */
function defaultAlignment(namespace: Namespace): bigint {
  const claim = namespace.claim
  const { supportedAlignments, pageSize } = namespace.region.bus.ctx.arch
  if (claim instanceof NdPfn && (namespace.mode === 'fsdax' || namespace.mode === 'devdax')) {
    return supportedAlignments[1] ?? pageSize
  }
  return pageSize
}

/** write-infoblock over namespaces: the 8 KiB written at the start of each, through force_raw. */
export async function ndctlWriteInfoblock(
  nd: Nvdimm,
  ident: string,
  options: WriteInfoblockOptions = {},
): Promise<NdctlOutcome> {
  const { count, rc, errors } = await forNamedNamespaces(nd, ident, options, async (namespace) => {
    const align = options.align ?? String(defaultAlignment(namespace))
    if (options.size !== undefined && parseSize(options.size)! % parseSize(align)! !== 0n) {
      throw new NvdimmError('EINVAL', `--size=${options.size} not aligned to ${align}`)
    }
    await withRawNamespace(namespace, 'write-infoblock', () => {
      const media = namespaceMedia(namespace)
      const size = options.size !== undefined ? parseSize(options.size)! : media.size
      const bytes = buildPfnInfoBlocks(
        size,
        { ...options, align, parentUuid: options.parentUuid ?? namespaceUuidOf(namespace) },
        namespace.region.bus.ctx.arch.pageSize,
      )
      media.write(0n, bytes)
      media.sync()
    })
    return true
  })
  if (rc === -6 && errors.length === 0) errors.push(new NvdimmError('ENXIO', `${ident}: no such namespace`))
  return infoblockOutcome('wrote', count, rc, errors)
}
