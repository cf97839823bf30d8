/**
 * The NFIT root device's DSM (UUID 2f10e7a4-9e91-11e4-89d3-123b93f75cba): function numbers
 * (drivers/acpi/nfit/core.c enum nfit_aux_cmds, ndctl/libndctl-nfit.h; 1-4 are also the
 * ND_CMD_* bus ioctls of include/uapi/linux/ndctl.h) and the status words of their answers
 * (drivers/acpi/nfit/nfit.h, ACPI 6.x §9.20.7).
 */
export const NfitBusFn = {
  QUERY: 0,
  ARS_CAP: 1,
  ARS_START: 2,
  ARS_STATUS: 3,
  CLEAR_ERROR: 4,
  TRANSLATE_SPA: 5,
  ARS_INJECT_SET: 7,
  ARS_INJECT_CLEAR: 8,
  ARS_INJECT_GET: 9,
} as const

export type NfitBusFunction = (typeof NfitBusFn)[keyof typeof NfitBusFn]

/** The functions this emulation answers, as function 0 reports them (bit n: function n). */
export const NFIT_BUS_FUNCTIONS: readonly number[] = [1, 2, 3, 4, 5, 7, 8, 9]

/** ACPI DSM status, the low 16 bits of every answer's first u32. */
export const DsmStatus = {
  SUCCESS: 0,
  NOT_SUPPORTED: 1,
  INVALID_INPUT: 2,
  HW_ERROR: 3,
  RETRY: 4,
  UNKNOWN: 5,
  FUNCTION_SPECIFIC: 6,
} as const

/** ARS capabilities, in the high 16 bits of the ARS_CAP status (ND_ARS_VOLATILE, ND_ARS_PERSISTENT). */
export const ND_ARS_VOLATILE = 1
export const ND_ARS_PERSISTENT = 2
/** ARS start flags: return the previous scrub's data, no new scan ("short" ARS). */
export const ND_ARS_RETURN_PREV_DATA = 1 << 1

/** NFIT_ARS_* (drivers/acpi/nfit/nfit.h). */
export const NFIT_ARS_STATUS_DONE = 0
export const NFIT_ARS_STATUS_BUSY = 1 << 16
export const NFIT_ARS_STATUS_NONE = 2 << 16
export const NFIT_ARS_STATUS_INTR = 3 << 16
export const NFIT_ARS_START_BUSY = 6
export const NFIT_ARS_CAP_NONE = 1
export const NFIT_ARS_F_OVERFLOW = 1
/** ND_TRANSLATE_SPA_STATUS_INVALID_SPA, ND_ARS_ERR_INJ_STATUS_NOT_SUPP / _INVALID_PARAM (libndctl-nfit.h). */
export const TRANSLATE_SPA_STATUS_INVALID_SPA = 2
export const ARS_ERR_INJ_STATUS_NOT_SUPP = 1
export const ARS_ERR_INJ_STATUS_INVALID_PARAM = 2
/** err_inj_options bit 0: the platform notifies the OS (ND_ARS_ERR_INJ_OPT_NOTIFY). */
export const ND_ARS_ERR_INJ_OPT_NOTIFY = 1 << 0
/** NFIT_NOTIFY_UC_MEMORY_ERROR: the root device notification an uncorrectable error raises. */
export const NFIT_NOTIFY_UC_MEMORY_ERROR = 0x81

export function nfitBusFunctionName(fn: number): string {
  const entry = Object.entries(NfitBusFn).find(([, value]) => value === fn)
  return entry ? entry[0].toLowerCase() : `function ${fn}`
}
