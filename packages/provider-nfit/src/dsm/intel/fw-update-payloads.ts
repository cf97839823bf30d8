import { checkField, checkU64, need, view } from './payload-bytes.js'

/**
 * Firmware-update payloads of the Intel DSM family (ndctl/lib/intel.h), packed, little-endian.
 */

/** sizeof(struct nd_intel_fw_info). */
export const FW_INFO_OUTPUT_SIZE = 44
/** sizeof(struct nd_intel_fw_start). */
export const FW_START_OUTPUT_SIZE = 8
/** sizeof(struct nd_intel_fw_send_data) without data and the trailing status. */
export const FW_SEND_HEADER_SIZE = 12
/** offsetof(struct nd_intel_fw_finish_update, status). */
export const FW_FINISH_INPUT_SIZE = 8
export const FW_FINISH_QUERY_INPUT_SIZE = 4
/** struct nd_intel_fw_finish_query after the context: status and updated_fw_rev. */
export const FW_FINISH_QUERY_OUTPUT_SIZE = 12

/** ctrl_flags of FW_FINISH_UPDATE. */
export const FwFinishControl = { FINISH: 0, ABORT: 1 } as const

export interface IntelFwInfo {
  storageSize: number
  maxSendLength: number
  /** Microseconds between finish queries. */
  queryInterval: number
  /** Microseconds a finish may take. */
  maxQueryTime: number
  updateCap: number
  fisVersion: number
  runVersion: bigint
  updatedVersion: bigint
}

/**
 * FW_GET_INFO (function 12) output: status @0, storage_size u32 @4, max_send_len @8,
 * query_interval @12, max_query_time @16, update_cap u8 @20, reserved[3], fis_version u32 @24,
 * run_version u64 @28, updated_version u64 @36.
 */
export function encodeFwInfoOutput(status: number, info: IntelFwInfo): Uint8Array {
  checkField(info.storageSize, 0xffffffff, 'fw storage_size')
  checkField(info.maxSendLength, 0xffffffff, 'fw max_send_len')
  checkField(info.queryInterval, 0xffffffff, 'fw query_interval')
  checkField(info.maxQueryTime, 0xffffffff, 'fw max_query_time')
  checkField(info.updateCap, 0xff, 'fw update_cap')
  checkField(info.fisVersion, 0xffffffff, 'fw fis_version')
  checkU64(info.runVersion, 'fw run_version')
  checkU64(info.updatedVersion, 'fw updated_version')
  const out = new Uint8Array(FW_INFO_OUTPUT_SIZE)
  const dv = view(out)
  dv.setUint32(0, status >>> 0, true)
  dv.setUint32(4, info.storageSize, true)
  dv.setUint32(8, info.maxSendLength, true)
  dv.setUint32(12, info.queryInterval, true)
  dv.setUint32(16, info.maxQueryTime, true)
  out[20] = info.updateCap
  dv.setUint32(24, info.fisVersion, true)
  dv.setBigUint64(28, info.runVersion, true)
  dv.setBigUint64(36, info.updatedVersion, true)
  return out
}

export function decodeFwInfoOutput(bytes: Uint8Array): { status: number; info: IntelFwInfo } {
  need(bytes, FW_INFO_OUTPUT_SIZE, 'intel fw info')
  const dv = view(bytes)
  return {
    status: dv.getUint32(0, true),
    info: {
      storageSize: dv.getUint32(4, true),
      maxSendLength: dv.getUint32(8, true),
      queryInterval: dv.getUint32(12, true),
      maxQueryTime: dv.getUint32(16, true),
      updateCap: bytes[20]!,
      fisVersion: dv.getUint32(24, true),
      runVersion: dv.getBigUint64(28, true),
      updatedVersion: dv.getBigUint64(36, true),
    },
  }
}

/** FW_START_UPDATE (function 13) output: status @0, context u32 @4; no input. */
export function encodeFwStartOutput(status: number, context: number): Uint8Array {
  checkField(context, 0xffffffff, 'fw context')
  const out = new Uint8Array(FW_START_OUTPUT_SIZE)
  view(out).setUint32(0, status >>> 0, true)
  view(out).setUint32(4, context, true)
  return out
}

