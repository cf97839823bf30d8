import type { Bus } from '../bus/bus.js'
import type { Dimm } from '../dimm/dimm.js'
import { NvdimmError } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'
import type { Nvdimm } from '../subsystem.js'
import {
  busHasDimm,
  busHasNamespace,
  busHasRegion,
  busMatches,
  dimmInNamespace,
  dimmInRegion,
  dimmMatches,
  dimmOnNumaNode,
  namespaceMatches,
  parseNamespaceMode,
  regionHasDimm,
  regionHasNamespace,
  regionMatches,
} from './filter.js'
import { type JsonObject, type JsonValue, toJsonC } from './json.js'
import {
  namespaceBadblocksJson,
  regionBadblocksJson,
  withNamespaceBadblocks,
  withRegionBadblocks,
} from './badblocks-json.js'
import { busScrubState } from './scrub.js'
import {
  busToJson,
  dimmFirmwareToJson,
  dimmHealthToJson,
  dimmToJson,
  namespaceToJson,
  regionToJson,
  type JsonFlags,
} from './to-json.js'
import { ndctlBuses, ndctlDimms, ndctlNamespaces, ndctlRegions } from './topology.js'

/** `ndctl list` options, by their long names. */
export interface ListOptions {
  bus?: string
  region?: string
  dimm?: string
  namespace?: string
  mode?: string
  type?: string
  numaNode?: string
  buses?: boolean
  dimms?: boolean
  regions?: boolean
  namespaces?: boolean
  health?: boolean
  firmware?: boolean
  deviceDax?: boolean
  capabilities?: boolean
  idle?: boolean
  configured?: boolean
  mediaErrors?: boolean
  human?: boolean
  verbose?: number
}

/** What ndctl's list_filter_arg accumulates while it walks the devices. */
interface Accumulator {
  jbuses?: JsonValue[]
  jbus?: JsonObject
  jdimms?: JsonValue[]
  jregions?: JsonValue[]
  jregion?: JsonObject
  jnamespaces?: JsonValue[]
}

/**
 * `ndctl list` (ndctl/list.c cmd_list, ndctl/filter.c ndctl_filter_walk): the JSON text
 * ndctl would print, or undefined when it would print nothing.
 */
export async function ndctlList(nd: Nvdimm, options: ListOptions): Promise<string | undefined> {
  const list = {
    buses: options.buses ?? false,
    dimms: options.dimms ?? false,
    regions: options.regions ?? false,
    namespaces: options.namespaces ?? false,
    idle: options.idle ?? false,
    health: options.health ?? false,
    dax: options.deviceDax ?? false,
    mediaErrors: options.mediaErrors ?? false,
    firmware: options.firmware ?? false,
    capabilities: options.capabilities ?? false,
    configured: options.configured ?? false,
  }
  let mode = options.mode
  const countClasses = () => Number(list.buses) + Number(list.dimms) + Number(list.regions) + Number(list.namespaces)
  if (countClasses() === 0) {
    list.buses = options.bus !== undefined
    list.regions = options.region !== undefined
    list.dimms = options.dimm !== undefined
    if (list.dax && mode === undefined) mode = 'dax'
  }
  const verbose = options.verbose ?? 0
  if (verbose >= 3) {
    list.idle = list.firmware = list.health = list.capabilities = true
  }
  if (verbose >= 2) list.dimms = list.buses = list.regions = true
  if (verbose >= 1) {
    list.mediaErrors = list.namespaces = list.dax = true
  }
  if (countClasses() === 0) list.namespaces = true

  const flags: JsonFlags = {
    human: options.human ?? false,
    verbose: verbose > 0,
    mediaErrors: list.mediaErrors,
    dax: list.dax,
    capabilities: list.capabilities,
    firmware: list.firmware,
  }

  if (options.type !== undefined && options.type !== 'pmem' && options.type !== 'blk') {
    throw new NvdimmError('EINVAL', `unknown type "${options.type}" must be "pmem" or "blk"`)
  }
  const modeFilter = mode === undefined ? undefined : parseNamespaceMode(mode)
  if (mode !== undefined && modeFilter === undefined) throw new NvdimmError('EINVAL', `invalid mode: '${mode}'`)
  let numaNode: number | undefined
  if (options.numaNode !== undefined && options.numaNode !== 'all') {
    numaNode = Number(options.numaNode)
    if (!/^\s*[+-]?\d+$/.test(options.numaNode))
      throw new NvdimmError('EINVAL', `invalid numa_node: '${options.numaNode}'`)
  }

  const acc: Accumulator = {}
  for (const bus of ndctlBuses(nd)) {
    if (
      !busMatches(bus, options.bus) ||
      !busHasDimm(bus, options.dimm) ||
      !busHasRegion(bus, options.region) ||
      !busHasNamespace(bus, options.namespace)
    ) {
      continue
    }
    await walkBus(acc, bus, list.buses, flags)

    if (list.dimms) {
      for (const dimm of ndctlDimms(bus)) {
        if (
          !dimmMatches(dimm, options.dimm) ||
          !dimmInRegion(dimm, options.region) ||
          !dimmInNamespace(dimm, options.namespace) ||
          !dimmOnNumaNode(dimm, numaNode)
        ) {
          continue
        }
        await walkDimm(acc, dimm, list, flags)
      }
    }

    for (const region of ndctlRegions(bus)) {
      if (
        !regionMatches(region, options.region) ||
        !regionHasDimm(region, options.dimm) ||
        !regionHasNamespace(region, options.namespace)
      ) {
        continue
      }
      if (numaNode !== undefined && region.numaNode !== numaNode) continue
      if (options.type === 'blk') continue
      if (!(await walkRegion(acc, region, list, options.dimm, flags))) continue
      if (!list.namespaces) continue
      for (const namespace of ndctlNamespaces(region)) {
        if (!namespaceMatches(namespace, options.namespace)) continue
        if (modeFilter !== undefined && namespace.mode !== modeFilter) continue
        if (numaNode !== undefined && namespace.numaNode !== numaNode) continue
        await walkNamespace(acc, namespace, list, flags)
      }
    }
  }
  return display(acc, flags)
}

