import {
  type DimmFirmwareOps,
  type DimmOps,
  type DimmSecurityOps,
  type DimmSmartOps,
  type FirmwareInfo,
  NvdimmError,
  type Passphrase,
  type SecurityStatus,
  type SmartInjection,
  type SmartThresholds,
} from '@nvdimm/core'
import { decodeAnswer, directSend, type IntelDsmSend, sendIntel } from './dsm-send.js'
import {
  decodeFwFinishQueryOutput,
  decodeFwInfoOutput,
  decodeFwStartOutput,
  encodeFwFinishInput,
  encodeFwFinishQueryInput,
  encodeFwSendInput,
  FwFinishControl,
} from './fw-update-payloads.js'
import type { IntelDimmFirmware } from './intel-firmware.js'
import { IntelFn } from './intel-functions.js'
import { IntelExtendedStatus } from './intel-status.js'
import { xlatIntelFwStatus, xlatIntelSecurityStatus, xlatIntelStatus } from './intel-xlat.js'
import {
  decodeSecurityStateOutput,
  encodePassphraseInput,
  encodeSetPassphraseInput,
  SecurityExtendedState,
  SecurityState,
} from './security-payloads.js'
import {
  decodeSmartThresholdOutput,
  encodeSetThresholdInput,
  encodeSmartInjectInput,
  type IntelSmartInject,
  type IntelSmartThreshold,
  SmartInjectFlag,
  SmartTrip,
} from './smart-payloads.js'
import { decodeSmartTemperature, encodeSmartTemperature } from './smart-temperature.js'

function check(failure: NvdimmError | undefined): void {
  if (failure) throw failure
}

function percentage(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 100) {
    throw new NvdimmError('EINVAL', `${what} ${value} is not a percentage (0-100)`)
  }
  return value
}

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new NvdimmError('EINVAL', `${what} ${value} is not a u32`)
  }
  return value
}

async function readThreshold(send: IntelDsmSend): Promise<IntelSmartThreshold> {
  const { output, status } = await sendIntel(send, IntelFn.SMART_THRESHOLD)
  check(xlatIntelStatus(IntelFn.SMART_THRESHOLD, status))
  return decodeAnswer(IntelFn.SMART_THRESHOLD, output, decodeSmartThresholdOutput).threshold
}

function thresholdsOf(raw: IntelSmartThreshold): SmartThresholds {
  return {
    alarmTemperature: (raw.alarmControl & SmartTrip.MTEMP) !== 0,
    alarmControllerTemperature: (raw.alarmControl & SmartTrip.CTEMP) !== 0,
    alarmSpares: (raw.alarmControl & SmartTrip.SPARE) !== 0,
    temperature: decodeSmartTemperature(raw.mediaTemperature),
    controllerTemperature: decodeSmartTemperature(raw.controllerTemperature),
    spares: raw.spares,
  }
}

function withAlarm(control: number, bit: number, on: boolean | undefined): number {
  if (on === undefined) return control
  return on ? control | bit : control & ~bit
}

/** libndctl's new_smart_set_threshold(): start from what the dimm has, change what was asked. */
function changedThreshold(raw: IntelSmartThreshold, change: Partial<SmartThresholds>): IntelSmartThreshold {
  let alarmControl = withAlarm(raw.alarmControl, SmartTrip.MTEMP, change.alarmTemperature)
  alarmControl = withAlarm(alarmControl, SmartTrip.CTEMP, change.alarmControllerTemperature)
  alarmControl = withAlarm(alarmControl, SmartTrip.SPARE, change.alarmSpares)
  return {
    alarmControl,
    spares: change.spares === undefined ? raw.spares : percentage(change.spares, 'spares threshold'),
    mediaTemperature:
      change.temperature === undefined ? raw.mediaTemperature : encodeSmartTemperature(change.temperature),
    controllerTemperature:
      change.controllerTemperature === undefined
        ? raw.controllerTemperature
        : encodeSmartTemperature(change.controllerTemperature),
  }
}

