import { encodeStatus, u64Json } from '@nvdimm/core'
import { z } from 'zod'
import {
  decodeFwFinishInput,
  decodeFwFinishQueryInput,
  decodeFwSendInput,
  encodeFwFinishQueryOutput,
  encodeFwInfoOutput,
  encodeFwStartOutput,
  FW_FINISH_INPUT_SIZE,
  FW_FINISH_QUERY_INPUT_SIZE,
  FW_SEND_HEADER_SIZE,
  FwFinishControl,
} from './fw-update-payloads.js'
import { IntelExtendedStatus, IntelStatus } from './intel-status.js'

/** nfit_test.h: what the emulated firmware store looks like. */
export const INTEL_FW_STORAGE_SIZE = 0x100000
export const INTEL_FW_MAX_SEND_LEN = 0xffec
export const INTEL_FW_QUERY_INTERVAL_US = 250000
export const INTEL_FW_QUERY_MAX_TIME_US = 3000000
export const INTEL_FW_FIS_VERSION = 0x0105
/** The version every successful update installs (INTEL_FW_FAKE_VERSION). */
export const INTEL_FW_FAKE_VERSION = 0xffffffffabcdn
/** How long a finished image takes to verify (nfit_test: HZ). */
export const INTEL_FW_VERIFY_MS = 1000

/** enum intel_fw_update_state: NEW, IN_PROGRESS, VERIFY, UPDATED. */
export const FW_UPDATE_STATES = ['idle', 'receiving', 'verifying', 'updated'] as const
export type FwUpdateState = (typeof FW_UPDATE_STATES)[number]

export const fwUpdateStateSchema = z.strictObject({
  state: z.enum(FW_UPDATE_STATES),
  context: z.number().int().min(0).max(0xffffffff),
  received: z.number().int().min(0).max(INTEL_FW_STORAGE_SIZE),
  /** Clock time (ms) at which a verifying image is done; null unless verifying. */
  verifyEndsAt: z.number().finite().nullable(),
  runVersion: u64Json,
  updatedVersion: u64Json,
})

export type FwUpdateStateJson = z.input<typeof fwUpdateStateSchema>
type FwUpdateStateData = z.output<typeof fwUpdateStateSchema>

const u64 = (value: bigint): string => `0x${value.toString(16)}`

/**
 * The firmware-update sequence of an Intel dimm as nfit_test emulates it (functions 12-16):
 * start opens a context, send data fills the store, finish starts a one-second verify, the
 * finish query reports busy until then and the new version after. The new firmware runs from
 * the next power cycle on.
 */
export class IntelFwUpdate {
  private data: FwUpdateStateData

  constructor(
    private readonly clock: () => number,
    json?: FwUpdateStateData,
  ) {
    this.data = json
      ? { ...json }
      : { state: 'idle', context: 0, received: 0, verifyEndsAt: null, runVersion: 0n, updatedVersion: 0n }
  }

  get state(): FwUpdateState {
    return this.data.state
  }

  /** Function 12. nfit_test reports run_version 0 until the dimm has been updated and restarted. */
  info(): Uint8Array {
    return encodeFwInfoOutput(IntelStatus.SUCCESS, {
      storageSize: INTEL_FW_STORAGE_SIZE,
      maxSendLength: INTEL_FW_MAX_SEND_LEN,
      queryInterval: INTEL_FW_QUERY_INTERVAL_US,
      maxQueryTime: INTEL_FW_QUERY_MAX_TIME_US,
      updateCap: 0,
      fisVersion: INTEL_FW_FIS_VERSION,
      runVersion: this.data.runVersion,
      updatedVersion: this.data.updatedVersion,
    })
  }

  /** Function 13: only from idle; a new context each time. */
  start(): Uint8Array {
    if (this.data.state !== 'idle') return encodeFwStartOutput(IntelExtendedStatus.START_BUSY, 0)
    this.data.state = 'receiving'
    this.data.context = (this.data.context + 1) >>> 0
    this.data.received = 0
    return encodeFwStartOutput(IntelStatus.SUCCESS, this.data.context)
  }

