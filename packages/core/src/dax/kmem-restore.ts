import { daxDevices } from '../daxctl/dax-devices.js'
import { NvdimmError } from '../errors.js'
import type { KmemRuntimeState } from '../runtime-state.js'
import type { Nvdimm } from '../subsystem.js'

/**
 * Bring back what the running kernel had bound to kmem when the last session ended: the same
 * dax devices (by name and uuid), their memory, and each online block in its zone. A device
 * that is gone or changed is left as it is now, with a note in the log.
 */
export function restoreKmem(nd: Nvdimm, saved: Record<string, KmemRuntimeState> | undefined): void {
  if (!saved) return
  const devices = daxDevices(nd)
  for (const [name, state] of Object.entries(saved)) {
    const device = devices.find((candidate) => candidate.name === name)
    if (!device || device.uuid !== state.uuid) {
      nd.kmem.logger.warn(`kmem: ${name} is no longer the device bound before; left in devdax mode`)
      continue
    }
    try {
      const binding = nd.kmem.probe(device)
      for (const block of binding.memory.blocks) nd.memory.restoreBlock(block, state.online[block.name])
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      nd.kmem.logger.warn(`kmem: ${name} could not be bound again: ${error.message}`)
    }
  }
}
