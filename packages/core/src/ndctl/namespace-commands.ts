import { NvdimmError, strerror, type Errno } from '../errors.js'
import {
  setNamespaceHolderClass,
  setNamespaceName,
  setNamespaceSize,
  setNamespaceUuid,
  setNamespaceSectorSize,
} from '../namespace/namespace-attrs.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'
import type { Nvdimm } from '../subsystem.js'
import { hex, isPowerOf2, parseSize, SZ_1G, SZ_1K, SZ_1M, SZ_1T } from '../units.js'
import { isUuid, newUuid } from '../util/uuid.js'
import { busMatches, parseNamespaceMode, regionMatches } from './filter.js'
import { toJsonC } from './json.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { namespaceToJson } from './to-json.js'
import { ndctlBuses, ndctlNamespaces, ndctlRegions } from './topology.js'

/**
 * ndctl's create-namespace and destroy-namespace (ndctl/namespace.c), over the kernel's
 * namespace attributes: the same checks in the same order, the same attribute writes, and the
 * same choice between its two kinds of messages (err() ones replace the closing "failed to …"
 * line, error() ones come before it).
 */

/** An error that ndctl reports with err(): no "failed to … namespace" line follows it. */
class CountedError extends NvdimmError {}

function err(errno: Errno, message: string): never {
  throw new CountedError(errno, message)
}

function error(errno: Errno, message: string): never {
  throw new NvdimmError(errno, message)
}

export interface CreateNamespaceOptions {
  bus?: string
  region?: string
  size?: string
  uuid?: string
  name?: string
  mode?: string
  map?: string
  sectorSize?: string
  type?: string
  align?: string
  reconfig?: string
  force?: boolean
  /** --no-autorecover turns this off: a failed setup is not cleaned up. */
  autorecover?: boolean
}

interface Parsed {
  size: bigint
  units: bigint
  defaultSize: boolean
  uuid: string
  name: string | undefined
  sectorSize: number
}

/** parse_namespace_options() / set_defaults(): the checks ndctl makes before looking at any region. */
function parseCreateOptions(options: CreateNamespaceOptions): { mode: string } {
  const type = options.type ?? 'pmem'
  if (type !== 'pmem' && type !== 'blk') error('EINVAL', `invalid type '${type}', must be either 'pmem' or 'blk'`)
  const modeText = options.mode ?? (type === 'pmem' ? 'fsdax' : 'sector')
  const mode = parseNamespaceMode(modeText)
  if (!mode) error('EINVAL', `invalid mode '${modeText}'`)
  if (options.map !== undefined) {
    if (options.map !== 'mem' && options.map !== 'dev') error('EINVAL', `invalid map location '${options.map}'`)
    if (options.reconfig === undefined && modeText !== 'fsdax' && modeText !== 'devdax') {
      error('EINVAL', '--map only valid for an devdax mode pmem namespace')
    }
  }
  if (type === 'blk' && (mode === 'fsdax' || mode === 'devdax'))
    error('ENXIO', "only 'pmem' namespaces support dax operation")
  if (options.size !== undefined && parseSize(options.size) === undefined) {
    error('EINVAL', `failed to parse namespace size '${options.size}'`)
  }
  if (options.align !== undefined) {
    const align = parseSize(options.align)
    if (align === undefined) error('EINVAL', `failed to parse namespace alignment '${options.align}'`)
    if (!isPowerOf2(align) || align < 4096n) error('EINVAL', 'align must be a power-of-2 greater than 4096')
  }
  if (options.uuid !== undefined && !isUuid(options.uuid)) error('EINVAL', `failed to parse uuid: '${options.uuid}'`)
  if (options.sectorSize !== undefined && parseSize(options.sectorSize) === undefined) {
    error('EINVAL', `invalid sector size: ${options.sectorSize}`)
  }
  if (options.reconfig !== undefined) {
    error(
      'EOPNOTSUPP',
      'reconfiguring a namespace in place (-e) comes with the fsdax, devdax and sector modes; destroy and create it in raw mode',
    )
  }
  if (mode !== 'raw') {
    error('EOPNOTSUPP', `${mode} mode needs its personality (pfn, dax or btt), not in this release; use -m raw`)
  }
  return { mode }
}

/** ndctl_namespace_get_num_sector_sizes(): a labelled namespace offers 512 and 4096; a label-less one none. */
function sectorSizesOf(namespace: Namespace | undefined): number[] {
  return namespace instanceof NamespacePmem ? [512, 4096] : []
}

/** ndctl_namespace_is_configuration_idle(): not active, and either unconfigured or label-less. */
function configurationIdle(namespace: Namespace): boolean {
  if (namespace.enabled) return false
  const configured =
    !(namespace instanceof NamespacePmem) ||
    (namespace.size >= namespace.region.bus.ctx.arch.pageSize && namespace.uuid !== undefined)
  return !configured || !(namespace instanceof NamespacePmem)
}

