import { Badrange, type BadrangeEntry, NvdimmError } from '@nvdimm/core'
import {
  ARS_RECORD_SIZE,
  ARS_STATUS_HEADER_SIZE,
  type ArsRecord,
  decodeArsStartInput,
  decodeSpaRangeInput,
  encodeArsCapOutput,
  encodeArsStartOutput,
  encodeArsStatusOutput,
} from './ars-payloads.js'
import {
  type ArsRun,
  type NfitBusFirmwareData,
  type NfitBusFirmwareJson,
  parseNfitBusFirmwareJson,
  rangeJson,
} from './bus-firmware-state.js'
import {
  ARS_ERR_INJ_STATUS_INVALID_PARAM,
  DsmStatus,
  NFIT_ARS_CAP_NONE,
  NFIT_ARS_F_OVERFLOW,
  NFIT_ARS_START_BUSY,
  NFIT_ARS_STATUS_BUSY,
  NFIT_ARS_STATUS_INTR,
  NFIT_ARS_STATUS_NONE,
  NFIT_NOTIFY_UC_MEMORY_ERROR,
  NfitBusFn,
  ND_ARS_ERR_INJ_OPT_NOTIFY,
  ND_ARS_PERSISTENT,
  ND_ARS_RETURN_PREV_DATA,
  ND_ARS_VOLATILE,
  TRANSLATE_SPA_STATUS_INVALID_SPA,
} from './bus-functions.js'
import { encodeClearErrorOutput } from './clear-error-payload.js'
import { decodeErrorInjectInput, encodeDsmStatus, encodeErrorInjectStatusOutput } from './error-inject-payloads.js'
import { decodeTranslateSpaInput, encodeTranslateSpaOutput, type TranslatedDevice } from './translate-spa-payload.js'

/** A system-physical range the platform scrubs: a persistent or volatile memory SPA range. */
export interface NfitBusRange {
  address: bigint
  length: bigint
  type?: 'pmem' | 'volatile'
}

/** What translate SPA answers for an address: the dimms holding it, and for how many bytes on. */
export interface SpaTranslationAnswer {
  devices: readonly TranslatedDevice[]
  length: bigint
  mirrored?: boolean
}

export interface NfitBusFirmwareOptions {
  /** Milliseconds; Date.now by default. A scrub's progress is measured on it, across processes. */
  clock?: () => number
  /** ARS_CAP's clear_err_unit, a power of 2 (nfit_test: 256). */
  clearErrorUnit?: number
  /** ARS_CAP's max_ars_out (nfit_test: room for the records of 4 KiB). */
  maxArsOut?: number
  /**
   * How long a full scrub of `length` bytes takes, in milliseconds. nfit_test answers after a
   * fixed second whatever the size, and so does this by default; a "short" scrub (return the
   * previous data) answers at once.
   */
  scrubMillis?: (length: bigint) => number
  /** The ranges that can be scrubbed; any range when absent (as nfit_test). */
  ranges?: readonly NfitBusRange[]
  /** The provider's SPA-to-dimm lookup; without one, translate SPA is not supported. */
  translate?: (spa: bigint) => SpaTranslationAnswer | undefined
  /** After any call that changed the state, so the provider can save toJSON(). */
  changed?: () => void
}

/** nfit_test's clear unit (NFIT_TEST_CLEAR_ERR_UNIT). */
export const DEFAULT_CLEAR_ERROR_UNIT = 256
/** nfit_test's max_ars_out: the status header and the records that fit in 4 KiB. */
export const DEFAULT_MAX_ARS_OUT = ARS_STATUS_HEADER_SIZE + Math.floor(4096 / ARS_RECORD_SIZE) * ARS_RECORD_SIZE
/** nfit_test's scrub: one second. */
export const DEFAULT_SCRUB_MILLIS = 1000
/** nfit_test_cmd_ars_inject_status(): at most the records of 4 KiB. */
const MAX_INJECT_STATUS_RECORDS = 4096 / 16
const U64_END = 1n << 64n

interface Ars extends Omit<ArsRun, 'records'> {
  records: Badrange
}

function badrangeOf(ranges: readonly { address: bigint; length: bigint }[]): Badrange {
  const list = new Badrange()
  for (const { address, length } of ranges) list.add(address, length)
  return list
}

const toRanges = (list: Badrange) =>
  list.entries.map((entry) => rangeJson({ address: entry.start, length: entry.length }))

