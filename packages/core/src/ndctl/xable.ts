import { NvdimmError, strerror } from '../errors.js'
import type { Nvdimm } from '../subsystem.js'
import { busMatches, regionMatches } from './filter.js'
import { ndctlBuses, ndctlNamespaces, ndctlRegions } from './topology.js'

export type XableAction = 'enable' | 'disable'

export interface XableOptions {
  bus?: string
  region?: string
  type?: string
}

/** The outcome of an ndctl enable/disable command: what it did and what it says. */
export interface XableResult {
  /** Devices acted on. */
  count: number
  /** Failures met on the way, one per device. */
  errors: NvdimmError[]
  /** The command's return code: 0 or a negative errno, as ndctl exits with it. */
  rc: number
  /** ndctl's own lines on stderr, in order ("enabled 2 regions"). */
  messages: string[]
}

function checkRegionType(type: string | undefined): void {
  if (type !== undefined && type !== 'pmem' && type !== 'blk') {
    throw new NvdimmError('EINVAL', `unknown region type '${type}', should be 'pmem' or 'blk'`)
  }
}

function failure(error: unknown): NvdimmError {
  if (error instanceof NvdimmError) return error
  throw error
}

/** `ndctl enable-region` / `disable-region` (ndctl/region.c do_xable_region()). */
export async function ndctlXableRegion(
  nd: Nvdimm,
  action: XableAction,
  regionIdent: string,
  options: XableOptions = {},
): Promise<XableResult> {
  checkRegionType(options.type)
  const errors: NvdimmError[] = []
  let count = 0
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, options.bus)) continue
    for (const region of ndctlRegions(bus)) {
      if (options.type === 'blk') continue
      if (!regionMatches(region, regionIdent)) continue
      try {
        if (action === 'enable') await region.enable()
        else await region.disable()
        count++
      } catch (error) {
        errors.push(failure(error))
      }
    }
  }
  const noun = count > 1 || count === 0 ? 'regions' : 'region'
  return { count, errors, rc: 0, messages: [`${action}d ${count} ${noun}`] }
}

/** `ndctl enable-namespace` / `disable-namespace` (ndctl/namespace.c do_xaction_namespace()). */
export async function ndctlXableNamespace(
  nd: Nvdimm,
  action: XableAction,
  namespaceIdent: string,
  options: XableOptions = {},
): Promise<XableResult> {
  checkRegionType(options.type)
  const errors: NvdimmError[] = []
  let count = 0
  let rc = namespaceIdent === 'all' ? 0 : -6 // -ENXIO until a namespace matches
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, options.bus)) continue
    for (const region of ndctlRegions(bus)) {
      if (!regionMatches(region, options.region)) continue
      if (options.type === 'blk') continue
      for (const namespace of ndctlNamespaces(region)) {
        if (namespaceIdent === 'all' ? namespace.size === 0n : namespace.name !== namespaceIdent) continue
        try {
          if (action === 'enable') await namespace.enable()
          else await namespace.disable()
          count++
          rc = 0
        } catch (error) {
          const nvdimmError = failure(error)
          errors.push(nvdimmError)
          rc = nvdimmError.code
        }
      }
    }
  }
  const messages: string[] = []
  if (rc < 0) {
    const errno = errors.length ? errors[errors.length - 1]!.errno : 'ENXIO'
    messages.push(`error ${action === 'enable' ? 'enabling' : 'disabling'} namespaces: ${strerror(errno)}`)
  }
  messages.push(`${action}d ${count} namespace${count === 1 ? '' : 's'}`)
  return { count, errors, rc, messages }
}
