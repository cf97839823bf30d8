import { NvdimmError } from '@nvdimm/core'
import { INTEL_PASSPHRASE_SIZE } from './intel-functions.js'
import { checkField, need, view } from './payload-bytes.js'

/**
 * Security payloads of the Intel DSM family (drivers/acpi/nfit/intel.h), packed, little-endian.
 * Every passphrase is exactly 32 bytes (ND_INTEL_PASSPHRASE_SIZE); every output but
 * GET_SECURITY_STATE's is a bare u32 status.
 */

/** ND_INTEL_SEC_STATE_*: the user passphrase's state. */
export const SecurityState = {
  ENABLED: 0x02,
  LOCKED: 0x04,
  FROZEN: 0x08,
  PLIMIT: 0x10,
  UNSUPPORTED: 0x20,
  OVERWRITE: 0x40,
} as const

/** ND_INTEL_SEC_ESTATE_*: the master passphrase's state. */
export const SecurityExtendedState = {
  ENABLED: 0x01,
  PLIMIT: 0x02,
} as const

/** sizeof(struct nd_intel_get_security_state). */
export const SECURITY_STATE_OUTPUT_SIZE = 12

export interface IntelSecurityState {
  extendedState: number
  state: number
}

/** GET_SECURITY_STATE (function 19) output: status @0, extended_state u8 @4, reserved[3], state u8 @8, reserved[3]. */
export function encodeSecurityStateOutput(status: number, value: IntelSecurityState): Uint8Array {
  checkField(value.extendedState, 0xff, 'security extended_state')
  checkField(value.state, 0xff, 'security state')
  const out = new Uint8Array(SECURITY_STATE_OUTPUT_SIZE)
  view(out).setUint32(0, status >>> 0, true)
  out[4] = value.extendedState
  out[8] = value.state
  return out
}

export function decodeSecurityStateOutput(bytes: Uint8Array): { status: number } & IntelSecurityState {
  need(bytes, SECURITY_STATE_OUTPUT_SIZE, 'intel security state')
  return { status: view(bytes).getUint32(0, true), extendedState: bytes[4]!, state: bytes[8]! }
}

/**
 * A passphrase as the DSM carries it: zero-padded to 32 bytes. Longer is refused; the message
 * gives the length only, never the bytes.
 */
export function padPassphrase(passphrase: Uint8Array): Uint8Array {
  if (passphrase.length > INTEL_PASSPHRASE_SIZE) {
    throw new NvdimmError(
      'EINVAL',
      `a passphrase of ${passphrase.length} bytes is longer than the ${INTEL_PASSPHRASE_SIZE} bytes a dimm holds`,
    )
  }
  const out = new Uint8Array(INTEL_PASSPHRASE_SIZE)
  out.set(passphrase)
  return out
}

/**
 * SET_PASSPHRASE (20) and SET_MASTER_PASSPHRASE (27) input, struct nd_intel_set_passphrase:
 * old_pass[32] @0, new_pass[32] @32.
 */
export function encodeSetPassphraseInput(oldPass: Uint8Array, newPass: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * INTEL_PASSPHRASE_SIZE)
  out.set(padPassphrase(oldPass), 0)
  out.set(padPassphrase(newPass), INTEL_PASSPHRASE_SIZE)
  return out
}

export function decodeSetPassphraseInput(bytes: Uint8Array): { oldPass: Uint8Array; newPass: Uint8Array } {
  need(bytes, 2 * INTEL_PASSPHRASE_SIZE, 'intel set passphrase')
  return {
    oldPass: bytes.slice(0, INTEL_PASSPHRASE_SIZE),
    newPass: bytes.slice(INTEL_PASSPHRASE_SIZE, 2 * INTEL_PASSPHRASE_SIZE),
  }
}

/**
 * DISABLE_PASSPHRASE (21), UNLOCK_UNIT (22), SECURE_ERASE (24), OVERWRITE (25) and
 * MASTER_SECURE_ERASE (28) input: passphrase[32] @0.
 */
export function encodePassphraseInput(passphrase: Uint8Array): Uint8Array {
  return padPassphrase(passphrase)
}

export function decodePassphraseInput(bytes: Uint8Array): Uint8Array {
  need(bytes, INTEL_PASSPHRASE_SIZE, 'intel passphrase')
  return bytes.slice(0, INTEL_PASSPHRASE_SIZE)
}