/**
 * The platform firmware behind the NFIT root device's DSM, for ARS and errors: it keeps the
 * poison list (what was injected), runs address range scrubs over a clock (status BUSY until
 * done, like nfit_test's deadline), reports the poison a scrub met, clears errors in its clear
 * unit, translates addresses with the provider's lookup, and notifies the OS (0x81) after an
 * injection that asks for it. call() answers like real firmware: a status-first buffer, never
 * an exception, whatever the input.
 */
export class NfitBusFirmware {
  readonly clock: () => number
  readonly clearErrorUnit: number
  readonly maxArsOut: number
  private readonly options: NfitBusFirmwareOptions
  private readonly poisonList: Badrange
  private readonly known: Badrange
  private ars: Ars | undefined
  private dirty = false
  private readonly listeners = new Set<(event: number) => void>()
  private pendingEvents: number[] = []

  constructor(options: NfitBusFirmwareOptions = {}, state?: NfitBusFirmwareData) {
    this.options = options
    this.clock = options.clock ?? Date.now
    this.clearErrorUnit = options.clearErrorUnit ?? DEFAULT_CLEAR_ERROR_UNIT
    this.maxArsOut = options.maxArsOut ?? DEFAULT_MAX_ARS_OUT
    if (this.clearErrorUnit <= 0 || (this.clearErrorUnit & (this.clearErrorUnit - 1)) !== 0) {
      throw new NvdimmError('EINVAL', `clear error unit ${this.clearErrorUnit} is not a power of 2`)
    }
    this.poisonList = badrangeOf(state?.poison ?? [])
    this.known = badrangeOf(state?.known ?? [])
    const ars = state?.ars
    this.ars = ars && { ...ars, records: badrangeOf(ars.records) }
  }

  /** Restore saved state (EINVAL when it does not validate). */
  static fromJSON(json: unknown, options: NfitBusFirmwareOptions = {}): NfitBusFirmware {
    return new NfitBusFirmware(options, parseNfitBusFirmwareJson(json))
  }

  toJSON(): NfitBusFirmwareJson {
    this.settle()
    const ars = this.ars
    return {
      version: 1,
      poison: toRanges(this.poisonList),
      known: toRanges(this.known),
      ...(ars
        ? {
            ars: {
              ...rangeJson(ars),
              type: ars.type,
              flags: ars.flags,
              startedAt: ars.startedAt,
              duration: ars.duration,
              settled: ars.settled,
              records: toRanges(ars.records),
            },
          }
        : {}),
    }
  }

  /** The injected poison the platform holds. */
  get poison(): readonly BadrangeEntry[] {
    return this.poisonList.entries
  }

