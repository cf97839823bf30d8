/**
 * Intel DIMM DSM function numbers (UUID 4309ac30-0d11-11e4-9191-0800200c9a66): the kernel's
 * enum nvdimm_family_cmds (drivers/acpi/nfit/nfit.h) and libndctl's ND_INTEL_* (ndctl/lib/intel.h).
 * Functions 1-9 share their numbers with the ND_CMD_* ioctls (include/uapi/linux/ndctl.h).
 */
export const IntelFn = {
  QUERY: 0,
  SMART: 1,
  SMART_THRESHOLD: 2,
  DIMM_FLAGS: 3,
  GET_CONFIG_SIZE: 4,
  GET_CONFIG_DATA: 5,
  SET_CONFIG_DATA: 6,
  VENDOR_EFFECT_LOG_SIZE: 7,
  VENDOR_EFFECT_LOG: 8,
  VENDOR: 9,
  ENABLE_LSS_STATUS: 10,
  GET_MODES: 11,
  FW_GET_INFO: 12,
  FW_START_UPDATE: 13,
  FW_SEND_DATA: 14,
  FW_FINISH_UPDATE: 15,
  FW_FINISH_STATUS_QUERY: 16,
  SMART_SET_THRESHOLD: 17,
  SMART_INJECT: 18,
  GET_SECURITY_STATE: 19,
  SET_PASSPHRASE: 20,
  DISABLE_PASSPHRASE: 21,
  UNLOCK_UNIT: 22,
  FREEZE_LOCK: 23,
  SECURE_ERASE: 24,
  OVERWRITE: 25,
  QUERY_OVERWRITE: 26,
  SET_MASTER_PASSPHRASE: 27,
  MASTER_SECURE_ERASE: 28,
  FW_ACTIVATE_DIMMINFO: 29,
  FW_ACTIVATE_ARM: 30,
} as const

export type IntelFunction = (typeof IntelFn)[keyof typeof IntelFn]

/** NVDIMM_CMD_MAX: the highest function number the kernel will pass (nfit.h). */
export const NVDIMM_CMD_MAX = 31

/** NFIT_NOTIFY_DIMM_HEALTH: the ACPI notification a dimm raises when its health changes (nfit.h). */
export const NFIT_NOTIFY_DIMM_HEALTH = 0x81

/** ND_INTEL_PASSPHRASE_SIZE (drivers/acpi/nfit/intel.h). */
export const INTEL_PASSPHRASE_SIZE = 32

export function intelFunctionName(fn: number): string {
  const entry = Object.entries(IntelFn).find(([, value]) => value === fn)
  return entry ? entry[0].toLowerCase() : `function ${fn}`
}
