import type { DaxDev } from '../dax/dax-dev.js'
import { errnoName, NvdimmError, strerror } from '../errors.js'
import type { JsonObject } from '../ndctl/json.js'
import { exitCodeOfRc, type NdctlOutcome } from '../ndctl/outcome.js'
import type { Nvdimm } from '../subsystem.js'
import type { DaxctlConfEntry } from './daxctl-conf.js'
import { daxDeviceToJson } from './dax-json.js'
import { daxctlJsonText, daxDeviceMatches, daxDevices, daxRegionMatches } from './dax-devices.js'
import { changeMemory } from './memory-ops.js'

export interface ReconfigureOptions {
  mode?: string
  region?: string
  /** -N: leave the new memory offline. */
  noOnline?: boolean
  /** -f: offline the memory first (to devdax), or override the auto-online policy (to system-ram). */
  force?: boolean
  noMovable?: boolean
  size?: bigint
  align?: bigint
  human?: boolean
  verbose?: boolean
  /** -C: take mode, online and movable from the daxctl configuration section naming the device's uuid. */
  checkConfig?: readonly DaxctlConfEntry[]
}

/** A command-line mistake: daxctl prints it with the usage and exits 129. */
export function usageOutcome(line: string, usage: string): NdctlOutcome {
  return { errors: [], messages: [line, '', ` usage: ${usage}`], exitCode: 129 }
}

const USAGE = 'daxctl reconfigure-device <device> [<options>]'

type Say = (line: string) => void

/** reconfig_mode_system_ram(): unbind device_dax, bind kmem, online the memory unless -N. */
function toSystemRam(nd: Nvdimm, dax: DaxDev, options: ReconfigureOptions, say: Say): 0 | 1 {
  if ((options.noOnline || !options.noMovable) && !options.force && nd.memory.autoOnline !== 'offline') {
    say(`${dax.name}: error: kernel policy will auto-online memory, aborting`)
    throw new NvdimmError(
      'EBUSY',
      `auto_online_blocks is '${nd.memory.autoOnline}': the kernel would online the memory itself; use -f to go ahead, or --no-movable to accept its zone`,
    )
  }
  if (dax.mode === 'system-ram') {
    say(`${dax.name} was already in system-ram mode`)
    return 1
  }
  if (dax.mappings > 0) {
    say(`${dax.name}: disable failed: ${strerror('EBUSY')}`)
    throw new NvdimmError(
      'EBUSY',
      `${dax.name} is mapped by ${dax.mappings} program${dax.mappings > 1 ? 's' : ''}: unmap it first`,
    )
  }
  try {
    nd.kmem.probe(dax)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    say(`libdaxctl: daxctl_dev_enable: ${dax.name}: failed to enable`)
    throw error
  }
  if (options.noOnline) return 0
  changeMemory(nd.memory, dax, 'online', say, options)
  return 0
}

/** reconfig_mode_devdax(): the memory must be offline (-f offlines it), then kmem lets go. */
function toDevdax(nd: Nvdimm, dax: DaxDev, options: ReconfigureOptions, say: Say): 0 | 1 {
  if (dax.mode === 'devdax') {
    say(`${dax.name} was already in devdax mode`)
    return 1
  }
  if (options.force) changeMemory(nd.memory, dax, 'offline', say, options)
  const online = dax.memory!.blocks.filter((block) => block.state === 'online').length
  if (online > 0) {
    if (options.verbose) {
      say(`${dax.name}: found ${online} memory sections online`)
      say(`${dax.name}: refusing to change modes`)
    }
    throw new NvdimmError(
      'EBUSY',
      `${dax.name} has ${online} memory section${online > 1 ? 's' : ''} online: offline them first (daxctl offline-memory, or -f)`,
    )
  }
  nd.kmem.remove(dax.name)
  return 0
}

/**
 * parse_config_reconfig(): the section whose nvdimm.uuid is the uuid of the device's nd_dax
 * (its info block's, what `ndctl list` prints as the namespace's uuid).
 */
