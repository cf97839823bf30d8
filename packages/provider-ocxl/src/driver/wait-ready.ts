import { NvdimmError } from '@nvdimm/core'
import {
  type Clock,
  GLOBAL_MMIO_CHI,
  GLOBAL_MMIO_CHI_CFFS,
  GLOBAL_MMIO_CHI_CHFS,
  GLOBAL_MMIO_CHI_CRDY,
  GLOBAL_MMIO_CHI_MA,
  type OcxlMmio,
} from '../card/index.js'
import { type OcxlCapabilities, readCapabilities } from './capabilities.js'

/** How often CHI is polled while waiting; the series' sleep was cut from the archive. */
export const READY_POLL_INTERVAL_MS = 100

const READY = GLOBAL_MMIO_CHI_CRDY | GLOBAL_MMIO_CHI_MA

/**
 * Wait until the controller is ready (CHI.CRDY) and its memory available (CHI.MA), within the
 * sum of CCAP0's readiness and memory-available timeouts (seconds), before the memory is handed
 * to libnvdimm (patch 13/25). A fatal CHI bit on a card not yet ready ends the wait at once.
 */
export async function waitReady(mmio: OcxlMmio, clock: Clock): Promise<OcxlCapabilities> {
  const capabilities = readCapabilities(mmio)
  const budgetMs = (capabilities.readinessTimeoutS + capabilities.memoryAvailableTimeoutS) * 1000
  const start = clock.now()
  for (;;) {
    const chi = mmio.read64(GLOBAL_MMIO_CHI)
    // Ready is all the series asked; a fatal bit on a ready card is its health's business.
    if ((chi & READY) === READY) return capabilities
    if (chi & (GLOBAL_MMIO_CHI_CFFS | GLOBAL_MMIO_CHI_CHFS)) {
      const which = chi & GLOBAL_MMIO_CHI_CFFS ? 'firmware' : 'hardware'
      throw new NvdimmError('EIO', `OpenCAPI persistent memory controller reports a ${which} fatal error (CHI)`)
    }
    const elapsed = clock.now() - start
    if (elapsed >= budgetMs) {
      const missing: string[] = []
      if (!(chi & GLOBAL_MMIO_CHI_CRDY)) missing.push('the controller never became ready (CHI.CRDY)')
      if (!(chi & GLOBAL_MMIO_CHI_MA)) missing.push('the memory never became available (CHI.MA)')
      throw new NvdimmError(
        'ETIMEDOUT',
        `OpenCAPI persistent memory ready timeout after ${budgetMs / 1000} s: ${missing.join(' and ')}`,
      )
    }
    await clock.sleep(Math.min(READY_POLL_INTERVAL_MS, budgetMs - elapsed))
  }
}
