import {
  decodeGetConfigData,
  decodeSetConfigData,
  encodeConfigDataOut,
  encodeConfigSize,
  encodeStatus,
  type Media,
  NvdimmError,
} from '@nvdimm/core'
import { type IntelFirmwareData, type IntelFirmwareJson, parseIntelFirmwareJson } from './firmware-json.js'
import { IntelFwUpdate } from './fw-update-state.js'
import { IntelFn, NFIT_NOTIFY_DIMM_HEALTH, NVDIMM_CMD_MAX } from './intel-functions.js'
import { ND_CONFIG_LOCKED, IntelStatus } from './intel-status.js'
import { decodeLssInput, LSS_INPUT_SIZE } from './lss-payload.js'
import { IntelSecurity, type SanitizeKind } from './security-state.js'
import { IntelSmartState, type SmartNotifyReason } from './smart-state.js'

/** nfit_test's max_xfer for the label functions (SZ_4K); QEMU answers 4076. */
export const DEFAULT_LABEL_MAX_XFER = 4096

/** What smart_notify() raises: ACPI notification 0x81 on the dimm, and why. */
export interface IntelHealthEvent {
  event: typeof NFIT_NOTIFY_DIMM_HEALTH
  reasons: SmartNotifyReason[]
}

export interface IntelDimmFirmwareOptions {
  /**
   * true: an nfit_test dimm, with SMART, thresholds, injection, LSS, firmware update and
   * security. false: a QEMU dimm, whose only functions are the label functions 4-6.
   */
  smart: boolean
  /** The label storage area; without it the label functions are not supported (QEMU without label-size). */
  labelArea?: Media
  /** The largest label read or write one call may do. */
  maxXfer?: number
  /** Milliseconds, for the overwrite and firmware-verify delays. */
  clock?: () => number
  /** Called when the dimm would raise a health notification (after set-threshold or inject). */
  healthEvent?: (event: IntelHealthEvent) => void
  /**
   * Called when a sanitize destroys the data: the provider scrambles (crypto erase) or zeroes
   * (overwrite) the dimm's data media. The firmware itself zeroes the label area on overwrite.
   */
  sanitized?: (kind: SanitizeKind) => void
}

const ALL_FUNCTIONS = [
  IntelFn.SMART,
  IntelFn.SMART_THRESHOLD,
  IntelFn.ENABLE_LSS_STATUS,
  IntelFn.FW_GET_INFO,
  IntelFn.FW_START_UPDATE,
  IntelFn.FW_SEND_DATA,
  IntelFn.FW_FINISH_UPDATE,
  IntelFn.FW_FINISH_STATUS_QUERY,
  IntelFn.SMART_SET_THRESHOLD,
  IntelFn.SMART_INJECT,
  IntelFn.GET_SECURITY_STATE,
  IntelFn.SET_PASSPHRASE,
  IntelFn.DISABLE_PASSPHRASE,
  IntelFn.UNLOCK_UNIT,
  IntelFn.FREEZE_LOCK,
  IntelFn.SECURE_ERASE,
  IntelFn.OVERWRITE,
  IntelFn.QUERY_OVERWRITE,
  IntelFn.SET_MASTER_PASSPHRASE,
  IntelFn.MASTER_SECURE_ERASE,
]
const LABEL_FUNCTIONS = [IntelFn.GET_CONFIG_SIZE, IntelFn.GET_CONFIG_DATA, IntelFn.SET_CONFIG_DATA]
const WIPE_CHUNK = 64 * 1024

/**
 * One emulated NVDIMM's Intel-family DSM firmware. `call()` takes a function number and its
 * input buffer and returns the output buffer a real dimm would: a u32 firmware status first,
 * then the function's data. It never throws for what a caller sends; the transport (the
 * provider's ND_CMD_CALL path) and the status translation stay outside.
 */
export class IntelDimmFirmware {
  private readonly functions: number
  private readonly smartState: IntelSmartState
  private readonly security: IntelSecurity
  private readonly fwUpdate: IntelFwUpdate
  private readonly maxXfer: number
  private latchShutdown: boolean

