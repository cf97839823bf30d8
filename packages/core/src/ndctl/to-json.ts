import { BTT_SECTOR_SIZES } from '../btt/btt-info-block.js'
import type { Bus } from '../bus/bus.js'
import type { Dimm } from '../dimm/dimm.js'
import { NdBtt } from '../claim/nd-btt.js'
import { NdPfn, type PfnLocation } from '../claim/nd-pfn.js'
import { openDaxDevice } from '../data/dax-device.js'
import { DaxAttributes } from '../dax/dax-attributes.js'
import { daxDeviceToJson, daxRegionToJson } from '../daxctl/dax-json.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { NvdimmError } from '../errors.js'
import { NULL_UUID } from '../util/uuid.js'
import { CONTROLLER_CONDITIONS } from '../health/health.js'
import { DIMM_FIRMWARE_FLAGS } from '../provider/types.js'
import type { Region } from '../region/region.js'
import { hexField, JsonDouble, type JsonObject, type JsonValue, sizeField } from './json.js'
import { ndctlMappings } from './topology.js'

/** The UTIL_JSON_* flags that shape one object. */
export interface JsonFlags {
  human: boolean
  verbose: boolean
  mediaErrors: boolean
  dax: boolean
  capabilities: boolean
  firmware: boolean
}

/** util_bus_to_json() */
export function busToJson(bus: Bus, flags: JsonFlags, scrubState?: 'active' | 'idle'): JsonObject {
  const json: JsonObject = { provider: bus.providerName, dev: bus.name }
  // ndctl returns here when the scrub state cannot be read: no scrub_state, and no firmware either.
  if (scrubState === undefined) return json
  json.scrub_state = scrubState
  // Firmware activation is shown only when some dimm can update its firmware. No provider
  // models runtime activation: without the bus's firmware/capability ndctl takes the method
  // to be "reset", and without firmware/activate it prints no activate_state.
  if (flags.firmware && bus.dimms.some((dimm) => dimm.descriptor.ops?.firmware)) {
    json.firmware = { activate_method: 'reset' }
  }
  return json
}

/** util_dimm_to_json() */
export function dimmToJson(dimm: Dimm, flags: JsonFlags): JsonObject {
  const json: JsonObject = { dev: dimm.name }
  if (dimm.uniqueId !== undefined) json.id = dimm.uniqueId
  if (dimm.handle !== undefined) json.handle = hexField(BigInt(dimm.handle), flags.human)
  if (dimm.physId !== undefined) json.phys_id = hexField(BigInt(dimm.physId), flags.human)
  if (!dimm.enabled) json.state = 'disabled'
  const reported = new Set(dimm.descriptor.firmwareFlags ?? [])
  for (const flag of DIMM_FIRMWARE_FLAGS) if (reported.has(flag)) json[`flag_${flag}`] = true
  // sysfs security (absent when the dimm reports none) and frozen
  if (dimm.security.supported) json.security = dimm.security.state
  if (dimm.security.frozen) json.security_frozen = true
  const attributes = dimm.descriptor.attributes
  if (flags.verbose && attributes) json[attributes.group] = { ...attributes.read() }
  return json
}

const ULLONG_MAX = (1n << 64n) - 1n

/**
 * util_dimm_firmware_to_json() (ndctl/json.c): the running version, and the staged one while
 * an update waits to run. Nothing when the dimm cannot update; current_version -1 when the
 * firmware info command fails. No provider models runtime activation, so the dimm has no
 * firmware/activate (no activate_state) nor firmware/result, which ndctl reads as "only a
 * power cycle will run the staged image" (need_powercycle).
 */
export async function dimmFirmwareToJson(dimm: Dimm, human: boolean): Promise<JsonObject | undefined> {
  const firmware = dimm.descriptor.ops?.firmware
  if (!firmware) return undefined
  let info
  try {
    info = await firmware.info()
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    return { current_version: hexField(ULLONG_MAX, human) }
  }
  if (info.runVersion === ULLONG_MAX) return { current_version: hexField(ULLONG_MAX, human) }
  const json: JsonObject = { current_version: hexField(info.runVersion, human), can_update: true }
  if (info.updatedVersion === 0n) return json
  json.next_version = hexField(info.updatedVersion, human)
  if (info.updatedVersion === ULLONG_MAX) return json
  json.need_powercycle = true
  return json
}

/**
 * smart_threshold_to_json() (ndctl/json-smart.c): each alarm's enable bit, and its trip point
 * when enabled. Nothing when the dimm has no threshold command or the command fails.
 */
