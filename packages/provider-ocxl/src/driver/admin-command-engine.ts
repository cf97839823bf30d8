import { type Errno, NvdimmError } from '@nvdimm/core'
import {
  ACMA_DATA_OFFSET,
  ACMA_DATA_SIZE,
  ACMA_REQUEST_OFFSET,
  ACMA_RESPONSE_OFFSET,
  ADMIN_COMMAND_CONTROLLER_DUMP,
  ADMIN_COMMAND_CONTROLLER_STATS,
  ADMIN_COMMAND_ERRLOG,
  ADMIN_COMMAND_FW_UPDATE,
  ADMIN_COMMAND_HEARTBEAT,
  ADMIN_COMMAND_SHUTDOWN,
  ADMIN_COMMAND_SMART,
  adminCommandName,
  type Clock,
  GLOBAL_MMIO_CHI,
  GLOBAL_MMIO_HCI,
  GLOBAL_MMIO_HCI_ACRW,
  type OcxlMmio,
  readField,
  readFieldAt,
  REQUEST_COMMAND_ID,
  REQUEST_OPCODE,
  RESPONSE_COMMAND_ID,
  RESPONSE_DATA_LENGTH,
  RESPONSE_OPCODE,
  RESPONSE_RESULT,
  RESPONSE_STATUS,
  STATUS_BLOCKED_BG_TASK,
  STATUS_DEVICE_ERROR,
  STATUS_INVALID_COMMAND,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_DATA,
  STATUS_SUCCESS,
  statusName,
  withField,
} from '../card/index.js'

/** #define DEFAULT_TIMEOUT 100 (patch 14/25). */
export const ADMIN_DEFAULT_TIMEOUT_MS = 100

/** Per-command timeouts set in probe (patch 14/25), milliseconds. */
export const ADMIN_TIMEOUTS_MS: Readonly<Record<number, number>> = {
  [ADMIN_COMMAND_ERRLOG]: 2000,
  [ADMIN_COMMAND_HEARTBEAT]: 100,
  [ADMIN_COMMAND_SMART]: 100,
  [ADMIN_COMMAND_CONTROLLER_DUMP]: 1000,
  [ADMIN_COMMAND_CONTROLLER_STATS]: 100,
  [ADMIN_COMMAND_SHUTDOWN]: 1000,
  [ADMIN_COMMAND_FW_UPDATE]: 16000,
}

export function adminTimeoutMs(opcode: number): number {
  return ADMIN_TIMEOUTS_MS[opcode] ?? ADMIN_DEFAULT_TIMEOUT_MS
}

/** How often HCI is polled for completion. */
export const ADMIN_POLL_INTERVAL_MS = 1

const STATUS_ERRNO: Readonly<Record<number, Errno>> = {
  [STATUS_INVALID_COMMAND]: 'EOPNOTSUPP',
  [STATUS_INVALID_PARAMETER]: 'EINVAL',
  [STATUS_BLOCKED_BG_TASK]: 'EBUSY',
  [STATUS_NO_DATA]: 'EAGAIN',
  [STATUS_DEVICE_ERROR]: 'EIO',
}

/** The errno a non-success admin status becomes; statuses we do not know are EIO. */
export function adminStatusErrno(status: number): Errno {
  return STATUS_ERRNO[status] ?? 'EIO'
}

/** Offsets read once from the ACMA CREQO words (extract_command_metadata, patch 14/25). */
export interface AdminCommandMetadata {
  requestOffset: number
  responseOffset: number
  dataOffset: number
  dataSize: number
}

export interface AdminCommandOptions {
  /** Words 1.. of the request (word 0 is the opcode and id). */
  params?: readonly bigint[]
  /** Copied into the data buffer before the doorbell. */
  data?: Uint8Array
}

export interface AdminCommandResult {
  /** The response's data length in bytes, copied out of the data buffer. */
  data: Uint8Array
  /** Response word 1's command-specific result. */
  result: number
}

const REQUEST_WORDS = 8

/**
 * The admin command path for one card: requests are serialised (the series' admin_command.lock),
 * each written to the request area and signalled through HCI.ACRW, then polled until the card
 * clears ACRW or the command's timeout passes (ETIMEDOUT). Every completion's status is checked
 * and a failure becomes the matching errno.
 */
export class AdminCommandEngine {
  readonly metadata: AdminCommandMetadata
  private readonly mmio: OcxlMmio
  private readonly clock: Clock
  private tail: Promise<unknown> = Promise.resolve()
  private id = 0