export function decodeFwStartOutput(bytes: Uint8Array): { status: number; context: number } {
  need(bytes, FW_START_OUTPUT_SIZE, 'intel fw start')
  return { status: view(bytes).getUint32(0, true), context: view(bytes).getUint32(4, true) }
}

export interface IntelFwSendData {
  context: number
  offset: number
  data: Uint8Array
}

/**
 * FW_SEND_DATA (function 14) input: context u32 @0, offset u32 @4, length u32 @8, data[length]
 * @12; the output is the u32 status libndctl reads right after the data.
 */
export function encodeFwSendInput(value: IntelFwSendData): Uint8Array {
  checkField(value.context, 0xffffffff, 'fw context')
  checkField(value.offset, 0xffffffff, 'fw offset')
  const out = new Uint8Array(FW_SEND_HEADER_SIZE + value.data.length)
  const dv = view(out)
  dv.setUint32(0, value.context, true)
  dv.setUint32(4, value.offset, true)
  dv.setUint32(8, value.data.length, true)
  out.set(value.data, FW_SEND_HEADER_SIZE)
  return out
}

export function decodeFwSendInput(bytes: Uint8Array): IntelFwSendData {
  need(bytes, FW_SEND_HEADER_SIZE, 'intel fw send data')
  const dv = view(bytes)
  const length = dv.getUint32(8, true)
  need(bytes, FW_SEND_HEADER_SIZE + length, 'intel fw send data')
  return {
    context: dv.getUint32(0, true),
    offset: dv.getUint32(4, true),
    data: bytes.subarray(FW_SEND_HEADER_SIZE, FW_SEND_HEADER_SIZE + length),
  }
}

export interface IntelFwFinish {
  /** FwFinishControl: 0 finish, 1 abort. */
  ctrlFlags: number
  context: number
}

/** FW_FINISH_UPDATE (function 15) input: ctrl_flags u8 @0, reserved[3], context u32 @4; output is a status. */
export function encodeFwFinishInput(value: IntelFwFinish): Uint8Array {
  checkField(value.ctrlFlags, 0xff, 'fw ctrl_flags')
  checkField(value.context, 0xffffffff, 'fw context')
  const out = new Uint8Array(FW_FINISH_INPUT_SIZE)
  out[0] = value.ctrlFlags
  view(out).setUint32(4, value.context, true)
  return out
}

export function decodeFwFinishInput(bytes: Uint8Array): IntelFwFinish {
  need(bytes, FW_FINISH_INPUT_SIZE, 'intel fw finish')
  return { ctrlFlags: bytes[0]!, context: view(bytes).getUint32(4, true) }
}

/** FW_FINISH_STATUS_QUERY (function 16) input: context u32 @0. */
export function encodeFwFinishQueryInput(context: number): Uint8Array {
  checkField(context, 0xffffffff, 'fw context')
  const out = new Uint8Array(FW_FINISH_QUERY_INPUT_SIZE)
  view(out).setUint32(0, context, true)
  return out
}

export function decodeFwFinishQueryInput(bytes: Uint8Array): number {
  need(bytes, FW_FINISH_QUERY_INPUT_SIZE, 'intel fw finish query')
  return view(bytes).getUint32(0, true)
}

/** FW_FINISH_STATUS_QUERY output: status @0, updated_fw_rev u64 @4. */
export function encodeFwFinishQueryOutput(status: number, updatedVersion: bigint): Uint8Array {
  checkU64(updatedVersion, 'fw updated_fw_rev')
  const out = new Uint8Array(FW_FINISH_QUERY_OUTPUT_SIZE)
  view(out).setUint32(0, status >>> 0, true)
  view(out).setBigUint64(4, updatedVersion, true)
  return out
}

export function decodeFwFinishQueryOutput(bytes: Uint8Array): { status: number; updatedVersion: bigint } {
  need(bytes, FW_FINISH_QUERY_OUTPUT_SIZE, 'intel fw finish query output')
  return { status: view(bytes).getUint32(0, true), updatedVersion: view(bytes).getBigUint64(4, true) }
}
