import { checkU64, checkUint, need, view } from './bytes.js'

/**
 * Address Range Scrub payloads of the NFIT bus DSM (functions 1-3), split the way
 * acpi_nfit_ctl() splits struct nd_cmd_ars_* (include/uapi/linux/ndctl.h, ndctl/ndctl.h) into
 * the DSM's input and its status-first output. Little-endian, packed.
 */

/** nd_cmd_ars_cap in: { u64 address @0; u64 length @8 } (also CLEAR_ERROR's input). */
export interface SpaRangeInput {
  address: bigint
  length: bigint
}

export const SPA_RANGE_INPUT_SIZE = 16

export function encodeSpaRangeInput(value: SpaRangeInput): Uint8Array {
  checkU64(value.address, 'address')
  checkU64(value.length, 'length')
  const out = new Uint8Array(SPA_RANGE_INPUT_SIZE)
  view(out).setBigUint64(0, value.address, true)
  view(out).setBigUint64(8, value.length, true)
  return out
}

export function decodeSpaRangeInput(bytes: Uint8Array, what = 'spa range'): SpaRangeInput {
  need(bytes, SPA_RANGE_INPUT_SIZE, what)
  return { address: view(bytes).getBigUint64(0, true), length: view(bytes).getBigUint64(8, true) }
}

/**
 * nd_cmd_ars_cap out: { u32 status @0 (high 16 bits: ND_ARS_VOLATILE | ND_ARS_PERSISTENT);
 * u32 max_ars_out @4; u32 clear_err_unit @8; u16 flags @12; u16 reserved @14 }.
 */
export interface ArsCapOutput {
  status: number
  maxArsOut: number
  clearErrorUnit: number
  flags: number
}

export const ARS_CAP_OUTPUT_SIZE = 16

export function encodeArsCapOutput(value: ArsCapOutput): Uint8Array {
  checkUint(value.status, 32, 'ars_cap status')
  checkUint(value.maxArsOut, 32, 'max_ars_out')
  checkUint(value.clearErrorUnit, 32, 'clear_err_unit')
  checkUint(value.flags, 16, 'ars_cap flags')
  const out = new Uint8Array(ARS_CAP_OUTPUT_SIZE)
  const dv = view(out)
  dv.setUint32(0, value.status, true)
  dv.setUint32(4, value.maxArsOut, true)
  dv.setUint32(8, value.clearErrorUnit, true)
  dv.setUint16(12, value.flags, true)
  return out
}

export function decodeArsCapOutput(bytes: Uint8Array): ArsCapOutput {
  need(bytes, ARS_CAP_OUTPUT_SIZE, 'ars_cap output')
  const dv = view(bytes)
  return {
    status: dv.getUint32(0, true),
    maxArsOut: dv.getUint32(4, true),
    clearErrorUnit: dv.getUint32(8, true),
    flags: dv.getUint16(12, true),
  }
}

/** nd_cmd_ars_start in: { u64 address @0; u64 length @8; u16 type @16; u8 flags @18; u8 reserved[5] @19 }. */
export interface ArsStartInput {
  address: bigint
  length: bigint
  /** ND_ARS_PERSISTENT or ND_ARS_VOLATILE. */
  type: number
  /** ND_ARS_RETURN_PREV_DATA for a short ARS. */
  flags: number
}

export const ARS_START_INPUT_SIZE = 24

export function encodeArsStartInput(value: ArsStartInput): Uint8Array {
  checkU64(value.address, 'address')
  checkU64(value.length, 'length')
  checkUint(value.type, 16, 'ars type')
  checkUint(value.flags, 8, 'ars flags')
  const out = new Uint8Array(ARS_START_INPUT_SIZE)
  const dv = view(out)
  dv.setBigUint64(0, value.address, true)
  dv.setBigUint64(8, value.length, true)
  dv.setUint16(16, value.type, true)
  dv.setUint8(18, value.flags)
  return out
}

export function decodeArsStartInput(bytes: Uint8Array): ArsStartInput {
  need(bytes, ARS_START_INPUT_SIZE, 'ars_start input')
  const dv = view(bytes)
  return {
    address: dv.getBigUint64(0, true),
    length: dv.getBigUint64(8, true),
    type: dv.getUint16(16, true),
    flags: dv.getUint8(18),
  }
}

/** nd_cmd_ars_start out: { u32 status @0 (NFIT_ARS_START_BUSY while one runs); u32 scrub_time @4 (s) }. */
export interface ArsStartOutput {
  status: number
  scrubTime: number
}

export const ARS_START_OUTPUT_SIZE = 8

export function encodeArsStartOutput(value: ArsStartOutput): Uint8Array {
  checkUint(value.status, 32, 'ars_start status')
  checkUint(value.scrubTime, 32, 'scrub_time')
  const out = new Uint8Array(ARS_START_OUTPUT_SIZE)
  view(out).setUint32(0, value.status, true)
  view(out).setUint32(4, value.scrubTime, true)
  return out
}

