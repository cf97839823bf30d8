import { NvdimmError, u64Json } from '@nvdimm/core'
import { z } from 'zod'

/**
 * The platform firmware's error state as the platform saves it between runs (one process per
 * CLI command): the poison it holds, the errors it has reported, and the last address range
 * scrub with its wall-clock start, so a scrub started by one process is still running, or done,
 * in the next. Plain JSON, u64 as "0x…" strings.
 */

const MAX_ENTRIES = 65536
const U64_END = 1n << 64n

const range = z
  .strictObject({ address: u64Json, length: u64Json })
  .refine((value) => value.length > 0n && value.address + value.length <= U64_END, {
    message: 'a range needs a positive length and must end inside the address space',
  })

const arsRun = z.strictObject({
  address: u64Json,
  length: u64Json,
  /** ND_ARS_PERSISTENT or ND_ARS_VOLATILE, as asked. */
  type: z.number().int().min(0).max(0xffff),
  /** ND_ARS_RETURN_PREV_DATA for a short scrub. */
  flags: z.number().int().min(0).max(0xff),
  /** When it started, in the firmware clock's milliseconds. */
  startedAt: z.number().finite(),
  /** How long it takes, in milliseconds. */
  duration: z.number().finite().min(0),
  /** Its findings were added to what the firmware has reported. */
  settled: z.boolean(),
  /** What it found (or, short, what it returned). */
  records: z.array(range).max(MAX_ENTRIES),
})

export const nfitBusFirmwareSchema = z.strictObject({
  version: z.literal(1),
  /** Injected poison (the platform's error list). */
  poison: z.array(range).max(MAX_ENTRIES),
  /** Errors the platform has reported: found by a finished scrub, or injected with notification. */
  known: z.array(range).max(MAX_ENTRIES),
  ars: arsRun.optional(),
})

export type NfitBusFirmwareJson = z.input<typeof nfitBusFirmwareSchema>
export type NfitBusFirmwareData = z.output<typeof nfitBusFirmwareSchema>
export type ArsRun = z.output<typeof arsRun>

/** Validate saved state: EINVAL naming the field when it does not fit. */
export function parseNfitBusFirmwareJson(json: unknown): NfitBusFirmwareData {
  const result = nfitBusFirmwareSchema.safeParse(json)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const where = issue.path.length ? issue.path.join('.') : 'state'
  throw new NvdimmError('EINVAL', `nfit bus firmware state: ${where}: ${issue.message}`)
}

const hex = (value: bigint) => `0x${value.toString(16)}`

export function rangeJson(value: { address: bigint; length: bigint }): { address: string; length: string } {
  return { address: hex(value.address), length: hex(value.length) }
}
