import { fletcher64 } from '../../util/fletcher64.js'
import { guidFromBytes, guidToBytes, NULL_UUID, uuidFromBytes, uuidToBytes } from '../../util/uuid.js'

/**
 * A namespace label (struct nvdimm_efi_label, drivers/nvdimm/label.h): 128 bytes in v1.1,
 * 256 in v1.2, little-endian:
 *   0 uuid[16]   16 name[64]   80 flags u32   84 nlabel u16   86 position u16
 *   88 isetcookie u64   96 lbasize u64   104 dpa u64   112 rawsize u64   120 slot u32
 *   v1.2: 124 align u8   125 reserved[3]   128 type_guid[16]   144 abstraction_guid[16]
 *         160 reserved2[88]   248 checksum u64 (fletcher64 over 256 bytes, field zeroed)
 */

export const NSLABEL_NAME_LEN = 64
export const NSLABEL_FLAG_ROLABEL = 0x1
export const NSLABEL_FLAG_LOCAL = 0x2
export const NSLABEL_FLAG_BTT = 0x4
export const NSLABEL_FLAG_UPDATING = 0x8

export type LabelSize = 128 | 256

/** Claim classes as abstraction GUIDs (label.h). */
export const ABSTRACTION_GUID = {
  btt: '8aed63a2-29a2-4c66-8b12-f05d15d3922a',
  btt2: '18633bfc-1735-4217-8ac9-17239282d3f8',
  pfn: '266400ba-fb9f-4677-bcb0-968f11d0d225',
  dax: '97a86d9c-3cdd-4eda-986f-5068b4f80088',
} as const

export interface NamespaceLabel {
  uuid: string
  name: string
  flags: number
  nlabel: number
  position: number
  isetcookie: bigint
  lbasize: bigint
  dpa: bigint
  rawsize: bigint
  slot: number
  /** v1.2 fields; read as zero from a 128-byte label. */
  align: number
  typeGuid: string
  abstractionGuid: string
  checksum: bigint
}

function decodeName(bytes: Uint8Array): string {
  if (bytes[0] === 0) return ''
  const end = bytes.indexOf(0)
  return new TextDecoder('utf-8').decode(end < 0 ? bytes : bytes.subarray(0, end))
}

export function decodeLabel(bytes: Uint8Array, size: LabelSize): NamespaceLabel {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const v12 = size >= 256
  return {
    uuid: uuidFromBytes(bytes.subarray(0, 16)),
    name: decodeName(bytes.subarray(16, 16 + NSLABEL_NAME_LEN)),
    flags: view.getUint32(80, true),
    nlabel: view.getUint16(84, true),
    position: view.getUint16(86, true),
    isetcookie: view.getBigUint64(88, true),
    lbasize: view.getBigUint64(96, true),
    dpa: view.getBigUint64(104, true),
    rawsize: view.getBigUint64(112, true),
    slot: view.getUint32(120, true),
    align: v12 ? bytes[124]! : 0,
    typeGuid: v12 ? guidFromBytes(bytes.subarray(128, 144)) : NULL_UUID,
    abstractionGuid: v12 ? guidFromBytes(bytes.subarray(144, 160)) : NULL_UUID,
    checksum: v12 ? view.getBigUint64(248, true) : 0n,
  }
}

/** Encode a label of `size` bytes; a v1.2 label gets its checksum computed. */
export function encodeLabel(label: NamespaceLabel, size: LabelSize): Uint8Array {
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  bytes.set(uuidToBytes(label.uuid), 0)
  const name = new TextEncoder().encode(label.name)
  bytes.set(name.subarray(0, NSLABEL_NAME_LEN), 16)
  view.setUint32(80, label.flags, true)
  view.setUint16(84, label.nlabel, true)
  view.setUint16(86, label.position, true)
  view.setBigUint64(88, label.isetcookie, true)
  view.setBigUint64(96, label.lbasize, true)
  view.setBigUint64(104, label.dpa, true)
  view.setBigUint64(112, label.rawsize, true)
  view.setUint32(120, label.slot, true)
  if (size >= 256) {
    bytes[124] = label.align
    bytes.set(guidToBytes(label.typeGuid), 128)
    bytes.set(guidToBytes(label.abstractionGuid), 144)
    view.setBigUint64(248, fletcher64(bytes), true)
  }
  return bytes
}

/** The checksum a 256-byte label's bytes should carry. */
export function labelChecksum(bytes: Uint8Array): bigint {
  const copy = bytes.slice(0, 256)
  new DataView(copy.buffer).setBigUint64(248, 0n, true)
  return fletcher64(copy)
}
