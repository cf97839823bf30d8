import { NvdimmError } from '@nvdimm/core'

/** Little-endian field access for the bus DSM payloads, and the length check every decoder starts with. */

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function need(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length < length) {
    throw new NvdimmError('EINVAL', `${what}: payload of ${bytes.length} bytes, at least ${length} needed`)
  }
}

const U64_MAX = (1n << 64n) - 1n

/** The value written to a field must fit it: a caller's mistake, EINVAL. */
export function checkU64(value: bigint, what: string): void {
  if (value < 0n || value > U64_MAX)
    throw new NvdimmError('EINVAL', `${what}: 0x${value.toString(16)} does not fit a u64`)
}

export function checkUint(value: number, bits: 8 | 16 | 32, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new NvdimmError('EINVAL', `${what}: ${value} does not fit a u${bits}`)
  }
}
