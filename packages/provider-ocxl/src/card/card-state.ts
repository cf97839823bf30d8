import { NvdimmError } from '@nvdimm/core'
import { z } from 'zod'
import { ADMIN_DATA_SIZE } from './register-map.js'
import { ERROR_LOG_DATA_OFFSET, SMART_HEALTH_STATES } from './data-formats.js'
import { STATUS_DEVICE_ERROR, STATUS_SUCCESS } from './admin-protocol.js'

/**
 * What survives closing and reopening the card: its error log, SMART values, firmware version,
 * whether the last shutdown was clean, a pending controller dump, and the fault knobs. Plain
 * JSON; bytes are lower-case hex.
 */

export const MAX_ERROR_LOG_ENTRIES = 256
export const MAX_ERROR_LOG_DATA = ADMIN_DATA_SIZE - ERROR_LOG_DATA_OFFSET
const MAX_DUMP_BYTES = 0xffff_ffff

const hexBytes = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes * 2)
    .regex(/^(?:[0-9a-f]{2})*$/, 'bytes are lower-case hex, two digits each')

const u32 = z.number().int().min(0).max(0xffff_ffff)
const percent = z.number().int().min(0).max(100)
const celsius = z.number().int().min(-32768).max(32767)

export const smartValuesSchema = z.strictObject({
  healthState: z.enum(SMART_HEALTH_STATES),
  mediaTemperature: celsius,
  controllerTemperature: celsius,
  sparesPercentage: percent,
  lifeUsedPercentage: percent,
  alarmTemperature: z.boolean(),
  alarmSpares: z.boolean(),
  alarmControllerTemperature: z.boolean(),
  dirtyShutdownCount: u32,
  lastShutdownDirty: z.boolean(),
})
export type SmartValues = z.infer<typeof smartValuesSchema>

export const errorLogEntrySchema = z.strictObject({
  logIdentifier: u32,
  programReferenceCode: u32,
  timestamp: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  data: hexBytes(MAX_ERROR_LOG_DATA),
})
export type ErrorLogEntryState = z.infer<typeof errorLogEntrySchema>

export const cardFaultsSchema = z.strictObject({
  neverReady: z.boolean(),
  firmwareFatal: z.boolean(),
  hardwareFatal: z.boolean(),
  /** This many of the next admin commands never complete. */
  hangCommands: z.number().int().min(0).max(1_000_000),
  /** This many of the next admin commands complete with `failStatus`. */
  failCommands: z.number().int().min(0).max(1_000_000),
  failStatus: z
    .number()
    .int()
    .min(0)
    .max(0xff)
    .refine((status) => status !== STATUS_SUCCESS, 'a failing status is not SUCCESS'),
})
export type CardFaults = z.infer<typeof cardFaultsSchema>

export const ocxlCardStateSchema = z.strictObject({
  version: z.literal(1),
  fwVersion: z.string().regex(/^[\x20-\x7e]{1,8}$/, 'the firmware version is 1-8 printable ASCII characters'),
  smart: smartValuesSchema,
  errorLog: z.array(errorLogEntrySchema).max(MAX_ERROR_LOG_ENTRIES),
  nextLogIdentifier: u32,
  errorLogEntriesTotal: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  controllerDump: hexBytes(MAX_DUMP_BYTES).nullable(),
  cleanShutdown: z.boolean(),
  faults: cardFaultsSchema,
})
export type OcxlCardState = z.infer<typeof ocxlCardStateSchema>

export function parseCardState(json: unknown): OcxlCardState {
  const parsed = ocxlCardStateSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || 'state'
    throw new NvdimmError('EINVAL', `not an OpenCAPI card state: ${where}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

export const DEFAULT_FAIL_STATUS = STATUS_DEVICE_ERROR

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}
