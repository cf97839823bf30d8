import { checkField, need } from './payload-bytes.js'

/** ENABLE_LSS_STATUS (function 10), struct nd_intel_lss (ndctl/lib/intel.h): input enable u8 @0 (0 or 1); output is a status. */
export const LSS_INPUT_SIZE = 1

export function encodeLssInput(enable: number): Uint8Array {
  checkField(enable, 0xff, 'lss enable')
  return Uint8Array.of(enable)
}

export function decodeLssInput(bytes: Uint8Array): number {
  need(bytes, LSS_INPUT_SIZE, 'intel enable lss')
  return bytes[0]!
}
