import { diskBadblocks, regionBadblocks } from '../badblocks/device-badblocks.js'
import type { Bus } from '../bus/bus.js'
import { NdBtt } from '../claim/nd-btt.js'
import { NdPfn } from '../claim/nd-pfn.js'
import type { Dimm } from '../dimm/dimm.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'
import type { JsonObject } from './json.js'
import { ndctlMappings } from './topology.js'

/**
 * The media-error fields of ndctl's JSON (ndctl/json.c): `badblock_count` whenever there are
 * bad blocks, and with -M the `badblocks` list, in 512-byte sectors, each with the dimms it
 * lands on when they can be told.
 */
export interface BadblocksJson {
  /** Bad sectors: 0 prints no field. */
  count: number
  /** The list, with -M and a nonzero count. */
  badblocks?: JsonObject[]
}

const SECTOR = 512n

/** ndctl_bus_get_region_by_physical_address() */
function regionAt(bus: Bus, address: bigint): Region | undefined {
  return bus.regions.find(
    (region) => address >= region.resource.start && address < region.resource.start + region.resource.size,
  )
}

/**
 * ndctl_bus_get_dimm_by_physical_address(): the one dimm of a 1-way region, else the first
 * dimm the platform's translate-SPA names; none for a region without mappings.
 */
async function dimmAt(bus: Bus, address: bigint): Promise<Dimm | undefined> {
  const region = regionAt(bus, address)
  if (!region) return undefined
  if (Math.max(1, region.mappings.length) === 1) return ndctlMappings(region)[0]?.dimm
  const translateSpa = bus.ops.translateSpa
  if (!translateSpa) return undefined
  try {
    const devices = await translateSpa.call(bus.ops, address)
    const handle = devices[0]?.handle
    return handle === undefined ? undefined : bus.dimms.find((dimm) => dimm.descriptor.handle === handle)
  } catch {
    return undefined
  }
}

/** badblocks_to_jdimms(): the dimms under [address, address + length), one lookup per 512 bytes, by number. */
async function badblockDimms(region: Region, address: bigint, length: bigint): Promise<string[] | undefined> {
  const count = Math.max(1, region.mappings.length)
  const found: Dimm[] = []
  const end = address + length
  for (let at = address; found.length < count && at < end; at += SECTOR) {
    const dimm = await dimmAt(region.bus, at)
    if (dimm && !found.includes(dimm)) found.push(dimm)
  }
  if (found.length === 0) return undefined
  return found.sort((a, b) => a.id - b.id).map((dimm) => dimm.name)
}

/** util_region_badblocks_to_json(): offsets relative to the region. */
export async function regionBadblocksJson(region: Region, mediaErrors: boolean): Promise<BadblocksJson> {
  const bb = regionBadblocks(region)
  if (!bb) return { count: 0 }
  let count = 0
  const list: JsonObject[] = []
  for (const entry of bb.entries) {
    count += entry.length
    if (!mediaErrors) continue
    const json: JsonObject = { offset: entry.sector, length: entry.length }
    const dimms = await badblockDimms(
      region,
      region.resource.start + entry.sector * SECTOR,
      BigInt(entry.length) * SECTOR,
    )
    if (dimms) json.dimms = dimms
    list.push(json)
  }
  return mediaErrors && count ? { count, badblocks: list } : { count }
}

/** dev_badblocks_to_json(): the region's bad blocks inside [begin, begin + size), relative to begin. */
async function devBadblocksJson(
  region: Region,
  begin: bigint,
  size: bigint,
  mediaErrors: boolean,
): Promise<BadblocksJson> {
  const bb = regionBadblocks(region)
  if (!bb) return { count: 0 }
  const regionBegin = region.resource.start
  const devEnd = begin + size - 1n
  let count = 0
  const list: JsonObject[] = []
  for (const entry of bb.entries) {
    const bbBegin = regionBegin + entry.sector * SECTOR
    const bbEnd = bbBegin + BigInt(entry.length) * SECTOR - 1n
    // ndctl's test: an entry ending exactly at the device's first byte is skipped.
    if (bbEnd <= begin || bbBegin >= devEnd) continue
    const from = bbBegin < begin ? begin : bbBegin
    const to = bbEnd > devEnd ? devEnd : bbEnd
    const length = Number((to - from + 1n) / SECTOR)
    count += length
    if (!mediaErrors) continue
    const json: JsonObject = { offset: (from - begin) / SECTOR, length }
    const dimms = await badblockDimms(region, from, BigInt(length) * SECTOR)
    if (dimms) json.dimms = dimms
    list.push(json)
  }
  return mediaErrors && count ? { count, badblocks: list } : { count }
}

/** util_namespace_badblocks_to_json(): the pmem disk's own table (-M only). */
function diskBadblocksJson(namespace: Namespace, mediaErrors: boolean): BadblocksJson {
  if (!mediaErrors) return { count: 0 }
  const bb = diskBadblocks(namespace)
  if (!bb) return { count: 0 }
  let count = 0
  const list: JsonObject[] = []
  for (const entry of bb.entries) {
    count += entry.length
    list.push({ offset: entry.sector, length: entry.length })
  }
  return count ? { count, badblocks: list } : { count }
}

/**
 * The namespace part of util_namespace_to_json(): fsdax and devdax show the bad blocks of
 * their data area; sector only a count over the whole namespace; raw shows its region's list
 * (offsets relative to the region, other namespaces' blocks included), or the disk's when the
 * region has none.
 */
export async function namespaceBadblocksJson(namespace: Namespace, mediaErrors: boolean): Promise<BadblocksJson> {
  const claim = namespace.claim
  const region = namespace.region
  if (claim instanceof NdPfn && claim.kind === 'pfn') {
    const begin = claim.resource
    if (begin === undefined) return diskBadblocksJson(namespace, mediaErrors)
    return devBadblocksJson(region, begin, claim.size!, mediaErrors)
  }
  if (claim instanceof NdPfn) {
    const begin = claim.resource
    if (begin === undefined) return { count: 0 }
    return devBadblocksJson(region, begin, claim.size!, mediaErrors)
  }
  if (claim instanceof NdBtt) {
    const { count } = await devBadblocksJson(region, namespace.resource.start, namespace.size, false)
    return { count }
  }
  const found = await regionBadblocksJson(region, mediaErrors)
  if (found.count && (found.badblocks || !mediaErrors)) return found
  const disk = diskBadblocksJson(namespace, mediaErrors)
  return disk.count ? disk : found
}

function badblockFields(found: BadblocksJson): JsonObject {
  const fields: JsonObject = {}
  if (found.count) fields.badblock_count = found.count
  if (found.badblocks) fields.badblocks = found.badblocks
  return fields
}

/** region_to_json() places the fields after "state", before "capabilities" and "persistence_domain". */
export function withRegionBadblocks(json: JsonObject, found: BadblocksJson): JsonObject {
  const fields = badblockFields(found)
  if (Object.keys(fields).length === 0) return json
  const out: JsonObject = {}
  let placed = false
  for (const [key, value] of Object.entries(json)) {
    if (!placed && (key === 'capabilities' || key === 'persistence_domain')) {
      Object.assign(out, fields)
      placed = true
    }
    out[key] = value
  }
  if (!placed) Object.assign(out, fields)
  return out
}

/** util_namespace_to_json() ends with the fields. */
export function withNamespaceBadblocks(json: JsonObject, found: BadblocksJson): JsonObject {
  return { ...json, ...badblockFields(found) }
}
