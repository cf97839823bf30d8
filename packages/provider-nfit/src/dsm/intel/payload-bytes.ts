import { NvdimmError } from '@nvdimm/core'

/** Little-endian access to a payload, and the length check every decoder starts with. */

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function need(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length < length) {
    throw new NvdimmError('EINVAL', `${what}: payload of ${bytes.length} bytes, at least ${length} needed`)
  }
}

export function checkField(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new NvdimmError('EINVAL', `${what}: ${value} does not fit the field (0..${max})`)
  }
}

export function checkU64(value: bigint, what: string): void {
  if (value < 0n || value > 0xffffffffffffffffn) {
    throw new NvdimmError('EINVAL', `${what}: 0x${value.toString(16)} does not fit a u64`)
  }
}