  constructor(mmio: OcxlMmio, clock: Clock) {
    this.mmio = mmio
    this.clock = clock
    this.metadata = {
      requestOffset: Number(readField(mmio, ACMA_REQUEST_OFFSET)),
      responseOffset: Number(readField(mmio, ACMA_RESPONSE_OFFSET)),
      dataOffset: Number(readField(mmio, ACMA_DATA_OFFSET)),
      dataSize: Number(readField(mmio, ACMA_DATA_SIZE)),
    }
    const { requestOffset, responseOffset, dataOffset, dataSize } = this.metadata
    if ([requestOffset, responseOffset, dataOffset, dataSize].some((value) => value % 8 !== 0) || dataSize === 0) {
      throw new NvdimmError('EIO', 'Could not read command metadata: admin command areas are not 8-byte aligned')
    }
  }

  /** CHI as the card reports it now. */
  chi(): bigint {
    return this.mmio.read64(GLOBAL_MMIO_CHI)
  }

  execute(opcode: number, options: AdminCommandOptions = {}): Promise<AdminCommandResult> {
    const run = this.tail.then(() => this.run(opcode, options))
    this.tail = run.catch(() => undefined)
    return run
  }

  private async run(opcode: number, options: AdminCommandOptions): Promise<AdminCommandResult> {
    const name = adminCommandName(opcode)
    const params = options.params ?? []
    if (!Number.isInteger(opcode) || opcode < 0 || opcode > 0xff || params.length >= REQUEST_WORDS) {
      throw new NvdimmError(
        'EINVAL',
        `admin command ${name} takes an 8-bit opcode and at most ${REQUEST_WORDS - 1} parameters`,
      )
    }
    const data = options.data ?? new Uint8Array()
    if (data.length > this.metadata.dataSize) {
      throw new NvdimmError(
        'EINVAL',
        `admin command ${name}: ${data.length} bytes exceed the ${this.metadata.dataSize}-byte data buffer`,
      )
    }
    this.id = (this.id + 1) & 0xffff
    const id = this.id
    this.writeBytes(this.metadata.dataOffset, data)
    const { requestOffset, responseOffset, dataOffset, dataSize } = this.metadata
    this.mmio.write64(requestOffset, withField(withField(0n, REQUEST_OPCODE, opcode), REQUEST_COMMAND_ID, id))
    for (let word = 1; word < REQUEST_WORDS; word++) this.mmio.write64(requestOffset + word * 8, params[word - 1] ?? 0n)
    this.mmio.write64(GLOBAL_MMIO_HCI, GLOBAL_MMIO_HCI_ACRW)

    const timeout = adminTimeoutMs(opcode)
    const start = this.clock.now()
    while (this.mmio.read64(GLOBAL_MMIO_HCI) & GLOBAL_MMIO_HCI_ACRW) {
      if (this.clock.now() - start >= timeout) {
        throw new NvdimmError('ETIMEDOUT', `admin command ${name} did not complete within ${timeout} ms`)
      }
      await this.clock.sleep(ADMIN_POLL_INTERVAL_MS)
    }

    const echoedOpcode = Number(readFieldAt(this.mmio, responseOffset, RESPONSE_OPCODE))
    const echoedId = Number(readFieldAt(this.mmio, responseOffset, RESPONSE_COMMAND_ID))
    if (echoedOpcode !== opcode || echoedId !== id) {
      throw new NvdimmError(
        'EIO',
        `admin command ${name}: the response is for another command (opcode 0x${echoedOpcode.toString(16)}, id ${echoedId})`,
      )
    }
    const status = Number(readFieldAt(this.mmio, responseOffset, RESPONSE_STATUS))
    if (status !== STATUS_SUCCESS) {
      throw new NvdimmError(
        adminStatusErrno(status),
        `Unexpected status from admin command ${name}: ${statusName(status)}`,
      )
    }
    const length = Math.min(Number(readFieldAt(this.mmio, responseOffset, RESPONSE_DATA_LENGTH)), dataSize)
    return {
      data: this.readBytes(dataOffset, length),
      result: Number(readFieldAt(this.mmio, responseOffset, RESPONSE_RESULT)),
    }
  }

  private writeBytes(offset: number, bytes: Uint8Array): void {
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8)
    padded.set(bytes)
    const view = new DataView(padded.buffer)
    for (let at = 0; at < padded.length; at += 8) this.mmio.write64(offset + at, view.getBigUint64(at, true))
  }

  private readBytes(offset: number, length: number): Uint8Array {
    const padded = new Uint8Array(Math.ceil(length / 8) * 8)
    const view = new DataView(padded.buffer)
    for (let at = 0; at < padded.length; at += 8) view.setBigUint64(at, this.mmio.read64(offset + at), true)
    return padded.slice(0, length)
  }
}
