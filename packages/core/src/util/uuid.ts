import { randomUUID } from 'node:crypto'
import { NvdimmError } from '../errors.js'

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export const NULL_UUID = '00000000-0000-0000-0000-000000000000'

export function isUuid(text: string): boolean {
  return UUID_TEXT.test(text)
}

/** A uuid as libuuid prints it: lower case, 8-4-4-4-12. */
export function normalizeUuid(text: string): string {
  if (!isUuid(text))
    throw new NvdimmError('EINVAL', `'${text}' is not a uuid (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`)
  return text.toLowerCase()
}

export function newUuid(): string {
  return randomUUID()
}

/** uuid_t bytes (RFC 4122, big-endian fields), as labels store a namespace uuid. */
export function uuidToBytes(text: string): Uint8Array {
  const hexText = normalizeUuid(text).replace(/-/g, '')
  return Uint8Array.from(hexText.match(/../g)!, (pair) => Number.parseInt(pair, 16))
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

export function uuidFromBytes(bytes: Uint8Array): string {
  const h = (i: number) => HEX[bytes[i] ?? 0]!
  return (
    h(0) +
    h(1) +
    h(2) +
    h(3) +
    '-' +
    h(4) +
    h(5) +
    '-' +
    h(6) +
    h(7) +
    '-' +
    h(8) +
    h(9) +
    '-' +
    h(10) +
    h(11) +
    h(12) +
    h(13) +
    h(14) +
    h(15)
  )
}

/** guid_t bytes: the first three fields little-endian (guid_parse()), as type and abstraction GUIDs are stored. */
export function guidToBytes(text: string): Uint8Array {
  const bytes = uuidToBytes(text)
  return Uint8Array.from([
    bytes[3]!,
    bytes[2]!,
    bytes[1]!,
    bytes[0]!,
    bytes[5]!,
    bytes[4]!,
    bytes[7]!,
    bytes[6]!,
    ...bytes.subarray(8),
  ])
}

export function guidFromBytes(bytes: Uint8Array): string {
  const b = bytes.subarray(0, 16)
  return uuidFromBytes(Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]))
}
