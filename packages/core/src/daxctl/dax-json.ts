import type { DaxDev } from '../dax/dax-dev.js'
import { hexField, type JsonObject, sizeField } from '../ndctl/json.js'

export interface DaxJsonFlags {
  human: boolean
  /** -M: each device's mappings. */
  mappings?: boolean
}

/** util_daxctl_dev_to_json() (daxctl/json.c): the memory fields only for a kmem-bound device. */
export function daxDeviceToJson(dax: DaxDev, flags: DaxJsonFlags): JsonObject {
  const json: JsonObject = { chardev: dax.name, size: sizeField(dax.size, flags.human) }
  if (dax.targetNode >= 0) json.target_node = dax.targetNode
  if (dax.align > 0n) json.align = sizeField(dax.align, flags.human)
  json.mode = dax.mode
  const memory = dax.memory
  if (memory) {
    const online = memory.blocks.filter((block) => block.state === 'online')
    json.online_memblocks = online.length
    json.total_memblocks = memory.blocks.length
    // daxctl_memory_is_movable() fails (and the field goes) while any block is offline.
    if (online.length === memory.blocks.length) {
      json.movable = memory.blocks.length > 0 && memory.blocks.every((block) => block.zone === 'Movable')
    }
  }
  if (flags.mappings) {
    json.mappings = [
      {
        page_offset: hexField(0n, flags.human),
        start: hexField(dax.start, flags.human),
        end: hexField(dax.start + dax.size - 1n, flags.human),
        size: sizeField(dax.size, flags.human),
      },
    ]
  }
  return json
}

/**
 * util_daxctl_region_to_json(): daxctl adds the region's sysfs path, ndctl (UTIL_JSON_DAX)
 * does not; available_size is left out at 0, which a pmem dax region always has; align is
 * never human-formatted.
 */
export function daxRegionToJson(
  dax: DaxDev,
  flags: DaxJsonFlags,
  options: { path?: string; devices?: JsonObject[] },
): JsonObject {
  const json: JsonObject = {}
  if (options.path !== undefined) json.path = options.path
  json.id = dax.regionId
  json.size = sizeField(dax.size, flags.human)
  json.align = dax.align
  if (options.devices?.length) json.devices = options.devices
  return json
}
