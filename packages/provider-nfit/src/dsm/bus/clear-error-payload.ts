import { checkU64, checkUint, need, view } from './bytes.js'

/**
 * Clear Uncorrectable Error (NFIT bus DSM function 4): the input is the range, as for ARS_CAP
 * (encodeSpaRangeInput); the output is the tail of struct nd_cmd_clear_error
 * (include/uapi/linux/ndctl.h): { u32 status @0; u8 reserved[4] @4; u64 cleared @8 }.
 */
export interface ClearErrorOutput {
  status: number
  /** Bytes cleared from the start of the range. */
  cleared: bigint
}

export const CLEAR_ERROR_OUTPUT_SIZE = 16

export function encodeClearErrorOutput(value: ClearErrorOutput): Uint8Array {
  checkUint(value.status, 32, 'clear_error status')
  checkU64(value.cleared, 'cleared')
  const out = new Uint8Array(CLEAR_ERROR_OUTPUT_SIZE)
  view(out).setUint32(0, value.status, true)
  view(out).setBigUint64(8, value.cleared, true)
  return out
}

export function decodeClearErrorOutput(bytes: Uint8Array): ClearErrorOutput {
  need(bytes, CLEAR_ERROR_OUTPUT_SIZE, 'clear_error output')
  return { status: view(bytes).getUint32(0, true), cleared: view(bytes).getBigUint64(8, true) }
}
