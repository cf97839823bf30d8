import { errnoName, NvdimmError, strerror } from '../errors.js'
import { exitCodeOfRc, type NdctlOutcome } from '../ndctl/outcome.js'
import type { Nvdimm } from '../subsystem.js'
import { daxDeviceMatches, daxDevices, daxRegionMatches } from './dax-devices.js'
import { changeMemory, type MemoryOpOptions } from './memory-ops.js'
import { usageOutcome } from './reconfigure-device.js'

export interface MemoryCommandOptions extends MemoryOpOptions {
  region?: string
}

/** `daxctl online-memory` / `daxctl offline-memory` (daxctl/device.c do_xline()), as ndctl v76. */
export function daxctlMemoryCommand(
  nd: Nvdimm,
  action: 'online' | 'offline',
  device: string | undefined,
  options: MemoryCommandOptions = {},
): NdctlOutcome {
  if (device === undefined) {
    return usageOutcome(
      `specify a device to ${action} memory for, or "all"`,
      `daxctl ${action}-memory <device> [<options>]`,
    )
  }
  const messages: string[] = []
  const say = (line: string) => messages.push(line)
  let rc = -6
  let processed = 0
  for (const dax of daxDevices(nd)) {
    if (!daxRegionMatches(dax, options.region) || !daxDeviceMatches(dax, device)) continue
    try {
      rc = changeMemory(nd.memory, dax, action, say, options)
      if (rc === 0) processed++
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      say(error.message.startsWith(dax.name) ? error.message : `${dax.name}: ${error.message}`)
      rc = error.code
    }
  }
  const verb = action === 'online' ? 'onlin' : 'offlin'
  if (rc < 0) say(`error ${verb}ing memory: ${strerror(errnoName(rc) ?? 'EIO')}`)
  say(`${verb}ed memory for ${processed} device${processed === 1 ? '' : 's'}`)
  return { errors: [], messages, exitCode: rc < 0 ? exitCodeOfRc(rc) : rc }
}