  /** ACPI notifications to the root device (0x81 after an injection with notify); returns the unsubscribe. */
  onNotify(listener: (event: number) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** How far the running scrub is (0..1), undefined when none runs: for a progress display. */
  scrubProgress(): number | undefined {
    const ars = this.ars
    if (!ars || !this.running(ars)) return undefined
    return ars.duration === 0 ? 1 : Math.min(1, Math.max(0, (this.clock() - ars.startedAt) / ars.duration))
  }

  /** The functions function 0 reports. */
  get supportedFunctions(): number[] {
    const all: number[] = [
      NfitBusFn.ARS_CAP,
      NfitBusFn.ARS_START,
      NfitBusFn.ARS_STATUS,
      NfitBusFn.CLEAR_ERROR,
      NfitBusFn.TRANSLATE_SPA,
      NfitBusFn.ARS_INJECT_SET,
      NfitBusFn.ARS_INJECT_CLEAR,
      NfitBusFn.ARS_INJECT_GET,
    ]
    return all.filter((fn) => fn !== NfitBusFn.TRANSLATE_SPA || this.options.translate)
  }

  /** Evaluate one DSM function: its output buffer, status first (function 0: the bitmap of functions). */
  call(fn: number, input: Uint8Array): Uint8Array {
    this.settle()
    let output: Uint8Array
    switch (fn) {
      case NfitBusFn.QUERY:
        output = this.query()
        break
      case NfitBusFn.ARS_CAP:
        output = this.arsCap(input)
        break
      case NfitBusFn.ARS_START:
        output = this.arsStart(input)
        break
      case NfitBusFn.ARS_STATUS:
        output = this.arsStatus()
        break
      case NfitBusFn.CLEAR_ERROR:
        output = this.clearError(input)
        break
      case NfitBusFn.TRANSLATE_SPA:
        output = this.options.translate ? this.translateSpa(input) : encodeDsmStatus(DsmStatus.NOT_SUPPORTED)
        break
      case NfitBusFn.ARS_INJECT_SET:
        output = this.inject(input)
        break
      case NfitBusFn.ARS_INJECT_CLEAR:
        output = this.injectClear(input)
        break
      case NfitBusFn.ARS_INJECT_GET:
        output = this.injectStatus()
        break
      default:
        output = encodeDsmStatus(DsmStatus.NOT_SUPPORTED)
    }
    if (this.dirty) {
      this.dirty = false
      this.options.changed?.()
    }
    for (const event of this.pendingEvents.splice(0)) for (const listener of this.listeners) listener(event)
    return output
  }

  private running(ars: Ars): boolean {
    return this.clock() < ars.startedAt + ars.duration
  }

  /** When a full scrub is over, the poison it met is what the platform reports from now on. */
  private settle(): void {
    const ars = this.ars
    if (!ars || ars.settled || this.running(ars)) return
    for (const record of ars.records.entries) {
      for (const hit of this.poisonList.within(record.start, record.length)) this.known.add(hit.start, hit.length)
    }
    ars.settled = true
    this.dirty = true
  }

  private rangeOf(address: bigint, length: bigint): NfitBusRange | undefined {
    const ranges = this.options.ranges
    const end = address + (length === 0n ? 1n : length)
    if (end > U64_END) return undefined
    if (!ranges) return { address, length }
    return ranges.find((range) => address >= range.address && end <= range.address + range.length)
  }

  /** The provider's lookup; one that throws knows no dimm there. */
  private lookup(spa: bigint): SpaTranslationAnswer | undefined {
    try {
      return this.options.translate?.(spa)
    } catch {
      return undefined
    }
  }

  private capabilities(range: NfitBusRange): number {
    if (!this.options.ranges) return ND_ARS_PERSISTENT | ND_ARS_VOLATILE
    return range.type === 'volatile' ? ND_ARS_VOLATILE : ND_ARS_PERSISTENT
  }

  private query(): Uint8Array {
    const bits = [0, ...this.supportedFunctions].reduce((mask, fn) => mask | (1 << fn), 0)
    return Uint8Array.of(bits & 0xff, bits >> 8)
  }

  private arsCap(input: Uint8Array): Uint8Array {
    const answer = (status: number) =>
      encodeArsCapOutput({ status, maxArsOut: this.maxArsOut, clearErrorUnit: this.clearErrorUnit, flags: 0 })
    if (input.length < 16) return answer(DsmStatus.INVALID_INPUT)
    const { address, length } = decodeSpaRangeInput(input)
    const range = this.rangeOf(address, length)
    if (!range) return answer(NFIT_ARS_CAP_NONE)
    return answer((this.capabilities(range) << 16) >>> 0)
  }

  private arsStart(input: Uint8Array): Uint8Array {
    const refuse = (status: number) => encodeArsStartOutput({ status, scrubTime: 0 })
    if (input.length < 24) return refuse(DsmStatus.INVALID_INPUT)
    const request = decodeArsStartInput(input)
    if (this.ars && this.running(this.ars)) return refuse(NFIT_ARS_START_BUSY)
    const range = request.length > 0n ? this.rangeOf(request.address, request.length) : undefined
    if (!range || !(request.type & this.capabilities(range)) || request.type & ~(ND_ARS_PERSISTENT | ND_ARS_VOLATILE)) {
      return refuse(DsmStatus.INVALID_INPUT)
    }
    const short = (request.flags & ND_ARS_RETURN_PREV_DATA) !== 0
    const source = short ? this.known : this.poisonList
    const records = badrangeOf(
      source.within(request.address, request.length).map((hit) => ({ address: hit.start, length: hit.length })),
    )
    const wanted = short ? 0 : (this.options.scrubMillis ?? (() => DEFAULT_SCRUB_MILLIS))(request.length)
    const duration = Number.isFinite(wanted) && wanted > 0 ? wanted : 0
    this.ars = {
      address: request.address,
      length: request.length,
      type: request.type,
      flags: request.flags,
      startedAt: this.clock(),
      duration,
      settled: short,
      records,
    }
    this.dirty = true
    return encodeArsStartOutput({ status: 0, scrubTime: Math.min(0xffffffff, Math.ceil(duration / 1000)) })
  }

  private arsStatus(): Uint8Array {
    const ars = this.ars
    const empty = { address: 0n, length: 0n, restartAddress: 0n, restartLength: 0n, type: 0, flags: 0, records: [] }
    if (!ars) return encodeArsStatusOutput({ ...empty, status: NFIT_ARS_STATUS_NONE })
    const header = { address: ars.address, length: ars.length, type: ars.type }
    if (this.running(ars)) return encodeArsStatusOutput({ ...empty, ...header, status: NFIT_ARS_STATUS_BUSY })
    const found = ars.records.entries
    const capacity = Math.max(0, Math.floor((this.maxArsOut - ARS_STATUS_HEADER_SIZE) / ARS_RECORD_SIZE))
    const records: ArsRecord[] = found.slice(0, capacity).map((entry) => ({
      handle: this.lookup(entry.start)?.devices[0]?.handle ?? 0,
      address: entry.start,
      length: entry.length,
    }))
    const next = found[capacity]
    if (!next) {
      return encodeArsStatusOutput({ ...header, restartAddress: 0n, restartLength: 0n, flags: 0, records, status: 0 })
    }
    // The output is full: interrupted, with where to go on from (ars_continue()).
    return encodeArsStatusOutput({
      ...header,
      status: NFIT_ARS_STATUS_INTR,
      flags: NFIT_ARS_F_OVERFLOW,
      restartAddress: next.start,
      restartLength: ars.address + ars.length - next.start,
      records,
    })
  }

  private clearError(input: Uint8Array): Uint8Array {
    const refuse = (status: number) => encodeClearErrorOutput({ status, cleared: 0n })
    if (input.length < 16) return refuse(DsmStatus.INVALID_INPUT)
    const { address, length } = decodeSpaRangeInput(input)
    const mask = BigInt(this.clearErrorUnit) - 1n
    if (length === 0n || ((address | length) & mask) !== 0n || !this.rangeOf(address, length)) {
      return refuse(DsmStatus.INVALID_INPUT)
    }
    this.poisonList.forget(address, length)
    this.known.forget(address, length)
    // The last scrub's report no longer lists what was cleared.
    this.ars?.records.forget(address, length)
    this.dirty = true
    return encodeClearErrorOutput({ status: 0, cleared: length })
  }

  private translateSpa(input: Uint8Array): Uint8Array {
    const none = (status: number) => encodeTranslateSpaOutput({ status, flags: 0, translateLength: 0n, devices: [] })
    if (input.length < 8) return none(DsmStatus.INVALID_INPUT)
    const answer = this.lookup(decodeTranslateSpaInput(input))
    if (!answer || answer.devices.length === 0) return none(TRANSLATE_SPA_STATUS_INVALID_SPA)
    return encodeTranslateSpaOutput({
      status: 0,
      flags: answer.mirrored ? 1 : 0,
      translateLength: answer.length,
      devices: [...answer.devices],
    })
  }

  private inject(input: Uint8Array): Uint8Array {
    if (input.length < 17) return encodeDsmStatus(ARS_ERR_INJ_STATUS_INVALID_PARAM)
    const { address, length, options } = decodeErrorInjectInput(input)
    if (length === 0n || !this.rangeOf(address, length)) return encodeDsmStatus(ARS_ERR_INJ_STATUS_INVALID_PARAM)
    this.poisonList.add(address, length)
    if (options & ND_ARS_ERR_INJ_OPT_NOTIFY) {
      // The platform "detected" it: reported from now on, and the OS is told.
      this.known.add(address, length)
      this.pendingEvents.push(NFIT_NOTIFY_UC_MEMORY_ERROR)
    }
    this.dirty = true
    return encodeDsmStatus(DsmStatus.SUCCESS)
  }

  private injectClear(input: Uint8Array): Uint8Array {
    if (input.length < 16) return encodeDsmStatus(ARS_ERR_INJ_STATUS_INVALID_PARAM)
    const { address, length } = decodeSpaRangeInput(input)
    if (length === 0n || address + length > U64_END) return encodeDsmStatus(ARS_ERR_INJ_STATUS_INVALID_PARAM)
    this.poisonList.forget(address, length)
    this.known.forget(address, length)
    this.dirty = true
    return encodeDsmStatus(DsmStatus.SUCCESS)
  }

  private injectStatus(): Uint8Array {
    const records = this.poisonList.entries
      .slice(0, MAX_INJECT_STATUS_RECORDS)
      .map((entry) => ({ address: entry.start, length: entry.length }))
    return encodeErrorInjectStatusOutput({ status: 0, records })
  }
}