  /** Function 14: the output is the status alone. */
  send(input: Uint8Array): Uint8Array {
    if (input.length < FW_SEND_HEADER_SIZE) return encodeStatus(IntelStatus.INVALPARM)
    const length = new DataView(input.buffer, input.byteOffset, input.byteLength).getUint32(8, true)
    if (input.length < FW_SEND_HEADER_SIZE + length) return encodeStatus(IntelStatus.INVALPARM)
    const chunk = decodeFwSendInput(input)
    if (this.data.state !== 'receiving') return encodeStatus(IntelStatus.RETRY)
    if (chunk.context !== this.data.context) return encodeStatus(IntelExtendedStatus.CTX_INVALID)
    if (chunk.offset + chunk.data.length > INTEL_FW_STORAGE_SIZE || chunk.data.length > INTEL_FW_MAX_SEND_LEN) {
      return encodeStatus(IntelStatus.INVALPARM)
    }
    this.data.received = Math.min(this.data.received + chunk.data.length, INTEL_FW_STORAGE_SIZE)
    return encodeStatus(IntelStatus.SUCCESS)
  }

  /** Function 15: finish (verify for a second) or abort. */
  finish(input: Uint8Array): Uint8Array {
    if (input.length < FW_FINISH_INPUT_SIZE) return encodeStatus(IntelStatus.INVALPARM)
    const request = decodeFwFinishInput(input)
    if (this.data.state === 'updated') return encodeStatus(IntelExtendedStatus.FIN_DONE)
    switch (request.ctrlFlags) {
      case FwFinishControl.FINISH:
        if (this.data.state !== 'receiving' || request.context !== this.data.context) {
          return encodeStatus(IntelExtendedStatus.CTX_INVALID)
        }
        this.data.state = 'verifying'
        this.data.verifyEndsAt = this.clock() + INTEL_FW_VERIFY_MS
        return encodeStatus(IntelStatus.SUCCESS)
      case FwFinishControl.ABORT:
        this.data.state = 'idle'
        this.data.received = 0
        this.data.verifyEndsAt = null
        return encodeStatus(IntelExtendedStatus.FIN_ABORTED)
      default:
        return encodeStatus(IntelStatus.INVALPARM)
    }
  }

  /** Function 16. */
  query(input: Uint8Array): Uint8Array {
    if (input.length < FW_FINISH_QUERY_INPUT_SIZE) return encodeFwFinishQueryOutput(IntelStatus.INVALPARM, 0n)
    if (decodeFwFinishQueryInput(input) !== this.data.context) {
      return encodeFwFinishQueryOutput(IntelExtendedStatus.CTX_INVALID, 0n)
    }
    switch (this.data.state) {
      case 'idle':
        return encodeFwFinishQueryOutput(IntelStatus.SUCCESS, 0n)
      case 'receiving':
        return encodeFwFinishQueryOutput(IntelExtendedStatus.FQ_ORDER, 0n)
      case 'verifying':
        if (!this.verified()) return encodeFwFinishQueryOutput(IntelExtendedStatus.FQ_BUSY, 0n)
        this.install()
        return encodeFwFinishQueryOutput(IntelStatus.SUCCESS, this.data.updatedVersion)
      case 'updated':
        return encodeFwFinishQueryOutput(IntelStatus.SUCCESS, this.data.updatedVersion)
    }
  }

  /**
   * Power cycle: a verified image becomes the running firmware; an update still receiving or
   * verifying is lost.
   */
  powerCycle(): void {
    if (this.data.state === 'verifying' && this.verified()) this.install()
    if (this.data.state === 'updated') {
      this.data.runVersion = this.data.updatedVersion
      this.data.updatedVersion = 0n
    }
    this.data.state = 'idle'
    this.data.received = 0
    this.data.verifyEndsAt = null
  }

  toJSON(): FwUpdateStateJson {
    return { ...this.data, runVersion: u64(this.data.runVersion), updatedVersion: u64(this.data.updatedVersion) }
  }

  private verified(): boolean {
    return this.data.verifyEndsAt === null || this.clock() >= this.data.verifyEndsAt
  }

  private install(): void {
    this.data.state = 'updated'
    this.data.verifyEndsAt = null
    this.data.updatedVersion = INTEL_FW_FAKE_VERSION
  }
}
