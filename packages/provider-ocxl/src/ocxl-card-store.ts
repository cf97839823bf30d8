import { type FirmwareStore, NvdimmError } from '@nvdimm/core'
import { z } from 'zod'

/**
 * What the cards keep between commands, in the platform's firmware store: each card's state
 * (error log, SMART, faults, firmware version) by serial, and the boot it was saved in, which
 * tells a later command whether the card stayed powered or was powered on again.
 */
const savedSchema = z.strictObject({
  boot: z.number().int().min(0),
  cards: z.record(z.string().regex(/^[0-9a-f]{16}$/), z.unknown()),
})
export type SavedOcxlCards = z.infer<typeof savedSchema>

export function serialKey(serial: bigint): string {
  return serial.toString(16).padStart(16, '0')
}

/** The saved cards, or undefined before the first probe; EINVAL for a store that is not ours. */
export function loadOcxlCards(store: FirmwareStore): SavedOcxlCards | undefined {
  const value = store.load()
  if (value === undefined) return undefined
  const parsed = savedSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new NvdimmError(
      'EINVAL',
      `the OpenCAPI cards' saved state is damaged (${issue?.path.join('.') || 'state'}: ${issue?.message}); re-create the platform`,
    )
  }
  return parsed.data
}
