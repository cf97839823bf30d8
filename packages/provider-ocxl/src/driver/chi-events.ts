import type { ControllerCondition } from '@nvdimm/core'
import { GLOBAL_MMIO_CHI_CDA, GLOBAL_MMIO_CHI_CFFS, GLOBAL_MMIO_CHI_CHFS, GLOBAL_MMIO_CHI_ELA } from '../card/index.js'

/** The four conditions the series forwarded to userspace (patch 19/25's EVENT_* flags), by core's names. */
export type OcxlChiEvent = ControllerCondition

export const CHI_CONDITION_BITS: ReadonlyArray<readonly [bigint, OcxlChiEvent]> = [
  [GLOBAL_MMIO_CHI_ELA, 'error-log-available'],
  [GLOBAL_MMIO_CHI_CDA, 'controller-dump-available'],
  [GLOBAL_MMIO_CHI_CFFS, 'firmware-fatal'],
  [GLOBAL_MMIO_CHI_CHFS, 'hardware-fatal'],
]

/** Events for the CHI bits that rose between two reads; a bit that stays set is not news. */
export function chiEvents(previous: bigint, current: bigint): OcxlChiEvent[] {
  const rose = current & ~previous
  return CHI_CONDITION_BITS.filter(([bit]) => (rose & bit) !== 0n).map(([, event]) => event)
}

/** Every condition CHI shows now: the level, for the health facts. */
export function chiConditions(chi: bigint): Set<OcxlChiEvent> {
  return new Set(CHI_CONDITION_BITS.filter(([bit]) => (chi & bit) !== 0n).map(([, event]) => event))
}
