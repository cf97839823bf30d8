import { field } from './register-field.js'

/**
 * Admin opcodes, status codes and the request/response layouts. The series named the commands
 * (ADMIN_COMMAND_*) and STATUS_SUCCESS; the values and layouts are this package's (README.md).
 * Layout descriptors' `register` is the byte offset inside the request or response area.
 */

export const ADMIN_COMMAND_ERRLOG = 0x01
export const ADMIN_COMMAND_HEARTBEAT = 0x02
export const ADMIN_COMMAND_SMART = 0x03
export const ADMIN_COMMAND_CONTROLLER_DUMP = 0x04
export const ADMIN_COMMAND_CONTROLLER_STATS = 0x05
export const ADMIN_COMMAND_SHUTDOWN = 0x06
export const ADMIN_COMMAND_FW_UPDATE = 0x07

export const ADMIN_COMMAND_NAMES: Readonly<Record<number, string>> = {
  [ADMIN_COMMAND_ERRLOG]: 'ERRLOG',
  [ADMIN_COMMAND_HEARTBEAT]: 'HEARTBEAT',
  [ADMIN_COMMAND_SMART]: 'SMART',
  [ADMIN_COMMAND_CONTROLLER_DUMP]: 'CONTROLLER_DUMP',
  [ADMIN_COMMAND_CONTROLLER_STATS]: 'CONTROLLER_STATS',
  [ADMIN_COMMAND_SHUTDOWN]: 'SHUTDOWN',
  [ADMIN_COMMAND_FW_UPDATE]: 'FW_UPDATE',
}

export function adminCommandName(opcode: number): string {
  return ADMIN_COMMAND_NAMES[opcode] ?? `0x${opcode.toString(16).padStart(2, '0')}`
}

export const STATUS_SUCCESS = 0x00
export const STATUS_INVALID_COMMAND = 0x01
export const STATUS_INVALID_PARAMETER = 0x02
/** "Add missing status for blocked on background task" (v4 changelog). */
export const STATUS_BLOCKED_BG_TASK = 0x03
export const STATUS_NO_DATA = 0x04
export const STATUS_DEVICE_ERROR = 0x05
/** Firmware-update statuses alias others on purpose, as the series' header did. */
export const STATUS_FW_UPDATE_BAD_IMAGE = STATUS_INVALID_PARAMETER
export const STATUS_FW_UPDATE_BLOCKED = STATUS_BLOCKED_BG_TASK

export const STATUS_NAMES: Readonly<Record<number, string>> = {
  [STATUS_SUCCESS]: 'SUCCESS',
  [STATUS_INVALID_COMMAND]: 'INVALID_COMMAND',
  [STATUS_INVALID_PARAMETER]: 'INVALID_PARAMETER',
  [STATUS_BLOCKED_BG_TASK]: 'BLOCKED_BG_TASK',
  [STATUS_NO_DATA]: 'NO_DATA',
  [STATUS_DEVICE_ERROR]: 'DEVICE_ERROR',
}

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `unknown status 0x${status.toString(16).padStart(2, '0')}`
}

/** Request word 0 (both words are little-endian). */
export const REQUEST_OPCODE = field(0x00, 0, 8)
export const REQUEST_COMMAND_ID = field(0x00, 16, 16)
/** CONTROLLER_DUMP: byte offset into the dump. FW_UPDATE: byte offset into the image. */
export const REQUEST_OFFSET = field(0x08, 32, 32)
/** FW_UPDATE: bytes of this chunk in the data buffer. */
export const REQUEST_LENGTH = field(0x08, 0, 32)
/** FW_UPDATE: last chunk, switch to the new image. */
export const REQUEST_FW_COMMIT = field(0x10, 0, 1)

/** Response word 0: echoes, status and how many bytes the data buffer holds. */
export const RESPONSE_OPCODE = field(0x00, 0, 8)
export const RESPONSE_STATUS = field(0x00, 8, 8)
export const RESPONSE_COMMAND_ID = field(0x00, 16, 16)
export const RESPONSE_DATA_LENGTH = field(0x00, 32, 32)
/** CONTROLLER_DUMP: the whole dump's size. FW_UPDATE: bytes staged so far. */
export const RESPONSE_RESULT = field(0x08, 0, 32)