/** validate_namespace_options() for a plain create in raw mode. */
function validateCreate(region: Region, options: CreateNamespaceOptions): Parsed {
  if (!region.enabled) throw new NvdimmError('EAGAIN', `${region.name}: disabled, skipping`)
  const io = region.namespaceType === 'io'
  let size = 0n
  let units = 1n
  const defaultSize = options.size === undefined
  if (!defaultSize) {
    size = parseSize(options.size!)!
    const suffix = options.size!.trim().slice(-1).toUpperCase()
    units = ({ K: SZ_1K, M: SZ_1M, G: SZ_1G, T: SZ_1T } as Record<string, bigint>)[suffix] ?? 1n
  }
  // validate_available_capacity()
  const available = io ? region.resource.size : region.maxAvailableExtent
  if (available === 0n || size > available) {
    throw new NvdimmError('EAGAIN', `${region.name}: insufficient capacity size: ${hex(size)} avail: ${hex(available)}`)
  }
  if (size === 0n) size = available
  if (io && size !== region.resource.size) {
    error('EINVAL', 'Legacy / label-less namespaces do not support sub-dividing a region; retry without -s/--size=')
  }
  const uuid = options.uuid?.toLowerCase() ?? newUuid()
  if (options.name !== undefined && new TextEncoder().encode(options.name).length >= 64) {
    err('EINVAL', 'validate_namespace_options: alt name overflow')
  }
  if (options.align !== undefined) error('ENXIO', 'raw mode does not support setting an alignment')
  const { pageSize } = region.bus.ctx.arch
  const align = pageSize
  if (size % region.align !== 0n) {
    err('EINVAL', `${region.name}: align setting is ${hex(region.align)} size ${hex(size)} is misaligned`)
  }
  const ways = BigInt(Math.max(1, region.mappings.length))
  if (size % (align * ways) !== 0n) {
    const suffix =
      (
        { [String(SZ_1K)]: 'K', [String(SZ_1M)]: 'M', [String(SZ_1G)]: 'G', [String(SZ_1T)]: 'T' } as Record<
          string,
          string
        >
      )[String(units)] ?? ''
    const sizeAlign = (units > align ? units : align) * ways
    const suggestion = ((size / sizeAlign + 1n) * sizeAlign) / units
    err(
      'EINVAL',
      `'--size=' must align to interleave-width: ${ways} and alignment: ${align}\ndid you intend --size=${suggestion}${suffix}?`,
    )
  }
  const seed = region.nsSeed
  let sectorSize = 0xffffffff
  if (options.sectorSize !== undefined) {
    sectorSize = Number(parseSize(options.sectorSize))
    if (!seed) err('ENXIO', `${region.name}: failed to get seed`)
    if (!sectorSizesOf(seed).includes(sectorSize))
      err('EINVAL', `${region.name}: does not support namespace sector_size ${sectorSize}`)
  } else {
    if (!seed) err('ENXIO', `${region.name}: failed to get seed`)
    sectorSize = sectorSizesOf(seed).length === 0 ? 0xffffffff : 512
  }
  return { size, units, defaultSize, uuid, name: options.name, sectorSize }
}

/** What ndctl does not check: an attribute write whose failure it ignores (a crash is not a failure). */
async function ignoringFailure(write: Promise<void>): Promise<void> {
  try {
    await write
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
  }
}

async function attempt(namespace: Namespace, what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    err(cause.errno, `${namespace.name}: set_${what} failed: ${strerror(cause.errno)} (${cause.message})`)
  }
}

/** setup_namespace(): the attribute writes ndctl makes, in its order, then enable. */
async function setupNamespace(namespace: Namespace, parsed: Parsed): Promise<void> {
  if (namespace instanceof NamespacePmem) {
    await attempt(namespace, 'uuid', () => setNamespaceUuid(namespace, parsed.uuid))
    await attempt(namespace, 'alt_name', () => setNamespaceName(namespace, parsed.name ?? ''))
    await attempt(namespace, 'size', () => setNamespaceSize(namespace, parsed.size))
  }
  if (parsed.sectorSize > 0 && parsed.sectorSize < 0xffffffff) {
    if (sectorSizesOf(namespace).includes(parsed.sectorSize)) {
      await attempt(namespace, 'sector_size', () => setNamespaceSectorSize(namespace, parsed.sectorSize))
    } else if (parsed.sectorSize !== 512) {
      error('EINVAL', `${namespace.name}: sector_size: ${parsed.sectorSize} not supported`)
    }
  }
  // ndctl_namespace_set_enforce_mode(): opportunistic, its errors are ignored.
  if (namespace instanceof NamespacePmem) await ignoringFailure(setNamespaceHolderClass(namespace, ''))
  try {
    await namespace.enable()
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    throw new NvdimmError(cause.errno, `${namespace.name}: failed to enable: ${cause.message}`)
  }
}