/** libndctl's smart_inject_* setters: a flag per field, enable 1 to inject, 0 to restore the dimm's own value. */
function injectInput(injection: SmartInjection): IntelSmartInject | undefined {
  const uninject = new Set(injection.uninject ?? [])
  if (injection.controllerTemperature !== undefined || uninject.has('controllerTemperature')) {
    throw new NvdimmError('EOPNOTSUPP', 'the Intel SMART inject command has no controller-temperature field')
  }
  for (const field of uninject) {
    if (field !== 'fatal' && field !== 'unsafeShutdown' && injection[field] !== undefined) {
      throw new NvdimmError('EINVAL', `${field} cannot be injected and uninjected at once`)
    }
    if ((field === 'fatal' || field === 'unsafeShutdown') && injection[field] === true) {
      throw new NvdimmError('EINVAL', `${field} cannot be injected and uninjected at once`)
    }
  }
  const input: IntelSmartInject = {
    flags: 0n,
    mtempEnable: 0,
    mediaTemperature: 0,
    spareEnable: 0,
    spares: 0,
    fatalEnable: 0,
    unsafeShutdownEnable: 0,
  }
  if (injection.mediaTemperature !== undefined) {
    input.flags |= SmartInjectFlag.MTEMP
    input.mtempEnable = 1
    input.mediaTemperature = encodeSmartTemperature(injection.mediaTemperature)
  }
  if (uninject.has('mediaTemperature')) input.flags |= SmartInjectFlag.MTEMP
  if (injection.spares !== undefined) {
    input.flags |= SmartInjectFlag.SPARE
    input.spareEnable = 1
    input.spares = percentage(injection.spares, 'injected spares')
  }
  if (uninject.has('spares')) input.flags |= SmartInjectFlag.SPARE
  if (injection.fatal) {
    input.flags |= SmartInjectFlag.FATAL
    input.fatalEnable = 1
  }
  if (uninject.has('fatal')) input.flags |= SmartInjectFlag.FATAL
  if (injection.unsafeShutdown) {
    input.flags |= SmartInjectFlag.SHUTDOWN
    input.unsafeShutdownEnable = 1
  }
  if (uninject.has('unsafeShutdown')) input.flags |= SmartInjectFlag.SHUTDOWN
  return input.flags === 0n ? undefined : input
}

function smartOps(firmware: IntelDimmFirmware, send: IntelDsmSend): DimmSmartOps | undefined {
  const ops: DimmSmartOps = {}
  if (firmware.supports(IntelFn.SMART_THRESHOLD)) {
    ops.thresholds = async () => thresholdsOf(await readThreshold(send))
    if (firmware.supports(IntelFn.SMART_SET_THRESHOLD)) {
      ops.setThresholds = async (change) => {
        const next = changedThreshold(await readThreshold(send), change)
        const { status } = await sendIntel(send, IntelFn.SMART_SET_THRESHOLD, encodeSetThresholdInput(next))
        check(xlatIntelStatus(IntelFn.SMART_SET_THRESHOLD, status))
      }
    }
  }
  if (firmware.supports(IntelFn.SMART_INJECT)) {
    ops.inject = async (injection) => {
      const input = injectInput(injection)
      if (!input) return
      const { status } = await sendIntel(send, IntelFn.SMART_INJECT, encodeSmartInjectInput(input))
      check(xlatIntelStatus(IntelFn.SMART_INJECT, status))
    }
  }
  return Object.keys(ops).length ? ops : undefined
}

/** intel_security_state(): OVERWRITE first, then locked / unlocked / disabled; frozen (or PLIMIT) apart. */
function securityStatusOf(state: number, extendedState: number): SecurityStatus {
  const masterEnabled = (extendedState & SecurityExtendedState.ENABLED) !== 0
  const frozen = (state & (SecurityState.FROZEN | SecurityState.PLIMIT)) !== 0
  if (state & SecurityState.UNSUPPORTED) return { state: 'unsupported', frozen: false, masterEnabled }
  if (state & SecurityState.OVERWRITE) return { state: 'overwrite', frozen, masterEnabled }
  if (state & SecurityState.ENABLED) {
    return { state: state & SecurityState.LOCKED ? 'locked' : 'unlocked', frozen, masterEnabled }
  }
  return { state: 'disabled', frozen, masterEnabled }
}