async function smartThresholdsToJson(dimm: Dimm, json: JsonObject): Promise<void> {
  const smart = dimm.descriptor.ops?.smart
  if (!smart?.thresholds) return
  let thresholds
  try {
    thresholds = await smart.thresholds()
  } catch {
    return
  }
  json.alarm_enabled_media_temperature = thresholds.alarmTemperature
  if (thresholds.alarmTemperature) json.temperature_threshold = new JsonDouble(thresholds.temperature ?? 0)
  json.alarm_enabled_ctrl_temperature = thresholds.alarmControllerTemperature
  if (thresholds.alarmControllerTemperature) {
    json.controller_temperature_threshold = new JsonDouble(thresholds.controllerTemperature ?? 0)
  }
  json.alarm_enabled_spares = thresholds.alarmSpares
  if (thresholds.alarmSpares) json.spares_threshold = thresholds.spares ?? 0
}

/**
 * util_dimm_health_to_json() (ndctl/json-smart.c): undefined when the dimm has no SMART
 * command, {"health_state":"unknown"} when it fails. Temperatures are json doubles; the three
 * alarm flags share one valid bit, so one reported alarm brings the other two as false.
 */
export async function dimmHealthToJson(dimm: Dimm): Promise<JsonObject | undefined> {
  if (!dimm.descriptor.health) return undefined
  let health
  try {
    health = await dimm.health()
  } catch {
    return { health_state: 'unknown' }
  }
  const json: JsonObject = {}
  if (health.state !== undefined) json.health_state = health.state
  if (health.temperature !== undefined) json.temperature_celsius = new JsonDouble(health.temperature)
  if (health.controllerTemperature !== undefined) {
    json.controller_temperature_celsius = new JsonDouble(health.controllerTemperature)
  }
  if (health.sparesPercentage !== undefined) json.spares_percentage = health.sparesPercentage
  const alarms = [health.alarmTemperature, health.alarmControllerTemperature, health.alarmSpares]
  if (alarms.some((alarm) => alarm !== undefined)) {
    json.alarm_temperature = health.alarmTemperature ?? false
    json.alarm_controller_temperature = health.alarmControllerTemperature ?? false
    json.alarm_spares = health.alarmSpares ?? false
  }
  await smartThresholdsToJson(dimm, json)
  if (health.lifeUsedPercentage !== undefined) json.life_used_percentage = health.lifeUsedPercentage
  if (health.shutdownState !== undefined) json.shutdown_state = health.shutdownState
  if (health.shutdownCount !== undefined) json.shutdown_count = health.shutdownCount
  // Beyond ndctl: the controller conditions, only from a provider that reports them.
  for (const [field, name] of CONTROLLER_CONDITIONS) {
    const value = health[field]
    if (value !== undefined) json[name.replaceAll('-', '_')] = value
  }
  return json
}

/** The capabilities ndctl reads from the region's btt, pfn and dax seeds (present while it is enabled). */
function regionCapabilities(region: Region): JsonValue[] | undefined {
  if (!region.enabled) return undefined
  const alignments = region.bus.ctx.arch.supportedAlignments.map((align) => align)
  return [
    { mode: 'sector', sector_sizes: [...BTT_SECTOR_SIZES] },
    { mode: 'fsdax', alignments: [...alignments] },
    { mode: 'devdax', alignments: [...alignments] },
  ]
}

/** region_to_json() (ndctl/list.c). `mappingDimms` is set when dimms are listed. */
export function regionToJson(region: Region, flags: JsonFlags, mappingDimms?: (dimm: Dimm) => boolean): JsonObject {
  // libndctl reads available space and the cookie only for labelled regions (nstype 5).
  const labelled = region.namespaceType === 'pmem'
  const json: JsonObject = {
    dev: region.name,
    size: sizeField(region.resource.size, flags.human),
    align: sizeField(region.align, flags.human),
    available_size: sizeField(labelled ? region.availableSize : 0n, flags.human),
    max_available_extent: sizeField(labelled ? region.maxAvailableExtent : 0n, flags.human),
    type: 'pmem',
  }
  if (flags.verbose && region.numaNode >= 0) json.numa_node = region.numaNode
  if (flags.verbose && region.targetNode >= 0) json.target_node = region.targetNode
  const cookie = labelled ? region.isetCookie : undefined
  if (cookie !== undefined) json.iset_id = hexField(cookie, flags.human)
  if (mappingDimms) {
    const mappings = ndctlMappings(region)
      .filter((mapping) => mappingDimms(mapping.dimm))
      .map((mapping): JsonObject => ({
        dimm: mapping.dimm.name,
        offset: hexField(mapping.start, flags.human),
        length: hexField(mapping.size, flags.human),
        position: mapping.position,
      }))
    if (mappings.length) json.mappings = mappings
  }
  if (!region.enabled) json.state = 'disabled'
  if (flags.capabilities) {
    const capabilities = regionCapabilities(region)
    if (capabilities) json.capabilities = capabilities
  }
  json.persistence_domain = region.persistenceDomain
  return json
}