async function walkBus(acc: Accumulator, bus: Bus, listBuses: boolean, flags: JsonFlags): Promise<void> {
  // A new bus starts fresh sub-lists only when buses are listed (they nest in it).
  if (acc.jbuses) {
    acc.jdimms = undefined
    acc.jregion = undefined
    acc.jregions = undefined
    acc.jnamespaces = undefined
  }
  if (!listBuses) return
  acc.jbuses ??= []
  acc.jbus = busToJson(bus, flags, await busScrubState(bus))
  acc.jbuses.push(acc.jbus)
}

async function walkDimm(
  acc: Accumulator,
  dimm: Dimm,
  list: { idle: boolean; configured: boolean; health: boolean },
  flags: JsonFlags,
): Promise<void> {
  if (!list.configured && !list.idle && !dimm.enabled) return
  if (!acc.jdimms) {
    acc.jdimms = []
    if (acc.jbus) acc.jbus.dimms = acc.jdimms
  }
  const jdimm = dimmToJson(dimm, flags)
  if (flags.firmware) {
    const firmware = await dimmFirmwareToJson(dimm, flags.human)
    if (firmware) jdimm.firmware = firmware
  }
  if (list.health) {
    const health = await dimmHealthToJson(dimm)
    if (health) jdimm.health = health
  }
  acc.jdimms.push(jdimm)
}

async function walkRegion(
  acc: Accumulator,
  region: Region,
  list: { regions: boolean; dimms: boolean; idle: boolean; configured: boolean },
  dimmIdent: string | undefined,
  flags: JsonFlags,
): Promise<boolean> {
  if (!list.regions) return true
  if (!list.configured && !list.idle && !region.enabled) return true
  if (!acc.jregions) {
    acc.jregions = []
    if (acc.jbus) acc.jbus.regions = acc.jregions
  }
  const mappingDimms = list.dimms
    ? (dimm: Dimm) => dimmMatches(dimm, dimmIdent) && (list.configured || list.idle || dimm.enabled)
    : undefined
  acc.jregion = withRegionBadblocks(
    regionToJson(region, flags, mappingDimms),
    await regionBadblocksJson(region, flags.mediaErrors),
  )
  acc.jnamespaces = undefined
  acc.jregions.push(acc.jregion)
  return true
}

async function walkNamespace(
  acc: Accumulator,
  namespace: Namespace,
  list: { idle: boolean; configured: boolean },
  flags: JsonFlags,
): Promise<void> {
  const configured = namespace.size > 0n
  if (!namespace.active && !list.idle && !(list.configured && configured)) return
  if (!acc.jnamespaces) {
    acc.jnamespaces = []
    const container = acc.jregion ?? acc.jbus
    if (container) container.namespaces = acc.jnamespaces
  }
  const json = namespaceToJson(namespace, flags)
  if (json)
    acc.jnamespaces.push(withNamespaceBadblocks(json, await namespaceBadblocksJson(namespace, flags.mediaErrors)))
}

/** util_display_json_array(): under --human a single element prints bare. */
function displayArray(array: JsonValue[], flags: JsonFlags): string {
  return toJsonC(array.length === 1 && flags.human ? array[0]! : array)
}

function display(acc: Accumulator, flags: JsonFlags): string | undefined {
  if (acc.jbuses) return displayArray(acc.jbuses, flags)
  const classes = Number(!!acc.jdimms) + Number(!!acc.jregions) + Number(!!acc.jnamespaces)
  if (classes > 1) {
    const platform: JsonObject = {}
    if (acc.jdimms) platform.dimms = acc.jdimms
    if (acc.jregions) platform.regions = acc.jregions
    if (acc.jnamespaces && !acc.jregions) platform.namespaces = acc.jnamespaces
    return toJsonC(platform)
  }
  if (acc.jdimms) return displayArray(acc.jdimms, flags)
  if (acc.jregions) return displayArray(acc.jregions, flags)
  if (acc.jnamespaces) return displayArray(acc.jnamespaces, flags)
  return undefined
}
