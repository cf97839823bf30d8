/**
 * Register fields are read through named descriptors, never ad-hoc masks: Dan Williams asked the
 * ocxlpmem series for "some macros to parse out these register fields" and for an endianness a
 * reviewer can check (seed 002, review of patch 13/25).
 */

/** Byte order of the 64-bit word the field lives in. The card's MMIO is little-endian. */
export type Endianness = 'little' | 'big'

export interface RegisterField {
  /** Byte offset of the 64-bit word: in the MMIO BAR, or inside an area/buffer for layouts. */
  register: number
  /** Lowest bit of the field in the word, after the word is put in host order. */
  shift: number
  width: number
  endianness: Endianness
}

/** What the driver reads registers through: `readq` that hands back the little-endian word. */
export interface OcxlMmio {
  read64(offset: number): bigint
  write64(offset: number, value: bigint): void
}

export const U64_MASK = (1n << 64n) - 1n

export function field(
  register: number,
  shift: number,
  width: number,
  endianness: Endianness = 'little',
): RegisterField {
  return Object.freeze({ register, shift, width, endianness })
}

function fieldMask(f: RegisterField): bigint {
  return (1n << BigInt(f.width)) - 1n
}

/** Reverse the bytes of a 64-bit word (swab64). */
export function swab64(word: bigint): bigint {
  let value = word & U64_MASK
  let swapped = 0n
  for (let i = 0; i < 8; i++) {
    swapped = (swapped << 8n) | (value & 0xffn)
    value >>= 8n
  }
  return swapped
}

/** Turn the little-endian word MMIO hands back into the word the field is defined in. */
function hostOrder(raw: bigint, endianness: Endianness): bigint {
  return endianness === 'little' ? raw & U64_MASK : swab64(raw)
}

/** The field's value in a raw (little-endian) word. */
export function fieldValue(raw: bigint, f: RegisterField): bigint {
  return (hostOrder(raw, f.endianness) >> BigInt(f.shift)) & fieldMask(f)
}

/** `raw` with the field set to `value` (truncated to the field's width). */
export function withField(raw: bigint, f: RegisterField, value: bigint | number): bigint {
  const mask = fieldMask(f) << BigInt(f.shift)
  const word = (hostOrder(raw, f.endianness) & ~mask) | ((BigInt(value) << BigInt(f.shift)) & mask)
  return hostOrder(word, f.endianness)
}

export function readField(mmio: OcxlMmio, f: RegisterField): bigint {
  return fieldValue(mmio.read64(f.register), f)
}

/** A field of a layout that sits at `base` in the BAR (request, response, data buffer). */
export function readFieldAt(mmio: OcxlMmio, base: number, f: RegisterField): bigint {
  return fieldValue(mmio.read64(base + f.register), f)
}

/** A field of a layout held in bytes (a copied-out data buffer); `undefined` past the end. */
export function fieldFromBytes(bytes: Uint8Array, f: RegisterField): bigint | undefined {
  if (f.register < 0 || f.register + 8 > bytes.length) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return fieldValue(view.getBigUint64(f.register, true), f)
}
