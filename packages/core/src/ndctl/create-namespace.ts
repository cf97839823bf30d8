import { BTT_SECTOR_SIZES } from '../btt/btt-info-block.js'
import { setBttSectorSize, setClaimNamespace, setClaimUuid, setPfnAlign, setPfnMode } from '../claim/claim-attrs.js'
import { enableClaim } from '../claim/claim-driver.js'
import type { ClaimDevice } from '../claim/claim-device.js'
import { NdBtt } from '../claim/nd-btt.js'
import { NdPfn, type PfnLocation } from '../claim/nd-pfn.js'
import { NvdimmError, strerror, type Errno } from '../errors.js'
import {
  setNamespaceName,
  setNamespaceSectorSize,
  setNamespaceSize,
  setNamespaceUuid,
} from '../namespace/namespace-attrs.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace, NamespaceMode } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'
import type { Nvdimm } from '../subsystem.js'
import { hex, isPowerOf2, parseSize, SZ_16M, SZ_1G, SZ_1K, SZ_1M, SZ_1T, SZ_2M } from '../units.js'
import { isUuid, newUuid } from '../util/uuid.js'
import { busMatches, parseNamespaceMode, regionMatches } from './filter.js'
import { toJsonC } from './json.js'
import { ignoringFailure, prepReconfig, setEnforceMode } from './namespace-prep.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { namespaceToJson } from './to-json.js'
import { ndctlBuses, ndctlNamespaces, ndctlRegions } from './topology.js'

/**
 * `ndctl create-namespace` (ndctl/namespace.c): the same checks in the same order, the same
 * attribute writes, and the same choice between its two kinds of messages (err() ones count
 * and replace the closing "failed to … namespace" line, error() ones come before it).
 * `-e` reconfigures a namespace in place; `--map none` is the devdax-without-metadata mode
 * of the seed's ndctl patch (NDCTL_PFN_LOC_NONE).
 */

/** An error that ndctl reports with err(): no "failed to … namespace" line follows it. */
export class CountedError extends NvdimmError {}

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
  /** --no-autolabel: do not try to initialise labels on a label-less region. */
  autolabel?: boolean
}

/** set_defaults(): the option checks ndctl makes before looking at any device. */
interface Defaults {
  type: string | undefined
  mode: string | undefined
  modeDefault: boolean
  map: string | undefined
  sectorSize: string | undefined
}

function setDefaults(options: CreateNamespaceOptions): Defaults {
  const reconfig = options.reconfig !== undefined
  let type = options.type
  if (type !== undefined) {
    if (type !== 'pmem' && type !== 'blk') error('EINVAL', `invalid type '${type}', must be either 'pmem' or 'blk'`)
  } else if (!reconfig) type = 'pmem'
  let mode = options.mode
  let modeDefault = false
  if (mode !== undefined) {
    if (!parseNamespaceMode(mode)) error('EINVAL', `invalid mode '${mode}'`)
  } else if (!reconfig && type) {
    mode = type === 'pmem' ? 'fsdax' : 'sector'
    modeDefault = true
  }
  let map = options.map
  if (map !== undefined) {
    if (map !== 'mem' && map !== 'dev' && map !== 'none') error('EINVAL', `invalid map location '${map}'`)
    if (!reconfig && mode !== undefined && mode !== 'fsdax' && mode !== 'devdax') {
      error('EINVAL', '--map only valid for an devdax mode pmem namespace')
    }
  } else if (!reconfig) map = 'dev'
  if (type === 'blk' && (mode === 'fsdax' || mode === 'devdax')) {
    error('ENXIO', "only 'pmem' namespaces support dax operation")
  }
  if (options.size !== undefined && parseSize(options.size) === undefined) {
    error('EINVAL', `failed to parse namespace size '${options.size}'`)
  }
  if (options.align !== undefined) {
    const align = parseSize(options.align)
    if (align === undefined) error('EINVAL', `failed to parse namespace alignment '${options.align}'`)
    if (!isPowerOf2(align) || align < 4096n) error('EINVAL', 'align must be a power-of-2 greater than 4096')
  }
  if (options.uuid !== undefined && !isUuid(options.uuid)) error('EINVAL', `failed to parse uuid: '${options.uuid}'`)
  let sectorSize = options.sectorSize
  if (sectorSize !== undefined) {
    if (parseSize(sectorSize) === undefined) error('EINVAL', `invalid sector size: ${sectorSize}`)
  } else if (type === 'blk' || (mode !== undefined && parseNamespaceMode(mode) === 'sector')) {
    sectorSize = '4096'
  }
  return { type, mode, modeDefault, map, sectorSize }
}