function configFor(
  nd: Nvdimm,
  device: string,
  entries: readonly DaxctlConfEntry[],
): { entry?: DaxctlConfEntry; messages: string[] } {
  if (device === 'all') return { messages: [] }
  const dax = daxDevices(nd).find((candidate) => daxDeviceMatches(candidate, device))
  const uuid = dax?.uuid
  if (!uuid) return { messages: [`no UUID match for ${device} found in config files`] }
  const entry = entries.find((candidate) => candidate.uuid === uuid.toLowerCase())
  return entry ? { entry, messages: [] } : { messages: [] }
}

/** `daxctl reconfigure-device` (daxctl/device.c, as ndctl v76): one device argument, "all", or R.N. */
export function daxctlReconfigureDevice(
  nd: Nvdimm,
  device: string | undefined,
  options: ReconfigureOptions,
): NdctlOutcome {
  if (device === undefined) return usageOutcome('specify a device to reconfigure, or "all"', USAGE)
  if (options.checkConfig) {
    if (options.mode !== undefined || options.noOnline || options.noMovable) {
      return usageOutcome(`${device}: -C cannot be used with --mode, --(no-)movable, or --(no-)online`, USAGE)
    }
    const found = configFor(nd, device, options.checkConfig)
    if (found.messages.length || !found.entry) {
      // Most devices have no section: daxctl says so and succeeds.
      return {
        errors: [],
        messages: [...found.messages, `${device}: missing or malformed config section`],
        exitCode: 0,
      }
    }
    const { mode, online, movable } = found.entry
    return daxctlReconfigureDevice(nd, device, {
      ...options,
      checkConfig: undefined,
      mode,
      noOnline: !online,
      noMovable: !movable,
    })
  }
  const sizing = options.size !== undefined || options.align !== undefined
  if (!sizing && options.mode === undefined) {
    return usageOutcome("error: a 'align', 'mode' or 'size' option is required", USAGE)
  }
  // parse_device_options(): with -s or -a the mode is not read at all.
  const mode = sizing
    ? undefined
    : options.mode === 'system-ram' || options.mode === 'devdax'
      ? options.mode
      : undefined
  if (mode === 'devdax' && options.noOnline)
    return usageOutcome('--no-online is incompatible with --mode=devdax', USAGE)
  const messages: string[] = []
  const say = (line: string) => messages.push(line)
  let rc = -6 // -ENXIO until a device matches (v76 do_xaction_device())
  let processed = 0
  let shown: JsonObject[] = []
  for (const dax of daxDevices(nd)) {
    if (!daxRegionMatches(dax, options.region) || !daxDeviceMatches(dax, device)) continue
    try {
      // A pmem dax region is static: its devices' size and align are fixed by the info block.
      if (options.align !== undefined && options.align > 0n) {
        say(`libdaxctl: daxctl_dev_set_align: ${dax.name}: failed to set align`)
        throw new NvdimmError(
          'ENXIO',
          `${dax.name}: a pmem dax device's align is set by its namespace (ndctl create-namespace -a)`,
        )
      }
      if (options.size !== undefined) {
        say(`libdaxctl: daxctl_dev_set_size: ${dax.name}: failed to set size`)
        throw new NvdimmError(
          'ENXIO',
          `${dax.name}: a pmem dax device's size is its namespace's (ndctl create-namespace -s)`,
        )
      }
      if (mode === undefined) {
        say(`${dax.name}: unknown mode requested: 0`)
        throw new NvdimmError('EINVAL', `mode must be 'system-ram' or 'devdax', not '${options.mode}'`)
      }
      rc = mode === 'system-ram' ? toSystemRam(nd, dax, options, say) : toDevdax(nd, dax, options, say)
      // Each success replaces what is shown: daxctl prints only the last device.
      shown = [daxDeviceToJson(dax, { human: options.human ?? false })]
      processed++
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      // daxctl's own lines say little; the reason goes after them.
      say(error.message.startsWith(dax.name) ? error.message : `${dax.name}: ${error.message}`)
      rc = error.code
    }
  }
  if (rc < 0) say(`error reconfiguring devices: ${strerror(errnoName(rc) ?? 'EIO')}`)
  say(`reconfigured ${processed} device${processed === 1 ? '' : 's'}`)
  return {
    ...(shown.length ? { stdout: daxctlJsonText(shown, options.human ?? false) } : {}),
    errors: [],
    messages,
    exitCode: rc < 0 ? exitCodeOfRc(rc) : rc,
  }
}