export function decodeArsStartOutput(bytes: Uint8Array): ArsStartOutput {
  need(bytes, ARS_START_OUTPUT_SIZE, 'ars_start output')
  return { status: view(bytes).getUint32(0, true), scrubTime: view(bytes).getUint32(4, true) }
}

/** struct nd_ars_record: { u32 handle @0; u32 reserved @4; u64 err_address @8; u64 length @16 }. */
export interface ArsRecord {
  handle: number
  address: bigint
  length: bigint
}

export const ARS_RECORD_SIZE = 24
/** nd_cmd_ars_status up to records[]: the status word, then 44 bytes that out_length counts. */
export const ARS_STATUS_HEADER_SIZE = 48
/** out_length counts itself and what follows the status word (ACPI 6.1 table 9-276). */
export const ARS_STATUS_OUT_LENGTH_BASE = 44

/**
 * nd_cmd_ars_status out: { u32 status @0; u32 out_length @4; u64 address @8; u64 length @16;
 * u64 restart_address @24; u64 restart_length @32; u16 type @40; u16 flags @42;
 * u32 num_records @44; struct nd_ars_record records[] @48 }.
 */
export interface ArsStatusOutput {
  status: number
  outLength: number
  address: bigint
  length: bigint
  restartAddress: bigint
  restartLength: bigint
  type: number
  flags: number
  numRecords: number
  /** The records the buffer holds whole (at most num_records). */
  records: ArsRecord[]
}

/** The answer of an ARS_STATUS with these records: out_length counted as ACPI does. */
export function encodeArsStatusOutput(value: Omit<ArsStatusOutput, 'outLength' | 'numRecords'>): Uint8Array {
  checkUint(value.status, 32, 'ars_status status')
  checkU64(value.address, 'address')
  checkU64(value.length, 'length')
  checkU64(value.restartAddress, 'restart_address')
  checkU64(value.restartLength, 'restart_length')
  checkUint(value.type, 16, 'ars type')
  checkUint(value.flags, 16, 'ars flags')
  const out = new Uint8Array(ARS_STATUS_HEADER_SIZE + value.records.length * ARS_RECORD_SIZE)
  const dv = view(out)
  dv.setUint32(0, value.status, true)
  dv.setUint32(4, ARS_STATUS_OUT_LENGTH_BASE + value.records.length * ARS_RECORD_SIZE, true)
  dv.setBigUint64(8, value.address, true)
  dv.setBigUint64(16, value.length, true)
  dv.setBigUint64(24, value.restartAddress, true)
  dv.setBigUint64(32, value.restartLength, true)
  dv.setUint16(40, value.type, true)
  dv.setUint16(42, value.flags, true)
  dv.setUint32(44, value.records.length, true)
  value.records.forEach((record, index) => {
    const at = ARS_STATUS_HEADER_SIZE + index * ARS_RECORD_SIZE
    checkUint(record.handle, 32, 'record handle')
    checkU64(record.address, 'err_address')
    checkU64(record.length, 'record length')
    dv.setUint32(at, record.handle, true)
    dv.setBigUint64(at + 8, record.address, true)
    dv.setBigUint64(at + 16, record.length, true)
  })
  return out
}

/** Only the status word is required; the rest is read as far as the buffer goes (a BUSY answer may stop early). */
export function decodeArsStatusOutput(bytes: Uint8Array): ArsStatusOutput {
  need(bytes, 4, 'ars_status output')
  const dv = view(bytes)
  const u32 = (at: number) => (bytes.length >= at + 4 ? dv.getUint32(at, true) : 0)
  const u16 = (at: number) => (bytes.length >= at + 2 ? dv.getUint16(at, true) : 0)
  const u64 = (at: number) => (bytes.length >= at + 8 ? dv.getBigUint64(at, true) : 0n)
  const numRecords = u32(44)
  const whole =
    bytes.length >= ARS_STATUS_HEADER_SIZE ? Math.floor((bytes.length - ARS_STATUS_HEADER_SIZE) / ARS_RECORD_SIZE) : 0
  const records: ArsRecord[] = []
  for (let i = 0; i < Math.min(numRecords, whole); i++) {
    const at = ARS_STATUS_HEADER_SIZE + i * ARS_RECORD_SIZE
    records.push({
      handle: dv.getUint32(at, true),
      address: dv.getBigUint64(at + 8, true),
      length: dv.getBigUint64(at + 16, true),
    })
  }
  return {
    status: dv.getUint32(0, true),
    outLength: u32(4),
    address: u64(8),
    length: u64(16),
    restartAddress: u64(24),
    restartLength: u64(32),
    type: u16(40),
    flags: u16(42),
    numRecords,
    records,
  }
}