/** What validate_namespace_options() settles for one region. */
interface Parsed {
  size: bigint
  uuid: string
  name: string | undefined
  mode: NamespaceMode
  align: bigint
  sectorSize: number
  location: PfnLocation | undefined
  autorecover: boolean
}

const NO_SECTOR_SIZE = 0xffffffff

/** ndctl_namespace_get_num_sector_sizes(): a labelled namespace offers 512 and 4096; a label-less one none. */
function sectorSizesOf(namespace: Namespace | undefined): number[] {
  return namespace instanceof NamespacePmem ? [512, 4096] : []
}

/** ndctl_namespace_is_configuration_idle(): not active, and either unconfigured or label-less. */
function configurationIdle(namespace: Namespace): boolean {
  if (namespace.active) return false
  if (!(namespace instanceof NamespacePmem)) return true
  const configured = namespace.size >= namespace.region.bus.ctx.arch.pageSize && namespace.uuid !== undefined
  return !configured
}

function unitsOf(text: string): bigint {
  const suffix = text.trim().slice(-1).toUpperCase()
  return ({ K: SZ_1K, M: SZ_1M, G: SZ_1G, T: SZ_1T } as Record<string, bigint>)[suffix] ?? 1n
}

/** validate_namespace_options(): sizes, mode, alignment and sector size for this region. */
function validateOptions(
  region: Region,
  namespace: Namespace | undefined,
  options: CreateNamespaceOptions,
  defaults: Defaults,
): Parsed {
  if (!region.enabled) throw new NvdimmError('EAGAIN', `${region.name}: disabled, skipping`)
  const io = region.namespaceType === 'io'
  const { pageSize, supportedAlignments } = region.bus.ctx.arch
  let units = 1n
  let size = 0n
  let defaultSize = false
  if (options.size !== undefined) {
    size = parseSize(options.size)!
    units = unitsOf(options.size)
  } else if (namespace) size = namespace.size
  else defaultSize = true
  if (!namespace) {
    // validate_available_capacity()
    const available = io ? region.resource.size : region.maxAvailableExtent
    if (available === 0n || size > available) {
      throw new NvdimmError(
        'EAGAIN',
        `${region.name}: insufficient capacity size: ${hex(size)} avail: ${hex(available)}`,
      )
    }
    if (size === 0n) size = available
  }
  if (io && size !== region.resource.size) {
    error('EINVAL', 'Legacy / label-less namespaces do not support sub-dividing a region; retry without -s/--size=')
  }
  const uuid = options.uuid?.toLowerCase() ?? newUuid()
  const name = options.name ?? (namespace instanceof NamespacePmem ? namespace.altName : undefined)
  if (name !== undefined && new TextEncoder().encode(name).length >= 64) {
    err('EINVAL', 'validate_namespace_options: alt name overflow')
  }
  let mode: NamespaceMode
  if (defaults.mode !== undefined) mode = parseNamespaceMode(defaults.mode)!
  else mode = namespace!.mode
  const pfnSeed = mode === 'fsdax' ? region.seeds.pfn : undefined
  if (mode === 'fsdax' && !pfnSeed && defaults.modeDefault) {
    err('ENXIO', `${region.name} fsdax mode not available`)
  }
  const daxSeed = mode === 'devdax' ? region.seeds.dax : undefined
  if (mode === 'devdax' && !daxSeed) error('ENODEV', `Kernel does not support ${mode} mode`)
  let align: bigint
  if (options.align !== undefined) {
    if (mode !== 'fsdax' && mode !== 'devdax') error('ENXIO', `${mode} mode does not support setting an alignment`)
    if (mode === 'fsdax' && !pfnSeed) error('EINVAL', 'Kernel does not support setting an alignment in fsdax mode')
    align = parseSize(options.align)!
    if (!supportedAlignments.includes(align)) error('ENXIO', `unsupported align: ${options.align}`)
  } else {
    if (namespace && mode === namespace.mode) {
      // Same mode: keep the namespace's own alignment, else the page size.
      const claim = namespace.claim
      align = claim instanceof NdPfn ? claim.align : pageSize
    } else if (mode === 'fsdax') align = pfnSeed ? pfnSeed.align : SZ_2M
    else if (mode === 'devdax') align = daxSeed!.align
    else align = pageSize
    // A region off the default alignment falls back to the page size (nfit_test's vmalloc).
    if (region.resource.start % align !== 0n) align = pageSize
  }
  if (size % region.align !== 0n) {
    err('EINVAL', `${region.name}: align setting is ${hex(region.align)} size ${hex(size)} is misaligned`)
  }
  const ways = BigInt(Math.max(1, region.mappings.length))
  if (size % (align * ways) !== 0n) {
    const suffix = (
      { [String(SZ_1K)]: 'K', [String(SZ_1M)]: 'M', [String(SZ_1G)]: 'G', [String(SZ_1T)]: 'T' } as Record<
        string,
        string
      >
    )[String(units)]
    const sizeAlign = (units > align ? units : align) * ways
    const suggestion = ((size / sizeAlign + 1n) * sizeAlign) / units
    err(
      'EINVAL',
      `'--size=' must align to interleave-width: ${ways} and alignment: ${align}\ndid you intend --size=${suggestion}${suffix ?? ''}?`,
    )
  }
  if (size < SZ_16M && mode !== 'raw') {
    if (defaultSize) throw new NvdimmError('EAGAIN', `${region.name}: insufficient capacity for mode: ${mode}`)
    error('EINVAL', `'--size=' must be >= 16MiB for '${mode}' mode`)
  }
  let sectorSize: number
  if (defaults.sectorSize !== undefined) {
    sectorSize = Number(parseSize(defaults.sectorSize))
    if (mode === 'sector') {
      const btt = region.seeds.btt
      if (!btt) err('EINVAL', `${region.name}: does not support 'sector' mode`)
      if (!BTT_SECTOR_SIZES.includes(sectorSize)) {
        err('EINVAL', `${region.name}: does not support btt sector_size ${sectorSize}`)
      }
    } else {
      const seed = namespace ?? region.nsSeed
      if (!seed) err('ENXIO', `${region.name}: failed to get seed`)
      if (!sectorSizesOf(seed).includes(sectorSize)) {
        err('EINVAL', `${region.name}: does not support namespace sector_size ${sectorSize}`)
      }
    }
  } else if (namespace) {
    const claim = namespace.claim
    if (claim instanceof NdBtt && mode === 'sector') sectorSize = claim.lbasize
    else sectorSize = namespaceSectorSize(namespace)
  } else {
    const seed = region.nsSeed
    if (!seed) err('ENXIO', `${region.name}: failed to get seed`)
    sectorSize = sectorSizesOf(seed).length === 0 ? NO_SECTOR_SIZE : 512
  }
  let location: PfnLocation | undefined
  if (defaults.map !== undefined) {
    location = defaults.map === 'mem' ? 'ram' : defaults.map === 'none' ? 'none' : 'pmem'
    if (location === 'none' && mode !== 'devdax') error('EINVAL', '--map=none only valid for devdax mode namespace')
    if (namespace && mode !== 'fsdax' && mode !== 'devdax') {
      err('EINVAL', `${namespace.name}: --map= only valid for fsdax mode namespace`)
    }
  } else if (mode === 'fsdax' || mode === 'devdax') location = 'pmem'
  if (!pfnSeed && doSetupPfn(namespace, mode, location)) {
    error('EINVAL', `operation failed, ${region.name} cannot support requested mode`)
  }
  return { size, uuid, name, mode, align, sectorSize, location, autorecover: options.autorecover !== false }
}

