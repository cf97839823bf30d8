import type { Errno } from '@nvdimm/core'
import { IntelFn } from './intel-functions.js'
import { IntelStatus, ND_CONFIG_LOCKED } from './intel-status.js'

/**
 * The errno for a label function's firmware status, as xlat_nvdimm_status()
 * (drivers/acpi/nfit/core.c) reads it: GET_CONFIG_SIZE reports a locked label area in its
 * extended status (ND_CONFIG_LOCKED) → EACCES. A locked dimm refuses label reads and writes with
 * INVALID_STATE; the kernel only sees that through _LSR/_LSW (ACPI_LABELS_LOCKED → EACCES), and
 * we read it the same way for the DSM. Any other non-zero status is EIO. Undefined: success.
 */
export function intelLabelStatusErrno(fn: number, status: number): Errno | undefined {
  switch (fn) {
    case IntelFn.GET_CONFIG_SIZE:
      if ((status >>> 16) & ND_CONFIG_LOCKED) return 'EACCES'
      break
    case IntelFn.GET_CONFIG_DATA:
    case IntelFn.SET_CONFIG_DATA:
      if (status === IntelStatus.INVALID_STATE) return 'EACCES'
      break
  }
  return status === IntelStatus.SUCCESS ? undefined : 'EIO'
}
