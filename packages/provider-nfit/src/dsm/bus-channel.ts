import { BusCmd, completeCmdPkg, decodeCmdPkg, ERRNO, NvdimmError, type CommandResult, type Errno } from '@nvdimm/core'
import {
  arsCapErrno,
  arsStartErrno,
  arsStatusErrno,
  clearErrorErrno,
  decodeArsStatusOutput,
  decodeClearErrorOutput,
  NFIT_BUS_FUNCTIONS,
  type NfitBusFirmware,
  type NfitBusOps,
} from './bus/index.js'

/** NVDIMM_BUS_FAMILY_NFIT: the root device's own DSM functions in ND_CMD_CALL. */
export const NVDIMM_BUS_FAMILY_NFIT = 0

/** The ioctls the NFIT bus accepts: the ARS commands, clear error, and ND_CMD_CALL. */
export const NFIT_BUS_CMD_MASK = [BusCmd.ARS_CAP, BusCmd.ARS_START, BusCmd.ARS_STATUS, BusCmd.CLEAR_ERROR, BusCmd.CALL]

const EMPTY = new Uint8Array(0)
const fail = (rc: number): CommandResult => ({ rc, cmdRc: 0, output: EMPTY })

function statusOf(output: Uint8Array): number {
  return new DataView(output.buffer, output.byteOffset, output.byteLength).getUint32(0, true)
}

/** xlat_bus_status(): what the ARS and clear-error statuses mean to the ioctl. */
function busErrno(cmd: number, output: Uint8Array): Errno | undefined {
  switch (cmd) {
    case BusCmd.ARS_CAP:
      return arsCapErrno(statusOf(output))
    case BusCmd.ARS_START:
      return arsStartErrno(statusOf(output))
    case BusCmd.ARS_STATUS:
      return arsStatusErrno(decodeArsStatusOutput(output))
    default: {
      const { status, cleared } = decodeClearErrorOutput(output)
      return clearErrorErrno(status, cleared)
    }
  }
}

/**
 * The root device's DSM transport (acpi_nfit_ctl() with no dimm): ND_CMD_ARS_* and
 * CLEAR_ERROR carry functions 1–4 with the same payloads; ND_CMD_CALL carries any NFIT bus
 * function in an nd_cmd_pkg, its status left inside.
 */
export class NfitBusChannel {
  constructor(
    readonly firmware: NfitBusFirmware,
    readonly ops: NfitBusOps,
  ) {}

  /** acpi_nfit_clear_to_send(): no user ARS_START while the kernel's scrub work is queued. */
  clearToSend(cmd: number): void {
    if (cmd === BusCmd.ARS_START && this.ops.scrubBusy) {
      throw new NvdimmError('EBUSY', 'a scrub is running: wait for it (ndctl wait-scrub)')
    }
  }

  command(cmd: number, input: Uint8Array): CommandResult {
    if (cmd === BusCmd.CALL) {
      let pkg
      try {
        pkg = decodeCmdPkg(input)
      } catch {
        return fail(-ERRNO.EINVAL)
      }
      if (pkg.family !== NVDIMM_BUS_FAMILY_NFIT || !NFIT_BUS_FUNCTIONS.includes(pkg.command)) return fail(-ERRNO.ENOTTY)
      return { rc: 0, cmdRc: 0, output: completeCmdPkg(input, this.firmware.call(pkg.command, pkg.input)) }
    }
    if (cmd < BusCmd.ARS_CAP || cmd > BusCmd.CLEAR_ERROR) return fail(-ERRNO.ENOTTY)
    const output = this.firmware.call(cmd, input)
    let errno: Errno | undefined
    try {
      errno = busErrno(cmd, output)
    } catch {
      errno = 'EIO'
    }
    return { rc: 0, cmdRc: errno ? -ERRNO[errno] : 0, output }
  }
}
