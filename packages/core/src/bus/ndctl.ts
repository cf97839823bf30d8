import type { Dimm } from '../dimm/dimm.js'
import { errnoName, NvdimmError } from '../errors.js'
import { busCommandName, DimmCmd, dimmCommandName } from '../provider/commands.js'
import type { CommandResult } from '../provider/types.js'
import type { Bus } from './bus.js'

/**
 * The ioctl path (drivers/nvdimm/bus.c __nd_ioctl()): a command outside the target's
 * cmd_mask is ENOTTY before the provider sees it; the provider may refuse for now
 * (clear_to_send); a negative rc is the transport failing. A firmware error is not an
 * error here: it travels in `cmdRc`, for commandStatus() to translate.
 */
export async function submitCommand(
  bus: Bus,
  dimm: Dimm | null,
  cmd: number,
  input: Uint8Array = new Uint8Array(0),
): Promise<CommandResult> {
  const mask = dimm ? dimm.cmdMask : bus.cmdMask
  const target = dimm ? dimm.name : bus.name
  const commandName = dimm ? dimmCommandName(cmd) : busCommandName(cmd)
  const ndctl = bus.descriptor.ndctl
  if (!mask.has(cmd) || !ndctl) {
    throw new NvdimmError('ENOTTY', `${target}: ${commandName} is not supported by provider ${bus.providerName}`)
  }
  await bus.descriptor.clearToSend?.(dimm, cmd, input)
  const result = await ndctl(dimm, cmd, input)
  if (result.rc < 0) {
    throw new NvdimmError(
      errnoName(result.rc) ?? 'EIO',
      `${target}: ${commandName} failed in transport (rc ${result.rc})`,
    )
  }
  return result
}

/** ndctl_cmd_submit_xlat(): the command reached the device; did the firmware succeed? */
export function commandStatus(result: CommandResult, what: string): CommandResult {
  if (result.cmdRc < 0) {
    throw new NvdimmError(errnoName(result.cmdRc) ?? 'EIO', `${what}: firmware status ${result.cmdRc}`)
  }
  return result
}

/**
 * A command from user space (the ndctl ioctl): also refused with EBUSY when it would write the
 * label area of a dimm an enabled region uses (bus.c nd_cmd_clear_to_send()).
 */
export function submitUserCommand(
  bus: Bus,
  dimm: Dimm | null,
  cmd: number,
  input?: Uint8Array,
): Promise<CommandResult> {
  if (dimm && cmd === DimmCmd.SET_CONFIG_DATA && dimm.busy > 0) {
    return Promise.reject(
      new NvdimmError(
        'EBUSY',
        `${dimm.name}: the kernel owns its labels while a region uses it; disable the region first`,
      ),
    )
  }
  return submitCommand(bus, dimm, cmd, input)
}
