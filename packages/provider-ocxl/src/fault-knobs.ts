import { NvdimmError } from '@nvdimm/core'
import { DEFAULT_FAIL_STATUS, ManualClock, OcxlCard, type SmartValues } from './card/index.js'
import { loadOcxlCards, serialKey } from './ocxl-card-store.js'
import type { OcxlEntry } from './platform-kind.js'

/** A condition to leave on a card for the next command to meet. */
export type OcxlFault =
  | { kind: 'error-log'; serial: bigint; programReferenceCode: number; data?: Uint8Array }
  | { kind: 'controller-dump'; serial: bigint }
  | { kind: 'firmware-fatal' | 'hardware-fatal' | 'never-ready'; serial: bigint }
  | { kind: 'hang'; serial: bigint; times: number }
  | { kind: 'fail'; serial: bigint; times: number; status: number }
  | { kind: 'smart'; serial: bigint; values: Partial<SmartValues> }
  | { kind: 'clear'; serial: bigint }

export const OCXL_FAULT_KINDS = [
  'error-log',
  'controller-dump',
  'firmware-fatal',
  'hardware-fatal',
  'never-ready',
  'hang',
  'fail',
  'smart',
  'clear',
] as const

/**
 * The firmware state with the fault applied to one card. The card is taken as it stands (no
 * power-on counted); a card never probed yet starts from its description.
 */
export function withOcxlFault(entry: OcxlEntry, state: unknown, counts: { boot: number }, fault: OcxlFault): unknown {
  const described = entry.cards.find((card) => card.serial === fault.serial)
  if (!described) {
    const known = entry.cards.map((card) => `0x${card.serial.toString(16)}`).join(', ')
    throw new NvdimmError('ENXIO', `no OpenCAPI card has serial 0x${fault.serial.toString(16)} (cards: ${known})`)
  }
  const saved = loadOcxlCards({ load: () => state, save: () => undefined })
  const key = serialKey(fault.serial)
  const clock = new ManualClock()
  const options = {
    clock,
    ...(described.fwVersion !== undefined ? { fwVersion: described.fwVersion } : {}),
  }
  const stored = saved?.cards[key]
  const card = stored === undefined ? new OcxlCard(options) : OcxlCard.resume(stored, options)
  switch (fault.kind) {
    case 'error-log':
      card.injectErrorLog({
        programReferenceCode: fault.programReferenceCode,
        ...(fault.data ? { data: fault.data } : {}),
      })
      break
    case 'controller-dump':
      card.collectControllerDump()
      break
    case 'firmware-fatal':
      card.setFirmwareFatal()
      break
    case 'hardware-fatal':
      card.setHardwareFatal()
      break
    case 'never-ready':
      card.setNeverReady()
      break
    case 'hang':
      card.hangCommands(fault.times)
      break
    case 'fail':
      card.failCommands(fault.status, fault.times)
      break
    case 'smart':
      card.setSmart(fault.values)
      break
    case 'clear':
      card.setFirmwareFatal(false)
      card.setHardwareFatal(false)
      card.setNeverReady(false)
      card.hangCommands(0)
      card.failCommands(DEFAULT_FAIL_STATUS, 0)
      break
  }
  return { boot: saved?.boot ?? counts.boot, cards: { ...saved?.cards, [key]: card.toJSON() } }
}
