import { NvdimmError, type FirmwareStore } from '@nvdimm/core'
import { z } from 'zod'

/**
 * What a pseries platform keeps between runs, in its FirmwareStore: the hypervisor's state
 * (bindings, health bits, faults), the boot and kernel it was saved in, and what the running
 * kernel's papr_scm driver holds that matters across commands (each dimm's injected health).
 */
const savedSchema = z.strictObject({
  boot: z.number().int().min(0),
  /** -1: a kernel that no longer runs made the bindings (a fault knob left them behind). */
  kernel: z.number().int().min(-1),
  hypervisor: z.unknown(),
  injectMasks: z.record(z.string().regex(/^0x[0-9a-f]+$/), z.string().regex(/^0x[0-9a-f]+$/)),
})

export type SavedPaprFirmware = z.output<typeof savedSchema>

export const drcKey = (drcIndex: number) => `0x${drcIndex.toString(16)}`

export function loadPaprFirmware(store: FirmwareStore): SavedPaprFirmware | undefined {
  const saved = store.load()
  if (saved === undefined) return undefined
  const result = savedSchema.safeParse(saved)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new NvdimmError('EINVAL', `papr firmware state: ${issue.path.join('.') || 'top'}: ${issue.message}`)
  }
  return result.data
}
