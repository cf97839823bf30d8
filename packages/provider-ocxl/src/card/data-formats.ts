import { field } from './register-field.js'

/**
 * What admin commands leave in the data buffer. Every block starts with one little-endian word:
 * a 16-bit identifier in bits 63..48 and the byte count after the header in the low 16 bits, the
 * shape of the series' error-log header (patch 16/25: 'EL' = 0x454C). The 'SM' and 'CS' blocks
 * and everything past word 1 of the error log are this package's.
 */

export const DATA_IDENTIFIER = field(0x00, 48, 16)
export const DATA_LENGTH = field(0x00, 0, 16)
export const DATA_HEADER_SIZE = 8

export const ERROR_LOG_IDENTIFIER = 0x454c // 'EL'
export const SMART_IDENTIFIER = 0x534d // 'SM'
export const CONTROLLER_STATS_IDENTIFIER = 0x4353 // 'CS'

/** Error log word 1 (patch 16/25): log identifier high, program reference code low. */
export const ERROR_LOG_LOG_IDENTIFIER = field(0x08, 32, 32)
export const ERROR_LOG_PROGRAM_REFERENCE_CODE = field(0x08, 0, 32)
/** Card clock, milliseconds since power-on, when the entry was made. */
export const ERROR_LOG_TIMESTAMP = field(0x10, 0, 64)
/** The entry's free-form data starts here. */
export const ERROR_LOG_DATA_OFFSET = 0x18
/** Bytes after the header that are not free-form data (word 1 and the timestamp). */
export const ERROR_LOG_FIXED_LENGTH = ERROR_LOG_DATA_OFFSET - DATA_HEADER_SIZE

export const SMART_HEALTH_STATE = field(0x08, 0, 8)
export const SMART_SPARES_PERCENTAGE = field(0x08, 8, 8)
export const SMART_LIFE_USED_PERCENTAGE = field(0x08, 16, 8)
export const SMART_ALARMS = field(0x08, 24, 8)
/** Signed degrees Celsius. */
export const SMART_MEDIA_TEMPERATURE = field(0x08, 32, 16)
export const SMART_CONTROLLER_TEMPERATURE = field(0x08, 48, 16)
export const SMART_DIRTY_SHUTDOWN_COUNT = field(0x10, 0, 32)
/** 0 = the last shutdown was clean, 1 = dirty. */
export const SMART_LAST_SHUTDOWN_DIRTY = field(0x10, 32, 1)
export const SMART_LENGTH = 0x10

export const SMART_ALARM_TEMPERATURE = 1 << 0
export const SMART_ALARM_SPARES = 1 << 1
export const SMART_ALARM_CONTROLLER_TEMPERATURE = 1 << 2

/** SMART health-state byte; index = value. */
export const SMART_HEALTH_STATES = ['ok', 'non-critical', 'critical', 'fatal'] as const

export const STATS_POWER_ON_MS = field(0x08, 0, 64)
export const STATS_ADMIN_COMMANDS = field(0x10, 0, 64)
export const STATS_ERROR_LOG_ENTRIES = field(0x18, 0, 64)
export const STATS_LENGTH = 0x18
