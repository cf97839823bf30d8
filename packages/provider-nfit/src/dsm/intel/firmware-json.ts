import { NvdimmError } from '@nvdimm/core'
import { z } from 'zod'
import { fwUpdateStateSchema } from './fw-update-state.js'
import { securityStateSchema } from './security-state.js'
import { smartStateSchema } from './smart-state.js'

/**
 * An Intel dimm's firmware state as the platform saves it: plain JSON, u64 as "0x…" strings,
 * passphrases as hex. This is the dimm's NVRAM: it holds secrets and is never printed.
 */
export const intelFirmwareSchema = z.strictObject({
  version: z.literal(1),
  smart: smartStateSchema,
  /** ENABLE_LSS_STATUS (10): latch the system shutdown state for this boot. */
  latchShutdown: z.boolean(),
  security: securityStateSchema,
  firmwareUpdate: fwUpdateStateSchema,
})

export type IntelFirmwareJson = z.input<typeof intelFirmwareSchema>
export type IntelFirmwareData = z.output<typeof intelFirmwareSchema>

/**
 * Validate saved state (EINVAL when it does not fit). Zod's messages name the field and the
 * rule, never the value, so a mangled passphrase does not end up in a log.
 */
export function parseIntelFirmwareJson(json: unknown): IntelFirmwareData {
  const result = intelFirmwareSchema.safeParse(json)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const where = issue.path.length ? issue.path.join('.') : 'state'
  throw new NvdimmError('EINVAL', `intel dimm firmware state: ${where}: ${issue.message}`)
}