/** ndctl_namespace_get_sector_size(): the namespace's lbasize, 512 when it has none. */
function namespaceSectorSize(namespace: Namespace): number {
  const lbasize = namespace instanceof NamespacePmem ? Number(namespace.lbasize) : 0
  return lbasize > 0 ? lbasize : sectorSizesOf(namespace).length === 0 ? NO_SECTOR_SIZE : 512
}

/**
 * do_setup_pfn(): fsdax needs a pfn device unless the namespace already is fsdax by itself
 * (a label-less namespace on a pagemap region) and the memmap stays in RAM.
 */
function doSetupPfn(namespace: Namespace | undefined, mode: NamespaceMode, location: PfnLocation | undefined): boolean {
  if (mode !== 'fsdax') return false
  return !namespace || namespace.mode !== 'fsdax' || location === 'pmem'
}

async function attempt(device: { name: string }, what: string, write: () => Promise<void> | void): Promise<void> {
  try {
    await write()
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    err(cause.errno, `${device.name}: ${what} failed: ${strerror(cause.errno)} (${cause.message})`)
  }
}

/** check_dax_align(): fsdax and devdax want a 16 MiB aligned namespace unless forced. */
function checkDaxAlign(namespace: Namespace, force: boolean): void {
  if (namespace.resource.start % SZ_16M === 0n || force) return
  error('EINVAL', `${namespace.name} misaligned to 16M, adjust region alignment and retry`)
}

