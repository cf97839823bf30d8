import { NvdimmError } from '@nvdimm/core'
import type { IntelDimmFirmware } from './intel-firmware.js'
import { intelFunctionName } from './intel-functions.js'
import { intelStatusOf } from './intel-status.js'

/**
 * How provider-side code reaches a dimm's Intel DSM: function number and input in, the DSM
 * output buffer out (status first). The provider passes one that goes through its transport;
 * a transport failure is thrown as an NvdimmError.
 */
export type IntelDsmSend = (fn: number, input: Uint8Array) => Uint8Array | Promise<Uint8Array>

/** Straight to the firmware, for tests and for callers without a transport of their own. */
export function directSend(firmware: IntelDimmFirmware): IntelDsmSend {
  return (fn, input) => firmware.call(fn, input)
}

/** Send, and read the status the answer starts with. */
export async function sendIntel(
  send: IntelDsmSend,
  fn: number,
  input: Uint8Array = new Uint8Array(0),
): Promise<{ output: Uint8Array; status: number }> {
  const output = await send(fn, input)
  return { output, status: intelStatusOf(output, `intel ${intelFunctionName(fn)}`) }
}

/** Decode a successful answer; one too short for its payload is the dimm's fault (EIO). */
export function decodeAnswer<T>(fn: number, output: Uint8Array, decode: (bytes: Uint8Array) => T): T {
  try {
    return decode(output)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw new NvdimmError('EIO', `intel ${intelFunctionName(fn)}: the dimm's answer is malformed: ${error.message}`, {
      cause: error,
    })
  }
}
