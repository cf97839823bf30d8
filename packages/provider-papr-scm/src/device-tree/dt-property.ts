/**
 * Property values as Open Firmware stores them (Devicetree Specification v0.4 §2.2.4):
 * big-endian 32-bit cells, a u64 as two cells, NUL-terminated strings, string lists as strings
 * back to back, and empty values for booleans. The readers behave like the kernel's
 * of_property_read_*() (drivers/of/property.c): a value too short for its type counts as missing.
 *
 * Names and strings are byte strings in a blob; they are held here as latin1 text (one char per
 * byte), so any blob decodes and encodes back without loss.
 */
import { NvdimmError } from '@nvdimm/core'

export interface DtProperty {
  name: string
  value: Uint8Array
}

export const EMPTY_VALUE: Uint8Array = new Uint8Array(0)

/** Bytes → text, one char per byte. */
export function latin1FromBytes(bytes: Uint8Array): string {
  let text = ''
  // Chunked: String.fromCharCode(...) over a large array would overflow the call stack.
  for (let i = 0; i < bytes.length; i += 0x2000) text += String.fromCharCode(...bytes.subarray(i, i + 0x2000))
  return text
}

/** Text → bytes, one byte per char; a char above 0xff has no byte and is refused. */
export function latin1ToBytes(text: string, what = 'text'): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0xff)
      throw new NvdimmError('EINVAL', `${what} ${JSON.stringify(text)}: char ${i} (U+${hex4(code)}) is not a byte`)
    bytes[i] = code
  }
  return bytes
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0')
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new NvdimmError('EINVAL', `${what} ${value} is not a 32-bit cell value (0…0xffffffff)`)
}

/** `<a b c>`: one big-endian cell per number. */
export function cellsValue(...cells: number[]): Uint8Array {
  const bytes = new Uint8Array(cells.length * 4)
  const view = new DataView(bytes.buffer)
  cells.forEach((cell, i) => {
    checkU32(cell, 'cell')
    view.setUint32(i * 4, cell)
  })
  return bytes
}

/** fdt_setprop_u64(): two cells, high word first. */
export function u64Value(value: bigint): Uint8Array {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn)
    throw new NvdimmError('EINVAL', `${value} is not a 64-bit property value (0…2^64-1)`)
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, value)
  return bytes
}

/** fdt_setprop_string(): the text and its NUL. */
export function stringValue(text: string): Uint8Array {
  if (text.includes('\0')) throw new NvdimmError('EINVAL', `string ${JSON.stringify(text)} holds a NUL`)
  const bytes = new Uint8Array(text.length + 1)
  bytes.set(latin1ToBytes(text, 'string'))
  return bytes
}

/** A string list ("a", "b"): each string with its NUL. */
export function stringListValue(list: readonly string[]): Uint8Array {
  const parts = list.map((text) => stringValue(text))
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.length
  }
  return bytes
}

export function dtProperty(name: string, value: Uint8Array = EMPTY_VALUE): DtProperty {
  return { name, value }
}

/** of_property_read_u32(): the first cell, or undefined when the value is shorter than one. */
export function readU32(value: Uint8Array): number | undefined {
  if (value.length < 4) return undefined
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0)
}

/** of_property_read_u64(): the first two cells as one number, or undefined when shorter. */
export function readU64(value: Uint8Array): bigint | undefined {
  if (value.length < 8) return undefined
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(0)
}

/** Every cell, or undefined when the length is not a whole number of cells. */
export function readCells(value: Uint8Array): number[] | undefined {
  if (value.length % 4 !== 0) return undefined
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const cells: number[] = []
  for (let at = 0; at < value.length; at += 4) cells.push(view.getUint32(at))
  return cells
}

/**
 * of_property_read_string(): the text up to the first NUL; undefined for an empty value
 * (-ENODATA) or one with no NUL inside it (-EILSEQ).
 */
export function readString(value: Uint8Array): string | undefined {
  const end = value.indexOf(0)
  if (end < 0) return undefined
  return latin1FromBytes(value.subarray(0, end))
}

/** of_property_read_string_array(): every string, or undefined unless the value ends with a NUL. */
export function readStringList(value: Uint8Array): string[] | undefined {
  if (value.length === 0 || value[value.length - 1] !== 0) return undefined
  return latin1FromBytes(value.subarray(0, value.length - 1)).split('\0')
}