  constructor(
    private readonly options: IntelDimmFirmwareOptions,
    state?: IntelFirmwareData,
  ) {
    const clock = options.clock ?? Date.now
    this.maxXfer = options.maxXfer ?? DEFAULT_LABEL_MAX_XFER
    if (!Number.isInteger(this.maxXfer) || this.maxXfer < 1 || this.maxXfer > 0xffffffff) {
      throw new NvdimmError('EINVAL', `label max_xfer ${this.maxXfer} must be a positive u32`)
    }
    if (options.labelArea && options.labelArea.size > 0xffffffffn) {
      throw new NvdimmError('EINVAL', `a label area of ${options.labelArea.size} bytes does not fit config_size (u32)`)
    }
    const functions = [...(options.smart ? ALL_FUNCTIONS : []), ...(options.labelArea ? LABEL_FUNCTIONS : [])]
    // Bit 0 says that any function besides the query exists (ACPI _DSM function 0).
    this.functions = functions.reduce((mask, fn) => mask | (1 << fn), functions.length ? 1 : 0) >>> 0
    this.smartState = new IntelSmartState(state?.smart)
    this.security = new IntelSecurity(clock, (kind) => this.sanitize(kind), state?.security)
    this.fwUpdate = new IntelFwUpdate(clock, state?.firmwareUpdate)
    this.latchShutdown = state?.latchShutdown ?? false
  }

  /** Rebuild a dimm from `toJSON()`; EINVAL when the state does not validate. */
  static fromJSON(json: unknown, options: IntelDimmFirmwareOptions): IntelDimmFirmware {
    return new IntelDimmFirmware(options, parseIntelFirmwareJson(json))
  }

  /** What function 0 answers: bit N set when function N exists. */
  get supportedFunctions(): number {
    return this.functions
  }

  supports(fn: number): boolean {
    return Number.isInteger(fn) && fn > 0 && fn <= NVDIMM_CMD_MAX && ((this.functions >>> fn) & 1) === 1
  }

  /** Locked until unlocked with the passphrase: no label access, and the provider must refuse data access. */
  isLocked(): boolean {
    return this.security.isLocked()
  }

  /** An overwrite runs (until a query after it completes, or a power cycle): no access either. */
  isOverwriting(): boolean {
    return this.security.isOverwriting()
  }

  call(fn: number, input: Uint8Array): Uint8Array {
    if (fn === IntelFn.QUERY) return encodeStatus(this.functions)
    if (!this.supports(fn)) return encodeStatus(IntelStatus.NOTSUPP)
    try {
      return this.dispatch(fn, input)
    } catch (error) {
      // The label area failed underneath: what a dimm reports as a hardware error.
      if (error instanceof NvdimmError) return encodeStatus(IntelStatus.HWERR)
      throw error
    }
  }

  /**
   * A power cycle of the dimm: the security freeze ends and a dimm with a passphrase comes up
   * locked; a running overwrite is complete; a verified firmware image starts running and an
   * unfinished update is lost; the LSS latch is off again. `dirtyShutdown` says the power went
   * without the platform's flush: shutdown_state is latched and the count goes up; otherwise
   * shutdown_state reads clean.
   */
  powerCycle(options: { dirtyShutdown?: boolean } = {}): void {
    this.security.powerCycle()
    this.fwUpdate.powerCycle()
    if (options.dirtyShutdown) this.smartState.dirtyShutdown()
    else this.smartState.cleanShutdown()
    this.latchShutdown = false
  }

  /** The firmware's NVRAM as plain JSON (u64 as "0x…", passphrases as hex): never print it. */
  toJSON(): IntelFirmwareJson {
    return {
      version: 1,
      smart: this.smartState.toJSON(),
      latchShutdown: this.latchShutdown,
      security: this.security.toJSON(),
      firmwareUpdate: this.fwUpdate.toJSON(),
    }
  }

  private dispatch(fn: number, input: Uint8Array): Uint8Array {
    switch (fn) {
      case IntelFn.SMART:
        return this.smartState.read()
      case IntelFn.SMART_THRESHOLD:
        return this.smartState.readThreshold()
      case IntelFn.SMART_SET_THRESHOLD:
        return this.notifying(this.smartState.setThreshold(input))
      case IntelFn.SMART_INJECT:
        return this.notifying(this.smartState.inject(input))
      case IntelFn.GET_CONFIG_SIZE:
        return this.labelSize()
      case IntelFn.GET_CONFIG_DATA:
        return this.labelRead(input)
      case IntelFn.SET_CONFIG_DATA:
        return this.labelWrite(input)
      case IntelFn.ENABLE_LSS_STATUS:
        return this.enableLss(input)
      case IntelFn.FW_GET_INFO:
        return this.fwUpdate.info()
      case IntelFn.FW_START_UPDATE:
        return this.fwUpdate.start()
      case IntelFn.FW_SEND_DATA:
        return this.fwUpdate.send(input)
      case IntelFn.FW_FINISH_UPDATE:
        return this.fwUpdate.finish(input)
      case IntelFn.FW_FINISH_STATUS_QUERY:
        return this.fwUpdate.query(input)
      case IntelFn.GET_SECURITY_STATE:
        return this.security.state()
      case IntelFn.SET_PASSPHRASE:
        return this.security.setPassphrase(input)
      case IntelFn.DISABLE_PASSPHRASE:
        return this.security.disablePassphrase(input)
      case IntelFn.UNLOCK_UNIT:
        return this.security.unlock(input)
      case IntelFn.FREEZE_LOCK:
        return this.security.freeze()
      case IntelFn.SECURE_ERASE:
        return this.security.secureErase(input)
      case IntelFn.OVERWRITE:
        return this.security.overwrite(input)
      case IntelFn.QUERY_OVERWRITE:
        return this.security.queryOverwrite()
      case IntelFn.SET_MASTER_PASSPHRASE:
        return this.security.setMasterPassphrase(input)
      case IntelFn.MASTER_SECURE_ERASE:
        return this.security.masterSecureErase(input)
      default:
        return encodeStatus(IntelStatus.NOTSUPP)
    }
  }

