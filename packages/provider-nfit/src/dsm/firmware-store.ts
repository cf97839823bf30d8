import { NvdimmError, type FirmwareStore } from '@nvdimm/core'
import { z } from 'zod'

/**
 * What an NFIT platform's firmware keeps between runs, in the platform's FirmwareStore: the
 * boot it last ran in (a different one means the power was cycled since), each dimm's NVRAM by
 * device handle, and the platform firmware's (poison, a scrub under way).
 */
const savedSchema = z.strictObject({
  boot: z.number().int().min(0),
  dimms: z.record(z.string().regex(/^0x[0-9a-f]+$/), z.unknown()),
  bus: z.unknown().optional(),
})

export type SavedNfitFirmware = z.output<typeof savedSchema>

export const handleKey = (handle: number) => `0x${handle.toString(16)}`

/** The saved state, or a fresh one; EINVAL names what is wrong with a damaged one. */
export function loadNfitFirmware(store: FirmwareStore, boot: number): SavedNfitFirmware {
  const saved = store.load()
  if (saved === undefined) return { boot, dimms: {} }
  const result = savedSchema.safeParse(saved)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new NvdimmError('EINVAL', `nfit firmware state: ${issue.path.join('.') || 'top'}: ${issue.message}`)
  }
  return result.data
}
