import { type Errno, NvdimmError } from '@nvdimm/core'
import { IntelFn, intelFunctionName } from './intel-functions.js'
import {
  formatIntelStatus,
  INTEL_STATUS_EXTEND_MASK,
  INTEL_STATUS_MASK,
  IntelExtendedStatus,
  IntelStatus,
} from './intel-status.js'

/**
 * Firmware status → errno, the way the two readers of Intel DSM answers do it: libndctl for
 * SMART, thresholds, inject and firmware update (ndctl/lib/intel.c), the kernel for security
 * (drivers/acpi/nfit/intel.c). Messages say what failed and the raw status, nothing else.
 */

function error(errno: Errno, fn: number, status: number, why: string): NvdimmError {
  return new NvdimmError(errno, `intel ${intelFunctionName(fn)}: ${why} (${formatIntelStatus(status)})`)
}

/** intel_cmd_xlat_firmware_status(): the common statuses; -ENOMSG for the rest becomes EIO here. */
export function xlatIntelStatus(fn: number, status: number): NvdimmError | undefined {
  switch (status & INTEL_STATUS_MASK) {
    case IntelStatus.SUCCESS:
      return undefined
    case IntelStatus.NOTSUPP:
      return error('EOPNOTSUPP', fn, status, 'the dimm does not support this function')
    case IntelStatus.NOTEXIST:
      return error('ENXIO', fn, status, 'no such memory device')
    case IntelStatus.INVALPARM:
      return error('EINVAL', fn, status, 'the dimm rejected the parameters')
    case IntelStatus.HWERR:
      return error('EIO', fn, status, 'hardware error')
    case IntelStatus.RETRY:
    case IntelStatus.NORES:
      return error('EAGAIN', fn, status, 'the dimm asks to retry later')
    case IntelStatus.NOTREADY:
      return error('EBUSY', fn, status, 'the dimm is not ready')
    case IntelStatus.EXTEND:
      if (fn === IntelFn.SMART_INJECT && (status & INTEL_STATUS_EXTEND_MASK) === 0x10000) {
        return error('ENXIO', fn, status, 'SMART injection is disabled on this dimm')
      }
      break
  }
  return error('EIO', fn, status, 'unexpected firmware status')
}

/** enum ND_FW_STATUS (ndctl/libndctl.h), from intel_cmd_fw_xlat_firmware_status(). */
export type FwStatus =
  | 'success'
  | 'not-supported'
  | 'not-exist'
  | 'invalid'
  | 'hardware-error'
  | 'retry'
  | 'unknown'
  | 'no-resources'
  | 'not-ready'
  | 'busy'
  | 'invalid-context'
  | 'already-done'
  | 'bad-firmware'
  | 'aborted'
  | 'sequence'

export function intelFwStatus(fn: number, status: number): FwStatus {
  switch (status & INTEL_STATUS_MASK) {
    case IntelStatus.SUCCESS:
      return 'success'
    case IntelStatus.NOTSUPP:
      return 'not-supported'
    case IntelStatus.NOTEXIST:
      return 'not-exist'
    case IntelStatus.INVALPARM:
      return 'invalid'
    case IntelStatus.HWERR:
      return 'hardware-error'
    case IntelStatus.RETRY:
      return 'retry'
    case IntelStatus.NORES:
      return 'no-resources'
    case IntelStatus.NOTREADY:
      return 'not-ready'
    case IntelStatus.EXTEND:
      switch (status & INTEL_STATUS_EXTEND_MASK) {
        case 0x10000:
          return fn === IntelFn.FW_START_UPDATE ? 'busy' : 'invalid-context'
        case 0x20000:
          return fn === IntelFn.FW_FINISH_UPDATE ? 'already-done' : 'busy'
        case 0x30000:
          return 'bad-firmware'
        case 0x40000:
          return fn === IntelFn.FW_FINISH_UPDATE ? 'aborted' : 'sequence'
      }
      return 'unknown'
  }
  return 'unknown'
}

/**
 * A firmware-update status as an error, with what ndctl's update-firmware does about it in
 * mind (ndctl/dimm.c): busy → EBUSY, a rejected image → EINVAL, timeout → ETIMEDOUT.
 */
