/** Command numbers from include/uapi/linux/ndctl.h. Bus and dimm numbers overlap: a mask is per target. */

export const BusCmd = {
  ARS_CAP: 1,
  ARS_START: 2,
  ARS_STATUS: 3,
  CLEAR_ERROR: 4,
  CALL: 10,
} as const

export const DimmCmd = {
  SMART: 1,
  SMART_THRESHOLD: 2,
  DIMM_FLAGS: 3,
  GET_CONFIG_SIZE: 4,
  GET_CONFIG_DATA: 5,
  SET_CONFIG_DATA: 6,
  VENDOR_EFFECT_LOG_SIZE: 7,
  VENDOR_EFFECT_LOG: 8,
  VENDOR: 9,
  CALL: 10,
} as const

/** NVDIMM_FAMILY_* accepted by ND_CMD_CALL. */
export const DimmFamily = {
  INTEL: 0,
  HPE1: 1,
  HPE2: 2,
  MSFT: 3,
  HYPERV: 4,
  PAPR: 5,
} as const

export function busCommandName(cmd: number): string {
  return commandName(BusCmd, cmd)
}

export function dimmCommandName(cmd: number): string {
  return commandName(DimmCmd, cmd)
}

function commandName(table: Record<string, number>, cmd: number): string {
  const entry = Object.entries(table).find(([, value]) => value === cmd)
  return entry ? entry[0].toLowerCase() : `cmd ${cmd}`
}
