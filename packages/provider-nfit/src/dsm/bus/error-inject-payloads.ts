import { checkU64, checkUint, need, view } from './bytes.js'
import type { SpaRangeInput } from './ars-payloads.js'

/**
 * ARS error injection (NFIT bus DSM functions 7, 8, 9; ndctl/libndctl-nfit.h, packed):
 *   inject:       in { u64 base @0; u64 length @8; u8 options @16 }, out { u32 status }
 *   inject clear: in { u64 base @0; u64 length @8 } (encodeSpaRangeInput), out { u32 status }
 *   inject status: no input; out { u32 status @0; u32 inj_err_rec_count @4;
 *                  { u64 base; u64 length } record[] @8 }
 */
export interface ErrorInjectInput extends SpaRangeInput {
  /** ND_ARS_ERR_INJ_OPT_NOTIFY: have the platform notify the OS. */
  options: number
}

export const ERROR_INJECT_INPUT_SIZE = 17

export function encodeErrorInjectInput(value: ErrorInjectInput): Uint8Array {
  checkU64(value.address, 'base')
  checkU64(value.length, 'length')
  checkUint(value.options, 8, 'err_inj_options')
  const out = new Uint8Array(ERROR_INJECT_INPUT_SIZE)
  view(out).setBigUint64(0, value.address, true)
  view(out).setBigUint64(8, value.length, true)
  view(out).setUint8(16, value.options)
  return out
}

export function decodeErrorInjectInput(bytes: Uint8Array): ErrorInjectInput {
  need(bytes, ERROR_INJECT_INPUT_SIZE, 'ars_err_inj input')
  const dv = view(bytes)
  return { address: dv.getBigUint64(0, true), length: dv.getBigUint64(8, true), options: dv.getUint8(16) }
}

/** The status-only answer of functions 7 and 8. */
export function encodeDsmStatus(status: number): Uint8Array {
  checkUint(status, 32, 'status')
  const out = new Uint8Array(4)
  view(out).setUint32(0, status, true)
  return out
}

export function decodeDsmStatus(bytes: Uint8Array, what = 'dsm output'): number {
  need(bytes, 4, what)
  return view(bytes).getUint32(0, true)
}

export const INJECT_STATUS_HEADER_SIZE = 8
export const INJECT_STATUS_RECORD_SIZE = 16

export interface ErrorInjectStatusOutput {
  status: number
  records: SpaRangeInput[]
}

export function encodeErrorInjectStatusOutput(value: ErrorInjectStatusOutput): Uint8Array {
  checkUint(value.status, 32, 'inject status')
  const out = new Uint8Array(INJECT_STATUS_HEADER_SIZE + value.records.length * INJECT_STATUS_RECORD_SIZE)
  const dv = view(out)
  dv.setUint32(0, value.status, true)
  dv.setUint32(4, value.records.length, true)
  value.records.forEach((record, index) => {
    const at = INJECT_STATUS_HEADER_SIZE + index * INJECT_STATUS_RECORD_SIZE
    checkU64(record.address, 'base')
    checkU64(record.length, 'length')
    dv.setBigUint64(at, record.address, true)
    dv.setBigUint64(at + 8, record.length, true)
  })
  return out
}

/** Records past the end of the buffer are not there: the list stops at the last whole one. */
export function decodeErrorInjectStatusOutput(bytes: Uint8Array): ErrorInjectStatusOutput {
  need(bytes, INJECT_STATUS_HEADER_SIZE, 'ars_err_inj_stat output')
  const dv = view(bytes)
  const count = dv.getUint32(4, true)
  const whole = Math.floor((bytes.length - INJECT_STATUS_HEADER_SIZE) / INJECT_STATUS_RECORD_SIZE)
  const records: SpaRangeInput[] = []
  for (let i = 0; i < Math.min(count, whole); i++) {
    const at = INJECT_STATUS_HEADER_SIZE + i * INJECT_STATUS_RECORD_SIZE
    records.push({ address: dv.getBigUint64(at, true), length: dv.getBigUint64(at + 8, true) })
  }
  return { status: dv.getUint32(0, true), records }
}
