/**
 * GUIDs as the NFIT stores them: mixed-endian (EFI_GUID / guid_t), the first three fields
 * little-endian and the last eight bytes as written. QEMU writes the PM range GUID with
 * NVDIMM_UUID_LE(0x66f0d379, 0xb4f3, 0x4074, ...), giving bytes 79 d3 f0 66 f3 b4 74 40 ac 43 ...
 */
import { NvdimmError } from '@nvdimm/core'

export const GUID_SIZE = 16

const GUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** Text position of each stored byte's two hex digits (ACPICA's AcpiGbl_MapToUuidOffset). */
const TEXT_OFFSET_OF_BYTE = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34]

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

export function isGuid(text: string): boolean {
  return GUID_TEXT.test(text)
}

/** The GUID stored at `offset`, as lower-case 8-4-4-4-12 text. */
export function decodeGuid(bytes: Uint8Array, offset = 0): string {
  const text: string[] = new Array<string>(36).fill('-')
  for (let i = 0; i < GUID_SIZE; i++) {
    const pair = HEX[bytes[offset + i] ?? 0]!
    const at = TEXT_OFFSET_OF_BYTE[i]!
    text[at] = pair[0]!
    text[at + 1] = pair[1]!
  }
  return text.join('')
}

/** Writes a GUID's 16 stored bytes at `offset`; EINVAL for text that is not a GUID. */
export function encodeGuid(text: string, target: Uint8Array, offset = 0): void {
  if (!isGuid(text))
    throw new NvdimmError('EINVAL', `'${text}' is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`)
  for (let i = 0; i < GUID_SIZE; i++) {
    const at = TEXT_OFFSET_OF_BYTE[i]!
    target[offset + i] = Number.parseInt(text.slice(at, at + 2), 16)
  }
}

export function guidToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(GUID_SIZE)
  encodeGuid(text, bytes)
  return bytes
}

/**
 * SPA range types (include/acpi/acuuid.h UUID_*; drivers/acpi/nfit/nfit.h enum nfit_uuids),
 * named as the kernel's spa_type_name() prints them.
 */
export const SPA_RANGE_TYPES = [
  { name: 'volatile', guid: '7305944f-fdda-44e3-b16c-3f22d252e5d0', description: 'Volatile memory' },
  { name: 'pmem', guid: '66f0d379-b4f3-4074-ac43-0d3318b78cdb', description: 'Persistent memory' },
  { name: 'dimm-control-region', guid: '92f701f6-13b4-405d-910b-299367e8234c', description: 'NVDIMM control region' },
  { name: 'block-data-window', guid: '91af0530-5d86-470e-a6b0-0a2db9408249', description: 'NVDIMM block data window' },
  { name: 'volatile-disk', guid: '77ab535a-45fc-624b-5560-f7b281d1f96e', description: 'Volatile virtual disk' },
  { name: 'volatile-cd', guid: '3d5abd30-4175-87ce-6d64-d2ade523c4bb', description: 'Volatile virtual CD' },
  { name: 'persistent-disk', guid: '5cea02c9-4d07-69d3-269f-4496fbe096f9', description: 'Persistent virtual disk' },
  { name: 'persistent-cd', guid: '08018188-42cd-bb48-100f-5387d53ded3d', description: 'Persistent virtual CD' },
] as const

export type SpaRangeTypeName = (typeof SPA_RANGE_TYPES)[number]['name']

export const SPA_PM_GUID = SPA_RANGE_TYPES[1].guid

const RANGE_TYPE_BY_GUID = new Map<string, SpaRangeTypeName>(SPA_RANGE_TYPES.map((type) => [type.guid, type.name]))
const RANGE_GUID_BY_NAME = new Map<string, string>(SPA_RANGE_TYPES.map((type) => [type.name, type.guid]))

/** The kernel's name for a range GUID ("pmem", ...), or "unknown" as spa_type_name() says. */
export function spaRangeTypeName(guid: string): SpaRangeTypeName | 'unknown' {
  return RANGE_TYPE_BY_GUID.get(guid.toLowerCase()) ?? 'unknown'
}

/** The range GUID for a kernel range-type name, or undefined. */
export function spaRangeGuid(name: string): string | undefined {
  return RANGE_GUID_BY_NAME.get(name)
}