/** ndctl_{pfn,dax,btt}_enable(): bind, and say "failed to enable" when it did not take. */
async function enableDevice(device: ClaimDevice): Promise<void> {
  try {
    await enableClaim(device)
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    throw new NvdimmError('ENXIO', `${device.name}: failed to enable: ${cause.message}`, { cause })
  }
}

/** setup_namespace(): the attribute writes ndctl makes, in its order, then enable. */
async function setupNamespace(region: Region, namespace: Namespace, parsed: Parsed, force: boolean): Promise<void> {
  if (namespace instanceof NamespacePmem) {
    await attempt(namespace, 'set_uuid', () => setNamespaceUuid(namespace, parsed.uuid))
    await attempt(namespace, 'set_alt_name', () => setNamespaceName(namespace, parsed.name ?? ''))
    await attempt(namespace, 'set_size', () => setNamespaceSize(namespace, parsed.size))
  }
  if (parsed.sectorSize > 0 && parsed.sectorSize < NO_SECTOR_SIZE) {
    if (sectorSizesOf(namespace).includes(parsed.sectorSize)) {
      await attempt(namespace, 'set_sector_size', () => setNamespaceSectorSize(namespace, parsed.sectorSize))
    } else if (parsed.mode !== 'sector' && parsed.sectorSize !== 512) {
      error('EINVAL', `${namespace.name}: sector_size: ${parsed.sectorSize} not supported`)
    }
  }
  const deviceUuid = newUuid()
  await setEnforceMode(namespace, parsed.mode)
  let failure: NvdimmError | undefined
  const enabling = async (enable: () => Promise<void>, cleanup?: () => void) => {
    try {
      await enable()
    } catch (cause) {
      if (!(cause instanceof NvdimmError)) throw cause
      failure = cause
      if (cleanup && parsed.autorecover) await ignoringFailure(cleanup)
    }
  }
  const pfnKind = doSetupPfn(namespace, parsed.mode, parsed.location)
    ? 'pfn'
    : parsed.mode === 'devdax'
      ? 'dax'
      : undefined
  if (pfnKind) {
    // The fsdax and devdax seeds take the same writes (setup_namespace()).
    const seed = region.seeds[pfnKind]
    if (!seed) throw new NvdimmError('ENXIO', `${region.name}: no ${pfnKind} seed`)
    checkDaxAlign(namespace, force)
    await attempt(seed, 'set_uuid', () => setClaimUuid(seed, deviceUuid))
    await attempt(seed, 'set_location', () => setPfnMode(seed, `${parsed.location}\0`))
    await attempt(seed, 'set_align', () => setPfnAlign(seed, parsed.align))
    await attempt(seed, 'set_namespace', () => setClaimNamespace(seed, namespace.name))
    await enabling(
      () => enableDevice(seed),
      () => setClaimNamespace(seed, ''),
    )
  } else if (parsed.mode === 'sector') {
    const btt = region.seeds.btt
    if (!btt) throw new NvdimmError('ENXIO', `${region.name}: no btt seed`)
    const sectorSize = parsed.sectorSize === NO_SECTOR_SIZE ? 4096 : parsed.sectorSize
    await attempt(btt, 'set_uuid', () => setClaimUuid(btt, deviceUuid))
    await attempt(btt, 'set_sector_size', () => setBttSectorSize(btt, sectorSize))
    await attempt(btt, 'set_namespace', () => setClaimNamespace(btt, namespace.name))
    await enabling(() => enableDevice(btt))
  } else {
    await enabling(() => namespace.enable())
  }
  if (failure) throw new NvdimmError(failure.errno, `${namespace.name}: failed to enable: ${failure.message}`)
}