const LOCATIONS: Record<PfnLocation, string> = { none: 'none', ram: 'mem', pmem: 'dev' }

/**
 * util_namespace_to_json() (ndctl/json.c): mode from the kernel's mode attribute, size and
 * uuid from the claiming btt / pfn / dax device, the namespace's own uuid as raw_uuid (-v).
 * Undefined where ndctl drops the namespace (a dax-mode namespace without its dax device).
 */
export function namespaceToJson(namespace: Namespace, flags: JsonFlags): JsonObject | undefined {
  const json: JsonObject = { dev: namespace.name }
  const claim = namespace.claim
  const btt = claim instanceof NdBtt ? claim : undefined
  const pfn = claim instanceof NdPfn && claim.kind === 'pfn' ? claim : undefined
  const dax = claim instanceof NdPfn && claim.kind === 'dax' ? claim : undefined
  const pmem = namespace instanceof NamespacePmem ? namespace : undefined
  const kernelMode = namespace.kernelMode
  let size: bigint | undefined
  let location: PfnLocation = 'none'
  if (kernelMode === 'memory') {
    size = pfn ? pfn.size : namespace.size
    location = pfn ? pfn.mode : 'ram'
  } else if (kernelMode === 'dax') {
    if (!dax) return undefined
    size = dax.size
    location = dax.mode
  } else if (kernelMode === 'safe') {
    if (!btt) return undefined
    size = btt.size
  } else {
    size = namespace.size
  }
  json.mode = namespace.mode
  if (kernelMode === 'memory' || kernelMode === 'dax') json.map = LOCATIONS[location]
  if (size !== undefined) json.size = sizeField(size, flags.human)
  const rawUuid = () => {
    if (flags.verbose && pmem?.uuid && pmem.uuid !== NULL_UUID) json.raw_uuid = pmem.uuid
  }
  let align = 0n
  let blockDevice: string | undefined
  if (btt || pfn || dax) {
    json.uuid = claim!.uuid ?? NULL_UUID
    rawUuid()
    blockDevice = namespace.blockDevice
    if (pfn) align = pfn.align
    if (dax) {
      align = dax.align
      const device = dax.enabled ? openDaxDevice(namespace) : undefined
      if (device && flags.dax) {
        json.daxregion = daxRegionToJson(device, flags, { devices: [daxDeviceToJson(device, flags)] })
      } else if (device) json.chardev = device.name
    }
  } else {
    // A labelled namespace always shows a uuid (all zeros for a seed); a label-less one none.
    if (pmem) json.uuid = pmem.uuid ?? NULL_UUID
    blockDevice = namespace.blockDevice
  }
  // The selected sector size, 512 when none is (a label-less namespace, or lbasize 0).
  if (btt) json.sector_size = btt.lbasize
  else if (!dax) json.sector_size = pmem && pmem.lbasize > 0n ? Number(pmem.lbasize) : 512
  if (align) json.align = align
  if (blockDevice) json.blockdev = blockDevice
  if (!namespace.active) json.state = 'disabled'
  if (pmem?.altName) json.name = pmem.altName
  if (flags.verbose && namespace.numaNode >= 0) json.numa_node = namespace.numaNode
  if (flags.verbose && namespace.targetNode >= 0) json.target_node = namespace.targetNode
  if (flags.verbose) Object.assign(json, daxAttributesJson(namespace))
  return json
}

/**
 * Not in ndctl: MAP_SYNC and write_cache, shown only where they differ from what a kernel
 * gives every device, so the listings of untouched devices stay ndctl's.
 */
function daxAttributesJson(namespace: Namespace): JsonObject {
  if (!DaxAttributes.has(namespace)) return {}
  const attributes = namespace.region.bus.ctx.daxAttributes
  const json: JsonObject = {}
  const mapSync = attributes.mapSync(namespace)
  if (!mapSync.enabled) json.map_sync = mapSync.capable ? 'disabled' : 'unsupported'
  const writeCache = attributes.writeCache(namespace)
  if (writeCache !== DaxAttributes.writeCacheDefault(namespace)) json.write_cache = writeCache ? 'enabled' : 'disabled'
  return json
}
