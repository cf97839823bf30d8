import { DIMM_FIRMWARE_FLAGS, type DimmFirmwareFlag } from '@nvdimm/core'
import {
  PAPR_PMEM_BAD_RESTORE_MASK,
  PAPR_PMEM_BAD_SHUTDOWN_MASK,
  PAPR_PMEM_SMART_EVENT_MASK,
  PAPR_PMEM_UNARMED_MASK,
  PaprPmemHealth,
} from './health-bitmap.js'
import type { PaprScmDimmHealth } from './dimm-health-state.js'

/** flags_show() (papr_scm.c) word by word, in its order. */
const FLAG_WORDS: readonly (readonly [bigint, string])[] = [
  [PAPR_PMEM_UNARMED_MASK, 'not_armed'],
  [PAPR_PMEM_BAD_SHUTDOWN_MASK, 'flush_fail'],
  [PAPR_PMEM_BAD_RESTORE_MASK, 'restore_fail'],
  [PaprPmemHealth.ENCRYPTED, 'encrypted'],
  [PAPR_PMEM_SMART_EVENT_MASK, 'smart_notify'],
  [PaprPmemHealth.SCRUBBED_AND_LOCKED, 'scrubbed locked'],
]

/** nmemN/papr/flags: each word followed by a space, then a newline; empty when nothing is set. */
export function paprFlagsText(bitmap: bigint): string {
  const words = FLAG_WORDS.filter(([mask]) => (bitmap & mask) !== 0n).map(([, word]) => `${word} `)
  return words.length ? `${words.join('')}\n` : ''
}

/** parse_papr_flags() (ndctl/lib/libndctl.c): the words libndctl knows, and the flag each sets. */
const PARSED: ReadonlyMap<string, DimmFirmwareFlag> = new Map([
  ['not_armed', 'failed_arm'],
  ['flush_fail', 'failed_flush'],
  ['restore_fail', 'failed_restore'],
  ['smart_notify', 'smart_event'],
  ['save_fail', 'failed_save'],
])

/**
 * What libndctl makes of the papr/flags text: sysfs_read_attr() drops one trailing newline,
 * then only words ended by a space count (a last word without one is ignored). Unknown words
 * ("encrypted", "scrubbed", "locked") are skipped. Flags come in ndctl's JSON order.
 */
export function parsePaprFlags(text: string): DimmFirmwareFlag[] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text
  const words = body.split(' ').slice(0, -1)
  const found = new Set<DimmFirmwareFlag>()
  for (const word of words) {
    const flag = PARSED.get(word)
    if (flag) found.add(flag)
  }
  return DIMM_FIRMWARE_FLAGS.filter((flag) => found.has(flag))
}

/** The firmware flags ndctl shows for a health bitmap: flags_show() read by parse_papr_flags(). */
export function paprFirmwareFlags(bitmap: bigint): DimmFirmwareFlag[] {
  return parsePaprFlags(paprFlagsText(bitmap))
}

/** Reading nmemN/papr/flags: through the 60 s health cache; rejects ENXIO when the hcall fails. */
export async function readPaprFlags(state: PaprScmDimmHealth): Promise<string> {
  return paprFlagsText(await state.cachedBitmap())
}
