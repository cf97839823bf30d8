import { NvdimmError } from '../errors.js'

/**
 * Payloads of the label-area commands (include/uapi/linux/ndctl.h), little-endian:
 *   nd_cmd_get_config_size  { u32 status; u32 config_size; u32 max_xfer }
 *   nd_cmd_get_config_data_hdr { u32 in_offset; u32 in_length; u32 status; u8 out_buf[] }
 *   nd_cmd_set_config_hdr   { u32 in_offset; u32 in_length; u8 in_buf[] } then u32 status
 */

export interface ConfigSize {
  status: number
  configSize: number
  maxXfer: number
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function need(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length < length) {
    throw new NvdimmError('EINVAL', `${what}: payload of ${bytes.length} bytes, at least ${length} needed`)
  }
}

export function encodeConfigSize(value: ConfigSize): Uint8Array {
  const out = new Uint8Array(12)
  const dv = view(out)
  dv.setUint32(0, value.status, true)
  dv.setUint32(4, value.configSize, true)
  dv.setUint32(8, value.maxXfer, true)
  return out
}

export function decodeConfigSize(bytes: Uint8Array): ConfigSize {
  need(bytes, 12, 'get_config_size')
  const dv = view(bytes)
  return { status: dv.getUint32(0, true), configSize: dv.getUint32(4, true), maxXfer: dv.getUint32(8, true) }
}

export interface ConfigRange {
  offset: number
  length: number
}

/** The input of GET_CONFIG_DATA: offset and length. */
export function encodeGetConfigData(range: ConfigRange): Uint8Array {
  const out = new Uint8Array(8)
  view(out).setUint32(0, range.offset, true)
  view(out).setUint32(4, range.length, true)
  return out
}

export function decodeGetConfigData(bytes: Uint8Array): ConfigRange {
  need(bytes, 8, 'get_config_data')
  return { offset: view(bytes).getUint32(0, true), length: view(bytes).getUint32(4, true) }
}

/** The output of GET_CONFIG_DATA: status, then the bytes read. */
export function encodeConfigDataOut(status: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length)
  view(out).setUint32(0, status, true)
  out.set(data, 4)
  return out
}

export function decodeConfigDataOut(bytes: Uint8Array): { status: number; data: Uint8Array } {
  need(bytes, 4, 'get_config_data output')
  return { status: view(bytes).getUint32(0, true), data: bytes.subarray(4) }
}

/** The input of SET_CONFIG_DATA: offset, length, then the bytes to write. */
export function encodeSetConfigData(offset: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length)
  view(out).setUint32(0, offset, true)
  view(out).setUint32(4, data.length, true)
  out.set(data, 8)
  return out
}

export function decodeSetConfigData(bytes: Uint8Array): { offset: number; data: Uint8Array } {
  need(bytes, 8, 'set_config_data')
  const offset = view(bytes).getUint32(0, true)
  const length = view(bytes).getUint32(4, true)
  need(bytes, 8 + length, 'set_config_data')
  return { offset, data: bytes.subarray(8, 8 + length) }
}

/** The output of SET_CONFIG_DATA: the trailing u32 status. */
export function encodeStatus(status: number): Uint8Array {
  const out = new Uint8Array(4)
  view(out).setUint32(0, status, true)
  return out
}

export function decodeStatus(bytes: Uint8Array): number {
  need(bytes, 4, 'status')
  return view(bytes).getUint32(0, true)
}
