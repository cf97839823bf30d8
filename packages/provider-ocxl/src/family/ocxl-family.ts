import type { ControllerCondition } from '@nvdimm/core'

/**
 * The card's functions on the generic command channel: ND_CMD_CALL with an nd_cmd_pkg of this
 * family, sent to the nmem device. The series had a private /dev/ocxlpmemN with its own ioctls
 * for these; its review asked for the existing bus/nmem command path instead, so this is that
 * path. The family number and function numbers are ours (no kernel family was ever assigned),
 * payloads are little-endian, and README.md lists them as the ABI roadmap the review asked for.
 */

/** Ours: the next free NVDIMM_FAMILY_* after NVDIMM_FAMILY_PAPR (5). */
export const NVDIMM_FAMILY_OCXL = 6

export const OcxlFunction = {
  /** out: the oldest 'EL' block (header, fixed fields, data); nd_size_out a multiple of 8 (read_error_log()). */
  ERROR_LOG: 1,
  /** out: u64 power-on ms, u64 admin commands, u64 error-log entries. */
  CONTROLLER_STATS: 2,
  /** in: u32 byte offset; out: the dump from there, nd_fw_size the whole dump's length. */
  CONTROLLER_DUMP: 3,
  /** out: u64 mask of OCXL_EVENT_* now standing (ioctl_event_check()). */
  EVENT_CHECK: 4,
  /** Tell the controller the host is going away: the memory goes unavailable until power-on. */
  SHUTDOWN: 5,
  HEARTBEAT: 6,
} as const
export type OcxlFunctionNumber = (typeof OcxlFunction)[keyof typeof OcxlFunction]

export function ocxlFunctionName(fn: number): string {
  const entry = Object.entries(OcxlFunction).find(([, value]) => value === fn)
  return entry ? entry[0] : `function ${fn}`
}

/** EVENT_CHECK's bits, in the order of the series' IOCTL_OCXLPMEM_EVENT_* (values ours). */
export const OCXL_EVENT_ERROR_LOG_AVAILABLE = 1n << 0n
export const OCXL_EVENT_CONTROLLER_DUMP_AVAILABLE = 1n << 1n
export const OCXL_EVENT_FIRMWARE_FATAL = 1n << 2n
export const OCXL_EVENT_HARDWARE_FATAL = 1n << 3n

const OCXL_EVENT_BITS: ReadonlyArray<readonly [bigint, ControllerCondition]> = [
  [OCXL_EVENT_ERROR_LOG_AVAILABLE, 'error-log-available'],
  [OCXL_EVENT_CONTROLLER_DUMP_AVAILABLE, 'controller-dump-available'],
  [OCXL_EVENT_FIRMWARE_FATAL, 'firmware-fatal'],
  [OCXL_EVENT_HARDWARE_FATAL, 'hardware-fatal'],
]

/** EVENT_CHECK's mask for these conditions. */
export function ocxlEventMask(conditions: Iterable<ControllerCondition>): bigint {
  const wanted = new Set(conditions)
  return OCXL_EVENT_BITS.reduce((mask, [bit, name]) => (wanted.has(name) ? mask | bit : mask), 0n)
}

/** The conditions an EVENT_CHECK mask names. */
export function ocxlEventConditions(mask: bigint): ControllerCondition[] {
  return OCXL_EVENT_BITS.filter(([bit]) => (mask & bit) !== 0n).map(([, name]) => name)
}

export const CONTROLLER_STATS_PAYLOAD_SIZE = 24
export const EVENT_CHECK_PAYLOAD_SIZE = 8
export const CONTROLLER_DUMP_INPUT_SIZE = 4