/** region_get_namespace(): the idle namespace 0, else the seed. */
function regionNamespace(region: Region): Namespace | undefined {
  return region.namespaces.find((ns) => ns.id === 0 && configurationIdle(ns)) ?? region.nsSeed
}

/** namespace_create(): in one region, or EAGAIN to try the next. */
async function namespaceCreate(
  region: Region,
  options: CreateNamespaceOptions,
  defaults: Defaults,
): Promise<Namespace> {
  const parsed = validateOptions(region, undefined, options, defaults)
  const namespace = regionNamespace(region)
  if (!namespace || !configurationIdle(namespace)) {
    throw new NvdimmError('EAGAIN', `${region.name}: no ${namespace ? 'idle' : 'available'} namespace seed`)
  }
  try {
    await setupNamespace(region, namespace, parsed, options.force ?? false)
  } catch (cause) {
    if (parsed.autorecover) {
      await setEnforceMode(namespace, 'raw')
      // ndctl_namespace_delete(): size 0 deletes the labels of a labelled namespace.
      if (namespace instanceof NamespacePmem && !namespace.active && namespace.uuid) {
        await ignoringFailure(setNamespaceSize(namespace, 0n))
      }
    }
    throw cause
  }
  return namespace
}

/**
 * namespace_reconfig(): -e keeps the namespace's size, name and (same-mode) alignment; like
 * ndctl it takes a fresh uuid unless --uuid names one (ndctl-create-namespace(1)).
 */
async function namespaceReconfig(
  region: Region,
  namespace: Namespace,
  options: CreateNamespaceOptions,
  defaults: Defaults,
): Promise<Namespace> {
  const parsed = validateOptions(region, namespace, options, defaults)
  await prepReconfig(namespace, options.force ?? false)
  await setupNamespace(region, namespace, parsed, options.force ?? false)
  return namespace
}

/** `ndctl create-namespace`: the first region (in ndctl's order) with room makes the namespace. */
export async function ndctlCreateNamespace(nd: Nvdimm, options: CreateNamespaceOptions): Promise<NdctlOutcome> {
  const errors: NvdimmError[] = []
  let created: Namespace | undefined
  let rc = -6 // -ENXIO until a region is tried
  const reconfig = options.reconfig
  try {
    const defaults = setDefaults(options)
    search: for (const bus of ndctlBuses(nd)) {
      if (!busMatches(bus, options.bus)) continue
      for (const region of ndctlRegions(bus)) {
        if (!regionMatches(region, options.region)) continue
        if (defaults.type === 'blk') continue
        if (reconfig === undefined) {
          try {
            created = await namespaceCreate(region, options, defaults)
          } catch (cause) {
            if (cause instanceof NvdimmError && cause.errno === 'EAGAIN') {
              rc = -11
              continue
            }
            throw cause
          }
          rc = 0
          break search
        }
        const namespace = ndctlNamespaces(region).find((ns) => ns.name === reconfig)
        if (!namespace) continue
        created = await namespaceReconfig(region, namespace, options, defaults)
        rc = 0
        break search
      }
    }
    if (rc === -11) error('ENOSPC', 'no region has the room (or an idle seed namespace) for it')
    if (rc < 0) error('ENXIO', reconfig === undefined ? 'no region matches the filters' : `${reconfig} not found`)
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
    errors.push(cause)
  }
  if (created) {
    const flags = { human: false, verbose: false, mediaErrors: false, dax: true, capabilities: false, firmware: false }
    const json = namespaceToJson(created, flags)
    return { stdout: json ? `${toJsonC(json)}\n` : '', errors, messages: [], exitCode: 0 }
  }
  const failure = errors[0]!
  const counted = failure instanceof CountedError
  const verb = reconfig === undefined ? 'create' : 'reconfigure'
  const messages = counted ? [] : [`failed to ${verb} namespace: ${strerror(failure.errno)}`]
  // A plain create that fails without an err() message exits as -ENODEV, as ndctl does.
  const exitRc = reconfig === undefined && !counted ? -19 : failure.code
  return { errors, messages, exitCode: exitCodeOfRc(exitRc) }
}
