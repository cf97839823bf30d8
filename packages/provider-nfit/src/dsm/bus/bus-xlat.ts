import type { Errno } from '@nvdimm/core'
import type { ArsStatusOutput } from './ars-payloads.js'
import {
  ARS_ERR_INJ_STATUS_INVALID_PARAM,
  ARS_ERR_INJ_STATUS_NOT_SUPP,
  NFIT_ARS_CAP_NONE,
  NFIT_ARS_F_OVERFLOW,
  NFIT_ARS_START_BUSY,
  NFIT_ARS_STATUS_BUSY,
  NFIT_ARS_STATUS_DONE,
  NFIT_ARS_STATUS_INTR,
  NFIT_ARS_STATUS_NONE,
  ND_ARS_PERSISTENT,
  ND_ARS_VOLATILE,
  TRANSLATE_SPA_STATUS_INVALID_SPA,
} from './bus-functions.js'

/**
 * The bus firmware's status words as errnos: xlat_bus_status() (drivers/acpi/nfit/core.c) for
 * the ARS commands and clear-error, libndctl's translate_status() (ndctl/lib/inject.c) and
 * ndctl_bus_cmd_get_translate_spa() (ndctl/lib/nfit.c) for the ND_CMD_CALL functions, whose
 * status the kernel passes through. undefined is success.
 */

const low = (status: number) => status & 0xffff

export function arsCapErrno(status: number): Errno | undefined {
  if (low(status) === NFIT_ARS_CAP_NONE) return 'ENOTTY'
  if (low(status)) return 'EIO'
  // No supported scan type for this range.
  if (((status >>> 16) & (ND_ARS_PERSISTENT | ND_ARS_VOLATILE)) === 0) return 'ENOTTY'
  return undefined
}

export function arsStartErrno(status: number): Errno | undefined {
  if (low(status) === NFIT_ARS_START_BUSY) return 'EBUSY'
  return low(status) ? 'EIO' : undefined
}

export function arsStatusErrno(output: Pick<ArsStatusOutput, 'status' | 'outLength' | 'flags'>): Errno | undefined {
  const { status } = output
  if (low(status)) return 'EIO'
  if (status === NFIT_ARS_STATUS_DONE) return undefined
  if (status === NFIT_ARS_STATUS_BUSY) return 'EBUSY'
  // No ARS performed for the current boot.
  if (status === NFIT_ARS_STATUS_NONE) return 'EAGAIN'
  // Interrupted: out of room for records, or stopped by someone else (then use what came).
  if (status === NFIT_ARS_STATUS_INTR) {
    return output.outLength >= 40 && output.flags & NFIT_ARS_F_OVERFLOW ? 'ENOSPC' : undefined
  }
  return status >>> 16 ? 'EIO' : undefined
}

/** A clear that failed or cleared nothing is EIO; fewer bytes than asked is for the caller to see. */
export function clearErrorErrno(status: number, cleared: bigint): Errno | undefined {
  if (low(status)) return 'EIO'
  return cleared === 0n ? 'EIO' : undefined
}

export function injectErrno(status: number): Errno | undefined {
  if (status === ARS_ERR_INJ_STATUS_NOT_SUPP) return 'EOPNOTSUPP'
  if (status === ARS_ERR_INJ_STATUS_INVALID_PARAM) return 'EINVAL'
  return undefined
}

export function translateSpaErrno(status: number): Errno | undefined {
  return status === TRANSLATE_SPA_STATUS_INVALID_SPA ? 'EINVAL' : undefined
}
