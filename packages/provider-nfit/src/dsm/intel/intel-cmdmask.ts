import { DimmCmd } from '@nvdimm/core'
import { IntelFn, NVDIMM_CMD_MAX } from './intel-functions.js'

/**
 * The DSM masks of drivers/acpi/nfit/nfit.h and how acpi_nfit_add_dimm(),
 * acpi_nfit_register_dimms() and acpi_nfit_clear_to_send() (drivers/acpi/nfit/core.c) use them.
 */

function bits(...fns: number[]): number {
  return fns.reduce((mask, fn) => (mask | (1 << fn)) >>> 0, 0)
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}

/** ND_CMD_SMART .. ND_CMD_VENDOR: the ioctls that map 1:1 onto Intel functions 1-9. */
export const NVDIMM_STANDARD_CMDMASK = bits(...range(IntelFn.SMART, IntelFn.VENDOR))

export const NVDIMM_INTEL_SECURITY_CMDMASK = bits(...range(IntelFn.GET_SECURITY_STATE, IntelFn.MASTER_SECURE_ERASE))

export const NVDIMM_INTEL_FW_ACTIVATE_CMDMASK = bits(IntelFn.FW_ACTIVATE_DIMMINFO, IntelFn.FW_ACTIVATE_ARM)

/** The Intel functions the kernel is willing to enable on a dimm. */
export const NVDIMM_INTEL_CMDMASK =
  (NVDIMM_STANDARD_CMDMASK |
    bits(
      IntelFn.GET_MODES,
      IntelFn.FW_GET_INFO,
      IntelFn.FW_START_UPDATE,
      IntelFn.FW_SEND_DATA,
      IntelFn.FW_FINISH_UPDATE,
      IntelFn.FW_FINISH_STATUS_QUERY,
      IntelFn.SMART_SET_THRESHOLD,
      IntelFn.SMART_INJECT,
      IntelFn.ENABLE_LSS_STATUS,
    ) |
    NVDIMM_INTEL_SECURITY_CMDMASK |
    NVDIMM_INTEL_FW_ACTIVATE_CMDMASK) >>>
  0

/** Functions only the kernel may call: userspace ND_CMD_CALL gets EOPNOTSUPP. */
export const NVDIMM_INTEL_DENY_CMDMASK = (NVDIMM_INTEL_SECURITY_CMDMASK | NVDIMM_INTEL_FW_ACTIVATE_CMDMASK) >>> 0

/**
 * Whether userspace may send this Intel function through ND_CMD_CALL. When not, the kernel's
 * acpi_nfit_clear_to_send() answers -EOPNOTSUPP (also for a function above NVDIMM_CMD_MAX).
 */
export function intelUserCallAllowed(fn: number): boolean {
  if (!Number.isInteger(fn) || fn < 0 || fn > NVDIMM_CMD_MAX) return false
  return ((1 << fn) & NVDIMM_INTEL_DENY_CMDMASK) === 0
}

/**
 * The dimm's dsm_mask: what its function 0 advertises, limited to NVDIMM_INTEL_CMDMASK, with
 * function 0 itself removed (acpi_nfit_add_dimm()).
 */
export function intelDsmMask(advertised: number): number {
  return (advertised & NVDIMM_INTEL_CMDMASK & ~1) >>> 0
}

/** The ND_CMD_* a dimm of the Intel family accepts: CALL, plus functions 1-9 it has (acpi_nfit_register_dimms()). */
export function intelDimmCmdMask(dsmMask: number): number[] {
  const cmds: number[] = [DimmCmd.CALL]
  for (let cmd = IntelFn.SMART; cmd <= IntelFn.VENDOR; cmd++) {
    if (dsmMask & NVDIMM_STANDARD_CMDMASK & (1 << cmd)) cmds.push(cmd)
  }
  return cmds.sort((a, b) => a - b)
}

/** The functions set in a mask, ascending. */
export function maskFunctions(mask: number): number[] {
  return range(0, NVDIMM_CMD_MAX).filter((fn) => ((mask >>> fn) & 1) === 1)
}
