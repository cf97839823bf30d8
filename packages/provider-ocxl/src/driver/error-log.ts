import { NvdimmError } from '@nvdimm/core'
import {
  ADMIN_COMMAND_ERRLOG,
  DATA_HEADER_SIZE,
  DATA_IDENTIFIER,
  DATA_LENGTH,
  ERROR_LOG_FIXED_LENGTH,
  ERROR_LOG_IDENTIFIER,
  ERROR_LOG_LOG_IDENTIFIER,
  ERROR_LOG_PROGRAM_REFERENCE_CODE,
  ERROR_LOG_TIMESTAMP,
  fieldFromBytes,
  GLOBAL_MMIO_CHI_ELA,
} from '../card/index.js'
import type { AdminCommandEngine } from './admin-command-engine.js'

export interface OcxlErrorLog {
  logIdentifier: number
  programReferenceCode: number
  /** Card milliseconds since power-on when the entry was made. */
  timestamp: bigint
  /** Bytes the card returned after the 64-bit header (the header's data_length). */
  length: number
  /** The returned bytes after the header, cut to the caller's buffer length. */
  data: Uint8Array
}

/** The ioctl's buf_size is a u16 of whole u64 words. */
export const ERROR_LOG_MAX_BUFFER = 0xfff8

function checkBufferLength(bufferLength: number): void {
  if (
    !Number.isInteger(bufferLength) ||
    bufferLength < 0 ||
    bufferLength > ERROR_LOG_MAX_BUFFER ||
    bufferLength % 8 !== 0
  ) {
    throw new NvdimmError(
      'EINVAL',
      `error log buffer length ${bufferLength} must be a multiple of 8 in 0..${ERROR_LOG_MAX_BUFFER}`,
    )
  }
}

/**
 * error_log_header_parse() and the words after it (patch 16/25); EINVAL on anything malformed.
 * `partial`: the block was cut short on its way (a small ND_CMD_CALL output room), so its data
 * may end early; the header and fixed fields must still be whole.
 */
export function decodeErrorLog(
  bytes: Uint8Array,
  bufferLength: number = ERROR_LOG_MAX_BUFFER,
  partial = false,
): OcxlErrorLog {
  checkBufferLength(bufferLength)
  const identifier = fieldFromBytes(bytes, DATA_IDENTIFIER)
  const length = fieldFromBytes(bytes, DATA_LENGTH)
  if (identifier === undefined || length === undefined) {
    throw new NvdimmError('EINVAL', `error log data is ${bytes.length} bytes, shorter than its 8-byte header`)
  }
  if (identifier !== BigInt(ERROR_LOG_IDENTIFIER)) {
    const text = String.fromCharCode(Number(identifier >> 8n), Number(identifier & 0xffn)).replace(/[^\x20-\x7e]/g, '?')
    throw new NvdimmError(
      'EINVAL',
      `Bad data identifier for error log data, expected 'EL', got '${text}' (0x${identifier.toString(16)}), data_length=${length}`,
    )
  }
  const dataLength = Number(length)
  const end = DATA_HEADER_SIZE + dataLength
  if (
    dataLength < ERROR_LOG_FIXED_LENGTH ||
    (partial ? DATA_HEADER_SIZE + ERROR_LOG_FIXED_LENGTH : end) > bytes.length
  ) {
    throw new NvdimmError(
      'EINVAL',
      `error log data_length=${dataLength} does not fit: at least ${ERROR_LOG_FIXED_LENGTH}, and ${bytes.length - DATA_HEADER_SIZE} bytes were returned`,
    )
  }
  const body = bytes.subarray(DATA_HEADER_SIZE, Math.min(end, bytes.length))
  return {
    logIdentifier: Number(fieldFromBytes(bytes, ERROR_LOG_LOG_IDENTIFIER)),
    programReferenceCode: Number(fieldFromBytes(bytes, ERROR_LOG_PROGRAM_REFERENCE_CODE)),
    timestamp: fieldFromBytes(bytes, ERROR_LOG_TIMESTAMP) ?? 0n,
    length: dataLength,
    data: body.slice(0, Math.min(bufferLength, body.length)),
  }
}

/**
 * read_error_log() (patch 16/25): the buffer must be whole u64 words (EINVAL), CHI.ELA must be
 * set (EAGAIN), then ERRLOG is run and its 'EL' block checked. Each call takes the oldest
 * entry; the whole block comes back as the card wrote it.
 */
export async function retrieveErrorLog(engine: AdminCommandEngine, bufferLength: number): Promise<Uint8Array> {
  checkBufferLength(bufferLength)
  if (!(engine.chi() & GLOBAL_MMIO_CHI_ELA)) {
    throw new NvdimmError('EAGAIN', 'no error log is available (CHI.ELA is clear)')
  }
  const { data } = await engine.execute(ADMIN_COMMAND_ERRLOG)
  decodeErrorLog(data)
  return data
}

/** retrieveErrorLog(), decoded. */
export async function readErrorLog(engine: AdminCommandEngine, bufferLength: number): Promise<OcxlErrorLog> {
  return decodeErrorLog(await retrieveErrorLog(engine, bufferLength), bufferLength)
}
