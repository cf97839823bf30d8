import { completeCmdPkg, decodeCmdPkg, DimmCmd, DimmFamily, ERRNO, NvdimmError, type CommandResult } from '@nvdimm/core'
import {
  intelDimmCmdMask,
  intelDsmMask,
  intelLabelStatusErrno,
  intelStatusOf,
  intelUserCallAllowed,
  IntelFn,
  type IntelDimmFirmware,
  type IntelDsmSend,
} from './intel/index.js'

const EMPTY = new Uint8Array(0)
const fail = (rc: number): CommandResult => ({ rc, cmdRc: 0, output: EMPTY })

/**
 * One dimm's DSM transport, as acpi_nfit_ctl() drives it: ND_CMD_* 1–9 go to the Intel
 * function of the same number with the same payload; ND_CMD_CALL carries any function of the
 * dimm's family in an nd_cmd_pkg. `changed` runs after every call that reached the firmware,
 * so its state can be saved.
 */
export class NfitDimmChannel {
  /** dsm_mask: the functions the dimm advertises that the kernel enables. */
  readonly dsmMask: number

  constructor(
    readonly firmware: IntelDimmFirmware,
    private readonly changed: () => void,
  ) {
    this.dsmMask = intelDsmMask(firmware.supportedFunctions)
  }

  /** The ND_CMD_* the dimm accepts: none without any DSM function (no family found). */
  get cmdMask(): number[] {
    return this.dsmMask ? intelDimmCmdMask(this.dsmMask) : []
  }

  has(fn: number): boolean {
    return ((this.dsmMask >>> fn) & 1) === 1
  }

  /** The kernel's own calls (security, health): any function the dimm has, no deny list. */
  readonly send: IntelDsmSend = (fn, input) => {
    if (!this.has(fn)) throw new NvdimmError('ENOTTY', `intel function ${fn} is not enabled on this dimm`)
    return this.call(fn, input)
  }

  /** acpi_nfit_clear_to_send(): user space may not reach the security and activate functions. */
  clearToSend(cmd: number, input: Uint8Array): void {
    if (cmd !== DimmCmd.CALL) return
    const pkg = decodeCmdPkg(input)
    if (pkg.family === DimmFamily.INTEL && !intelUserCallAllowed(pkg.command)) {
      throw new NvdimmError('EOPNOTSUPP', `intel function ${pkg.command} is reserved to the kernel`)
    }
  }

  /** The ioctl: a transport result, with the firmware's status translated into cmdRc. */
  command(cmd: number, input: Uint8Array): CommandResult {
    if (cmd === DimmCmd.CALL) return this.passthrough(input)
    if (cmd < IntelFn.SMART || cmd > IntelFn.VENDOR || !this.has(cmd)) return fail(-ERRNO.ENOTTY)
    const output = this.call(cmd, input)
    const status = intelStatusOf(output, `intel function ${cmd}`)
    const isLabel = cmd >= DimmCmd.GET_CONFIG_SIZE && cmd <= DimmCmd.SET_CONFIG_DATA
    // xlat_status(): label statuses have their own reading; any other non-zero status is EIO.
    const errno = isLabel ? intelLabelStatusErrno(cmd, status) : status ? 'EIO' : undefined
    return { rc: 0, cmdRc: errno ? -ERRNO[errno] : 0, output }
  }

  /** ND_CMD_CALL: the envelope goes back with the firmware's answer in it; its status stays inside. */
  private passthrough(input: Uint8Array): CommandResult {
    let pkg
    try {
      pkg = decodeCmdPkg(input)
    } catch {
      return fail(-ERRNO.EINVAL)
    }
    // cmd_to_func(): another family, or a function the dimm does not have, is ENOTTY.
    if (pkg.family !== DimmFamily.INTEL || pkg.command > 31 || !this.has(pkg.command)) return fail(-ERRNO.ENOTTY)
    return { rc: 0, cmdRc: 0, output: completeCmdPkg(input, this.call(pkg.command, pkg.input)) }
  }

  private call(fn: number, input: Uint8Array): Uint8Array {
    try {
      return this.firmware.call(fn, input)
    } finally {
      this.changed()
    }
  }
}
