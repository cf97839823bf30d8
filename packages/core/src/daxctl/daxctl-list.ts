import type { Nvdimm } from '../subsystem.js'
import type { JsonObject } from '../ndctl/json.js'
import type { NdctlOutcome } from '../ndctl/outcome.js'
import { daxDeviceToJson, daxRegionToJson } from './dax-json.js'
import { daxctlJsonText, daxDeviceMatches, daxDevices, daxRegionMatches } from './dax-devices.js'

export interface DaxctlListOptions {
  region?: string
  dev?: string
  devices?: boolean
  regions?: boolean
  mappings?: boolean
  idle?: boolean
  human?: boolean
}

/**
 * `daxctl list` (daxctl/list.c): devices, or regions with their devices under -R -D. Without
 * -D and -R, a region filter lists regions and a device filter devices; with neither, devices.
 * Nothing matching prints nothing.
 */
export function daxctlList(nd: Nvdimm, options: DaxctlListOptions = {}): NdctlOutcome {
  let listDevices = options.devices ?? false
  let listRegions = options.regions ?? false
  if (!listDevices && !listRegions) {
    listRegions = options.region !== undefined
    listDevices = options.dev !== undefined
    if (!listRegions && !listDevices) listDevices = true
  }
  const flags = { human: options.human ?? false, mappings: options.mappings ?? false }
  // A pmem dax region has one device and is never idle (size 0), so -i changes nothing here.
  const inRegion = daxDevices(nd).filter((dax) => daxRegionMatches(dax, options.region))
  const items: JsonObject[] = []
  if (listRegions) {
    for (const dax of inRegion) {
      const devices = listDevices && daxDeviceMatches(dax, options.dev) ? [daxDeviceToJson(dax, flags)] : []
      items.push(daxRegionToJson(dax, flags, { path: dax.regionPath, devices }))
    }
  } else {
    for (const dax of inRegion) if (daxDeviceMatches(dax, options.dev)) items.push(daxDeviceToJson(dax, flags))
  }
  return {
    ...(items.length ? { stdout: daxctlJsonText(items, flags.human) } : {}),
    errors: [],
    messages: [],
    exitCode: 0,
  }
}