export function xlatIntelFwStatus(fn: number, status: number): NvdimmError | undefined {
  const fw = intelFwStatus(fn, status)
  switch (fw) {
    case 'success':
      return undefined
    case 'not-supported':
      return error('EOPNOTSUPP', fn, status, 'the dimm does not support firmware update')
    case 'not-exist':
      return error('ENXIO', fn, status, 'no such memory device')
    case 'invalid':
      return error('EINVAL', fn, status, 'the dimm rejected the parameters (offset, length or flags)')
    case 'hardware-error':
      return error('EIO', fn, status, 'hardware error')
    case 'retry':
      return error('EAGAIN', fn, status, 'the dimm is busy with another operation (no update open, or ARS)')
    case 'no-resources':
      return error('ETIMEDOUT', fn, status, 'the dimm ran out of resources awaiting the update')
    case 'not-ready':
      return error('EBUSY', fn, status, 'the dimm is not ready')
    case 'busy':
      return fn === IntelFn.FW_START_UPDATE
        ? error('EBUSY', fn, status, 'another firmware update is in progress; finish or abort it first')
        : error('EBUSY', fn, status, 'the dimm is still verifying the new firmware')
    case 'invalid-context':
      return error('EINVAL', fn, status, 'no update is open with this context')
    case 'already-done':
      return error('EBUSY', fn, status, 'an update already completed; it runs after the next power cycle')
    case 'bad-firmware':
      return error('EINVAL', fn, status, 'the firmware image failed verification')
    case 'aborted':
      return error('EIO', fn, status, 'the update was aborted')
    case 'sequence':
      return error('EIO', fn, status, 'update steps out of sequence (finish before querying)')
    case 'unknown':
      return error('EIO', fn, status, 'unexpected firmware status')
  }
}

/** How drivers/acpi/nfit/intel.c answers each security function. */
export function xlatIntelSecurityStatus(fn: number, status: number): NvdimmError | undefined {
  if (status === IntelStatus.SUCCESS) return undefined
  switch (fn) {
    case IntelFn.GET_SECURITY_STATE:
    case IntelFn.FREEZE_LOCK:
      return error('EIO', fn, status, 'the dimm refused')
    case IntelFn.SET_PASSPHRASE:
    case IntelFn.SET_MASTER_PASSPHRASE:
      if (status === IntelStatus.INVALID_PASS) return error('EINVAL', fn, status, 'the old passphrase is wrong')
      if (status === IntelStatus.NOTSUPP) return error('EOPNOTSUPP', fn, status, 'not supported by the dimm')
      return error('EIO', fn, status, 'not possible in the current security state (frozen or locked)')
    case IntelFn.UNLOCK_UNIT:
      if (status === IntelStatus.INVALID_PASS) return error('EINVAL', fn, status, 'the passphrase is wrong')
      return error('EIO', fn, status, 'the dimm is not locked, or frozen')
    case IntelFn.DISABLE_PASSPHRASE:
      if (status === IntelStatus.INVALID_PASS) return error('EINVAL', fn, status, 'the passphrase is wrong')
      return error('ENXIO', fn, status, 'not possible in the current security state')
    case IntelFn.SECURE_ERASE:
    case IntelFn.MASTER_SECURE_ERASE:
      if (status === IntelStatus.NOTSUPP) return error('EOPNOTSUPP', fn, status, 'not supported by the dimm')
      if (status === IntelStatus.INVALID_PASS) return error('EINVAL', fn, status, 'the passphrase is wrong')
      return error('ENXIO', fn, status, 'not possible in the current security state')
    case IntelFn.OVERWRITE:
      if (status === IntelExtendedStatus.OVERWRITE_UNSUPPORTED) {
        return error('EOPNOTSUPP', fn, status, 'the dimm does not support overwrite')
      }
      if (status === IntelStatus.INVALID_PASS) return error('EINVAL', fn, status, 'the passphrase is wrong')
      return error('ENXIO', fn, status, 'not possible in the current security state')
    case IntelFn.QUERY_OVERWRITE:
      if (status === IntelExtendedStatus.OQUERY_INPROGRESS)
        return error('EBUSY', fn, status, 'the overwrite is still running')
      return error('ENXIO', fn, status, 'no overwrite to report on')
  }
  return error('EIO', fn, status, 'unexpected firmware status')
}