  private notifying(result: { output: Uint8Array; notify: SmartNotifyReason[] }): Uint8Array {
    if (result.notify.length) this.options.healthEvent?.({ event: NFIT_NOTIFY_DIMM_HEALTH, reasons: result.notify })
    return result.output
  }

  private accessDenied(): boolean {
    return this.security.isLocked() || this.security.isOverwriting()
  }

  /** Function 4. A locked label area is reported in the extended status (ND_CONFIG_LOCKED), as the kernel expects. */
  private labelSize(): Uint8Array {
    const status = this.accessDenied() ? ND_CONFIG_LOCKED << 16 : IntelStatus.SUCCESS
    return encodeConfigSize({ status, configSize: Number(this.area().size), maxXfer: this.maxXfer })
  }

  /** Function 5: {u32 offset, u32 length} in; status then the bytes out. */
  private labelRead(input: Uint8Array): Uint8Array {
    if (input.length < 8) return encodeStatus(IntelStatus.INVALPARM)
    if (this.accessDenied()) return encodeStatus(IntelStatus.INVALID_STATE)
    const { offset, length } = decodeGetConfigData(input)
    if (!this.inLabelArea(offset, length)) return encodeStatus(IntelStatus.INVALPARM)
    const data = new Uint8Array(length)
    this.area().read(BigInt(offset), data)
    return encodeConfigDataOut(IntelStatus.SUCCESS, data)
  }

  /** Function 6: {u32 offset, u32 length, bytes} in; status out. */
  private labelWrite(input: Uint8Array): Uint8Array {
    if (input.length < 8) return encodeStatus(IntelStatus.INVALPARM)
    const length = new DataView(input.buffer, input.byteOffset, input.byteLength).getUint32(4, true)
    if (input.length < 8 + length) return encodeStatus(IntelStatus.INVALPARM)
    if (this.accessDenied()) return encodeStatus(IntelStatus.INVALID_STATE)
    const { offset, data } = decodeSetConfigData(input)
    if (!this.inLabelArea(offset, data.length)) return encodeStatus(IntelStatus.INVALPARM)
    this.area().write(BigInt(offset), data)
    this.area().sync()
    return encodeStatus(IntelStatus.SUCCESS)
  }

  /** QEMU's nvdimm_rw_label_data_check(): inside the area and no longer than max_xfer. */
  private inLabelArea(offset: number, length: number): boolean {
    return length <= this.maxXfer && BigInt(offset) + BigInt(length) <= this.area().size
  }

  private area(): Media {
    // supports() admits the label functions only when there is an area
    return this.options.labelArea!
  }

  /** Function 10: enable 0 or 1 (nfit_test refuses anything else with INVALPARM). */
  private enableLss(input: Uint8Array): Uint8Array {
    if (input.length < LSS_INPUT_SIZE) return encodeStatus(IntelStatus.INVALPARM)
    const enable = decodeLssInput(input)
    if (enable > 1) return encodeStatus(IntelStatus.INVALPARM)
    this.latchShutdown = enable === 1
    return encodeStatus(IntelStatus.SUCCESS)
  }

  private sanitize(kind: SanitizeKind): void {
    const area = this.options.labelArea
    if (kind === 'overwrite' && area) {
      const zeros = new Uint8Array(WIPE_CHUNK)
      for (let at = 0n; at < area.size; at += BigInt(WIPE_CHUNK)) {
        const left = area.size - at
        area.write(at, left < BigInt(WIPE_CHUNK) ? zeros.subarray(0, Number(left)) : zeros)
      }
      area.sync()
    }
    this.options.sanitized?.(kind)
  }
}