/** `ndctl create-namespace`: the first region (in ndctl's order) with room makes the namespace. */
export async function ndctlCreateNamespace(nd: Nvdimm, options: CreateNamespaceOptions): Promise<NdctlOutcome> {
  const errors: NvdimmError[] = []
  let counted = false
  let created: Namespace | undefined
  let rc = -6 // -ENXIO until a region is tried
  try {
    parseCreateOptions(options)
    search: for (const bus of ndctlBuses(nd)) {
      if (!busMatches(bus, options.bus)) continue
      for (const region of ndctlRegions(bus)) {
        if (!regionMatches(region, options.region)) continue
        if ((options.type ?? 'pmem') === 'blk') continue
        let parsed: Parsed
        try {
          parsed = validateCreate(region, options)
        } catch (cause) {
          if (cause instanceof NvdimmError && cause.errno === 'EAGAIN') {
            rc = -11
            continue
          }
          throw cause
        }
        const zeroth = region.namespaces.find((ns) => ns.id === 0 && configurationIdle(ns))
        const namespace = zeroth ?? region.nsSeed
        if (!namespace || !configurationIdle(namespace)) {
          rc = -11
          continue
        }
        try {
          await setupNamespace(namespace, parsed)
        } catch (cause) {
          if (options.autorecover !== false && namespace instanceof NamespacePmem && !namespace.enabled) {
            await ignoringFailure(setNamespaceHolderClass(namespace, ''))
            if (namespace.uuid) await ignoringFailure(setNamespaceSize(namespace, 0n))
          }
          throw cause
        }
        created = namespace
        rc = 0
        break search
      }
    }
    if (rc === -11) error('ENOSPC', 'no region has the room (or an idle seed namespace) for it')
    if (rc < 0) error('ENXIO', 'no region matches the filters')
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    counted = cause instanceof CountedError
    errors.push(cause)
  }
  if (created) {
    const flags = { human: false, verbose: false, mediaErrors: false, dax: true, capabilities: false, firmware: false }
    return { stdout: `${toJsonC(namespaceToJson(created, flags))}\n`, errors, messages: [], exitCode: 0 }
  }
  const failure = errors[0]!
  const messages = counted ? [] : [`failed to create namespace: ${strerror(failure.errno)}`]
  // A plain create that fails without an err() message exits as -ENODEV, as ndctl does.
  return { errors, messages, exitCode: counted ? exitCodeOfRc(failure.code) : exitCodeOfRc(-19) }
}

export interface DestroyNamespaceOptions {
  bus?: string
  region?: string
  force?: boolean
}

/** The first 8 KiB of a namespace: where an info block would be. */
function infoBlockRange(namespace: Namespace): { offset: bigint; length: number } {
  const length = Number(namespace.size < 8192n ? namespace.size : 8192n)
  return { offset: namespace.resource.start - namespace.region.resource.start, length }
}

/** zero_info_block(): 0 when something was zeroed, 1 when there was nothing to zero. */
async function zeroInfoBlock(namespace: Namespace): Promise<number> {
  namespace.forceRaw = true
  try {
    try {
      await namespace.enable()
    } catch (cause) {
      if (!(cause instanceof NvdimmError)) throw cause
      return 1
    }
    const { offset, length } = infoBlockRange(namespace)
    const bytes = new Uint8Array(length)
    namespace.region.media.read(offset, bytes)
    if (bytes.every((byte) => byte === 0)) return 1
    namespace.region.media.write(offset, new Uint8Array(length))
    namespace.region.media.sync()
    return 0
  } finally {
    namespace.forceRaw = false
    await namespace.disable()
  }
}

/** `ndctl destroy-namespace`: zero the info block, then (labelled) size 0, which deletes the labels. */
export async function ndctlDestroyNamespace(
  nd: Nvdimm,
  ident: string,
  options: DestroyNamespaceOptions = {},
): Promise<NdctlOutcome> {
  const errors: NvdimmError[] = []
  let destroyed = 0
  let rc = ident === 'all' ? 0 : -6
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, options.bus)) continue
    for (const region of ndctlRegions(bus)) {
      if (!regionMatches(region, options.region)) continue
      for (const namespace of ndctlNamespaces(region)) {
        const uuid = namespace instanceof NamespacePmem ? namespace.uuid : undefined
        if (ident === 'all' ? namespace.size === 0n && uuid === undefined : namespace.name !== ident) continue
        try {
          if (namespace.enabled && !options.force) {
            throw new NvdimmError('EBUSY', `${namespace.name} is active, specify --force for re-configuration`)
          }
          await namespace.disable()
          if (namespace instanceof NamespacePmem) await ignoringFailure(setNamespaceHolderClass(namespace, ''))
          const zeroed = await zeroInfoBlock(namespace)
          if (namespace instanceof NamespacePmem) {
            await setNamespaceSize(namespace, 0n).catch((cause: unknown) => {
              if (!(cause instanceof NvdimmError && cause.errno === 'ENXIO')) throw cause
            })
            destroyed++
          } else if (zeroed === 0) {
            destroyed++
          }
          rc = 0
        } catch (cause) {
          if (!(cause instanceof NvdimmError)) throw cause
          errors.push(cause)
          rc = cause.code
        }
      }
    }
  }
  const messages: string[] = []
  if (rc < 0)
    messages.push(
      `error destroying namespaces: ${strerror(errors.length ? errors[errors.length - 1]!.errno : 'ENXIO')}`,
    )
  messages.push(`destroyed ${destroyed} namespace${destroyed === 1 ? '' : 's'}`)
  return { errors, messages, exitCode: exitCodeOfRc(rc) }
}