const SECURITY_FUNCTIONS = [
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

function securityOps(firmware: IntelDimmFirmware, send: IntelDsmSend): DimmSecurityOps | undefined {
  if (!SECURITY_FUNCTIONS.every((fn) => firmware.supports(fn))) return undefined
  const run = async (fn: number, input?: Uint8Array): Promise<void> => {
    const { status } = await sendIntel(send, fn, input)
    check(xlatIntelSecurityStatus(fn, status))
  }
  return {
    async status() {
      const { output, status } = await sendIntel(send, IntelFn.GET_SECURITY_STATE)
      check(xlatIntelSecurityStatus(IntelFn.GET_SECURITY_STATE, status))
      const decoded = decodeAnswer(IntelFn.GET_SECURITY_STATE, output, decodeSecurityStateOutput)
      return securityStatusOf(decoded.state, decoded.extendedState)
    },
    // async, so that a bad passphrase (over 32 bytes) rejects like every other failure
    changeKey: async (old: Passphrase, next: Passphrase, master?: boolean) =>
      run(master ? IntelFn.SET_MASTER_PASSPHRASE : IntelFn.SET_PASSPHRASE, encodeSetPassphraseInput(old, next)),
    disable: async (key: Passphrase) => run(IntelFn.DISABLE_PASSPHRASE, encodePassphraseInput(key)),
    unlock: async (key: Passphrase) => run(IntelFn.UNLOCK_UNIT, encodePassphraseInput(key)),
    freeze: async () => run(IntelFn.FREEZE_LOCK),
    erase: async (key: Passphrase, master?: boolean) =>
      run(master ? IntelFn.MASTER_SECURE_ERASE : IntelFn.SECURE_ERASE, encodePassphraseInput(key)),
    overwrite: async (key: Passphrase) => run(IntelFn.OVERWRITE, encodePassphraseInput(key)),
    queryOverwrite: async () => run(IntelFn.QUERY_OVERWRITE),
  }
}

const FW_FUNCTIONS = [
  IntelFn.FW_GET_INFO,
  IntelFn.FW_START_UPDATE,
  IntelFn.FW_SEND_DATA,
  IntelFn.FW_FINISH_UPDATE,
  IntelFn.FW_FINISH_STATUS_QUERY,
]

/** libndctl's intel_dimm_fw_update_supported(): all five functions or none. */
function firmwareOps(firmware: IntelDimmFirmware, send: IntelDsmSend): DimmFirmwareOps | undefined {
  if (!FW_FUNCTIONS.every((fn) => firmware.supports(fn))) return undefined
  return {
    async info(): Promise<FirmwareInfo> {
      const { output, status } = await sendIntel(send, IntelFn.FW_GET_INFO)
      check(xlatIntelFwStatus(IntelFn.FW_GET_INFO, status))
      const { info } = decodeAnswer(IntelFn.FW_GET_INFO, output, decodeFwInfoOutput)
      return {
        storageSize: info.storageSize,
        maxSendLength: info.maxSendLength,
        queryIntervalUs: info.queryInterval,
        maxQueryTimeUs: info.maxQueryTime,
        runVersion: info.runVersion,
        updatedVersion: info.updatedVersion,
      }
    },
    async start() {
      const { output, status } = await sendIntel(send, IntelFn.FW_START_UPDATE)
      check(xlatIntelFwStatus(IntelFn.FW_START_UPDATE, status))
      return decodeAnswer(IntelFn.FW_START_UPDATE, output, decodeFwStartOutput).context
    },
    async send(context, offset, data) {
      const input = encodeFwSendInput({ context: u32(context, 'context'), offset: u32(offset, 'offset'), data })
      const { status } = await sendIntel(send, IntelFn.FW_SEND_DATA, input)
      check(xlatIntelFwStatus(IntelFn.FW_SEND_DATA, status))
    },
    async finish(context, abort = false) {
      const ctrlFlags = abort ? FwFinishControl.ABORT : FwFinishControl.FINISH
      const input = encodeFwFinishInput({ ctrlFlags, context: u32(context, 'context') })
      const { status } = await sendIntel(send, IntelFn.FW_FINISH_UPDATE, input)
      // An abort succeeds with "aborted" (ndctl's submit_abort_firmware() wants FW_ABORTED).
      if (abort && status === IntelExtendedStatus.FIN_ABORTED) return
      check(xlatIntelFwStatus(IntelFn.FW_FINISH_UPDATE, status))
    },
    async query(context) {
      const input = encodeFwFinishQueryInput(u32(context, 'context'))
      const { output, status } = await sendIntel(send, IntelFn.FW_FINISH_STATUS_QUERY, input)
      check(xlatIntelFwStatus(IntelFn.FW_FINISH_STATUS_QUERY, status))
      return decodeAnswer(IntelFn.FW_FINISH_STATUS_QUERY, output, decodeFwFinishQueryOutput).updatedVersion
    },
  }
}

/**
 * Core's DimmOps for an Intel-family dimm: SMART thresholds and injection, security and
 * firmware update, each built from the DSM payloads, sent with `send` (the provider's path
 * through its transport) and translated from firmware status to NvdimmError. Only what the
 * firmware supports is there; a QEMU dimm gets no ops at all.
 */
export function intelDimmOps(firmware: IntelDimmFirmware, send: IntelDsmSend = directSend(firmware)): DimmOps {
  const ops: DimmOps = {}
  const smart = smartOps(firmware, send)
  const security = securityOps(firmware, send)
  const fw = firmwareOps(firmware, send)
  if (smart) ops.smart = smart
  if (security) ops.security = security
  if (fw) ops.firmware = fw
  return ops
}
