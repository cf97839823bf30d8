import {
  type BusHandle,
  type BusOps,
  type Errno,
  NvdimmError,
  type PoisonRange,
  type ScrubStatus,
  type SpaDevice,
} from '@nvdimm/core'
import {
  type ArsStatusOutput,
  ARS_RECORD_SIZE,
  ARS_STATUS_OUT_LENGTH_BASE,
  decodeArsCapOutput,
  decodeArsStartOutput,
  decodeArsStatusOutput,
  encodeArsStartInput,
  encodeSpaRangeInput,
} from './ars-payloads.js'
import type { NfitBusFirmware } from './bus-firmware.js'
import {
  NFIT_NOTIFY_UC_MEMORY_ERROR,
  NfitBusFn,
  nfitBusFunctionName,
  ND_ARS_ERR_INJ_OPT_NOTIFY,
  ND_ARS_PERSISTENT,
  ND_ARS_RETURN_PREV_DATA,
  ND_ARS_VOLATILE,
} from './bus-functions.js'
import {
  arsCapErrno,
  arsStartErrno,
  arsStatusErrno,
  clearErrorErrno,
  injectErrno,
  translateSpaErrno,
} from './bus-xlat.js'
import { decodeClearErrorOutput } from './clear-error-payload.js'
import { decodeDsmStatus, decodeErrorInjectStatusOutput, encodeErrorInjectInput } from './error-inject-payloads.js'
import { decodeTranslateSpaOutput, encodeTranslateSpaInput } from './translate-spa-payload.js'

/**
 * How provider-side code reaches the root device's DSM: function and input in, the output
 * buffer out (status first). A transport failure is thrown as an NvdimmError.
 */
export type NfitBusSend = (fn: number, input: Uint8Array) => Uint8Array | Promise<Uint8Array>

/** A memory range the bus scrubs: an SPA range of the NFIT, persistent or volatile. */
export interface NfitScrubRange {
  address: bigint
  length: bigint
  type: 'pmem' | 'volatile'
}

export interface NfitBusOpsOptions {
  /**
   * nfit.no_init_ars: at registration only fetch what the platform already knows ("short" ARS)
   * instead of queueing a full scrub too. On by default: each CLI command is a boot here, and a
   * full scrub at every one would keep the bus busy.
   */
  noInitArs?: boolean
  /** sysfs hw_error_scrub: a platform error notification queues a full scrub instead of a short one. */
  hwErrorScrub?: boolean
  /** Milliseconds, for the scrub work's delays; the firmware's clock by default. */
  clock?: () => number
}

/** core's BusOps, plus what the provider calls to set the scrub machinery up and down. */
export interface NfitBusOps extends BusOps {
  /**
   * acpi_nfit_register_regions()'s ARS part: read each range's ARS capabilities, fetch the
   * errors the platform knows (into the bus's badrange) and queue the scrub work.
   */
  registerRanges(bus: Pick<BusHandle, 'addBadrange'>, ranges: readonly NfitScrubRange[]): Promise<void>
  /** The scrub work is queued: acpi_nfit_clear_to_send() refuses a user ARS_START with EBUSY meanwhile. */
  readonly scrubBusy: boolean
  /** acpi_nfit_shutdown(): cancel the scrub work and stop listening to the firmware. */
  shutdown(): void
}

const EMPTY = new Uint8Array(0)
/** The scrub work's longest backoff while the platform is busy (30 minutes). */
const MAX_TMO = 30 * 60

type ArsRequest = 'short' | 'long'

/** struct nfit_spa's ARS state. */
interface NfitSpa {
  readonly range: NfitScrubRange
  short: boolean
  long: boolean
  failed: boolean
  clearErrorUnit: number
  maxArs: number
}

function errnoOf(error: unknown): Errno {
  if (error instanceof NvdimmError) return error.errno
  throw error
}

/**
 * The ARS machinery of the kernel's nfit driver (drivers/acpi/nfit/core.c: ars_register(),
 * acpi_nfit_scrub(), __acpi_nfit_scrub(), acpi_nfit_ars_rescan(), scrub_show()) over the bus
 * DSM. Its delayed work runs lazily: whenever the scrub state is read, every run that fell due
 * on the clock is run first, so no timer outlives a command.
 */
class NfitScrubMachine implements NfitBusOps {
  private spas: NfitSpa[] = []
  private scrubSpa: NfitSpa | undefined
  /** ARS_BUSY, ARS_POLL, ARS_VALID, ARS_CANCEL */
  private busy = false
  private poll = false
  private valid = false
  private cancel = false
  private scrubCount = 0
  private scrubTmo = 1
  /** When the delayed work is due; undefined while it is not queued. */
  private due: number | undefined
  private status: ArsStatusOutput | undefined
  private bus: Pick<BusHandle, 'addBadrange'> | undefined
  private notifications = 0
  private lock: Promise<unknown> = Promise.resolve()
  private readonly unsubscribe: () => void
  private readonly clock: () => number

  constructor(
    private readonly firmware: NfitBusFirmware,
    private readonly send: NfitBusSend,
    private readonly options: NfitBusOpsOptions,
  ) {
    this.clock = options.clock ?? firmware.clock
    // The notify handler runs later, from the kernel's point of view (nfit_test queues it as work).
    this.unsubscribe = firmware.onNotify((event) => {
      if (event === NFIT_NOTIFY_UC_MEMORY_ERROR) this.notifications++
    })
  }

  get scrubBusy(): boolean {
    return this.due !== undefined
  }

  shutdown(): void {
    this.cancel = true
    this.due = undefined
    this.unsubscribe()
  }

  readonly scrub = {
    start: () =>
      this.locked(async () => {
        this.takeNotifications()
        const errno = this.rescan('long')
        if (errno === 'EBUSY') throw new NvdimmError('EBUSY', 'nfit: a scrub is already queued on every range')
        if (errno) throw new NvdimmError(errno, 'nfit: no memory range of this bus can be scrubbed')
      }),
    status: () =>
      this.locked(async (): Promise<ScrubStatus> => {
        this.takeNotifications()
        await this.advance()
        const active = this.busy && !this.cancel
        // scrub_show(): a privileged reader makes the work poll the busy platform every second.
        if (active && !this.poll) {
          this.poll = true
          this.scrubTmo = 1
          this.due = this.clock() + 1000
        }
        const progress = active ? this.firmware.scrubProgress() : undefined
        return { active, count: this.scrubCount, ...(progress === undefined ? {} : { progress }) }
      }),
  }

  readonly errorInjection = {
    inject: async (spa: bigint, length: bigint, notify: boolean) => {
      const options = notify ? ND_ARS_ERR_INJ_OPT_NOTIFY : 0
      const output = await this.call(
        NfitBusFn.ARS_INJECT_SET,
        encodeErrorInjectInput({ address: spa, length, options }),
      )
      this.takeNotifications()
      const errno = injectErrno(this.answer(NfitBusFn.ARS_INJECT_SET, output, decodeDsmStatus))
      if (errno)
        throw new NvdimmError(errno, `nfit: the platform refused to inject ${length} bytes at 0x${spa.toString(16)}`)
    },
    uninject: async (spa: bigint, length: bigint) => {
      const output = await this.call(NfitBusFn.ARS_INJECT_CLEAR, encodeSpaRangeInput({ address: spa, length }))
      const errno = injectErrno(this.answer(NfitBusFn.ARS_INJECT_CLEAR, output, decodeDsmStatus))
      if (errno)
        throw new NvdimmError(errno, `nfit: the platform refused to uninject ${length} bytes at 0x${spa.toString(16)}`)
    },
    status: async (): Promise<PoisonRange[]> => {
      const output = await this.call(NfitBusFn.ARS_INJECT_GET, EMPTY)
      const { records } = this.answer(NfitBusFn.ARS_INJECT_GET, output, decodeErrorInjectStatusOutput)
      return records.map((record) => ({ spa: record.address, length: record.length }))
    },
  }

  /** ndctl_cmd_ars_cap_get_clear_unit() over the range. */
  async clearErrorUnit(spa: bigint, length: bigint): Promise<number> {
    return (await this.arsCap(spa, length)).clearErrorUnit
  }

  /** nvdimm_clear_poison()'s firmware part: ARS_CAP for the unit, the alignment it needs, CLEAR_ERROR. */
  async clearError(spa: bigint, length: bigint): Promise<bigint> {
    const { clearErrorUnit: unit } = await this.arsCap(spa, length)
    if (!unit || (unit & (unit - 1)) !== 0) {
      throw new NvdimmError('ENXIO', `nfit: the platform's clear unit ${unit} is not a power of 2`)
    }
    const mask = BigInt(unit) - 1n
    if (((spa | length) & mask) !== 0n) {
      throw new NvdimmError(
        'ENXIO',
        `nfit: 0x${spa.toString(16)}+0x${length.toString(16)} is not aligned to the ${unit}-byte clear unit`,
      )
    }
    const output = await this.call(NfitBusFn.CLEAR_ERROR, encodeSpaRangeInput({ address: spa, length }))
    const { status, cleared } = this.answer(NfitBusFn.CLEAR_ERROR, output, decodeClearErrorOutput)
    const errno = clearErrorErrno(status, cleared)
    if (errno)
      throw new NvdimmError(errno, `nfit: clearing 0x${length.toString(16)} bytes at 0x${spa.toString(16)} failed`)
    return cleared
  }

  /** ndctl_bus_nfit_translate_spa(): EINVAL for an address no dimm maps. */
  async translateSpa(spa: bigint): Promise<SpaDevice[]> {
    const output = await this.call(NfitBusFn.TRANSLATE_SPA, encodeTranslateSpaInput(spa))
    const answer = this.answer(NfitBusFn.TRANSLATE_SPA, output, decodeTranslateSpaOutput)
    const errno = translateSpaErrno(answer.status)
    if (errno) throw new NvdimmError(errno, `nfit: no dimm maps 0x${spa.toString(16)}`)
    return answer.devices.map((device) => ({ handle: device.handle, dpa: device.dpa }))
  }

  registerRanges(bus: Pick<BusHandle, 'addBadrange'>, ranges: readonly NfitScrubRange[]): Promise<void> {
    return this.locked(async () => {
      this.bus = bus
      this.valid = true
      const added = ranges.map((range) => ({
        range,
        short: false,
        long: false,
        failed: false,
        clearErrorUnit: 0,
        maxArs: 0,
      }))
      this.spas.push(...added)
      for (const spa of added) await this.initArs(spa)
      for (const spa of added) await this.arsRegister(spa)
      this.schedule(0)
    })
  }

  /** The kernel's init_mutex: one scrub step, rescan or status read at a time. */
  private locked<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lock.then(run, run)
    this.lock = next.catch(() => undefined)
    return next
  }

  private async call(fn: number, input: Uint8Array): Promise<Uint8Array> {
    return this.send(fn, input)
  }

  /** An answer too short for its payload is the platform's fault: EIO. */
  private answer<T>(fn: number, output: Uint8Array, decode: (bytes: Uint8Array) => T): T {
    try {
      return decode(output)
    } catch (error) {
      throw new NvdimmError('EIO', `nfit ${nfitBusFunctionName(fn)}: malformed answer: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  private async arsCap(spa: bigint, length: bigint) {
    const output = await this.call(NfitBusFn.ARS_CAP, encodeSpaRangeInput({ address: spa, length }))
    const cap = this.answer(NfitBusFn.ARS_CAP, output, decodeArsCapOutput)
    const errno = arsCapErrno(cap.status)
    if (errno) {
      throw new NvdimmError(errno, `nfit: no ARS capabilities for 0x${spa.toString(16)}+0x${length.toString(16)}`)
    }
    return cap
  }

  /** acpi_nfit_uc_error_notify(), for each notification the firmware raised since the last look. */
  private takeNotifications(): void {
    for (; this.notifications > 0; this.notifications--) this.rescan(this.options.hwErrorScrub ? 'long' : 'short')
  }

  /** acpi_nfit_ars_rescan() */
  private rescan(request: ArsRequest): Errno | undefined {
    if (this.cancel) return undefined
    let scheduled = 0
    let busy = 0
    for (const spa of this.spas) {
      if (spa.failed) continue
      if (spa[request]) busy++
      else {
        spa[request] = true
        scheduled++
      }
    }
    if (scheduled) {
      this.schedule(0)
      return undefined
    }
    return busy ? 'EBUSY' : 'ENOTTY'
  }

  /** __sched_ars(): queue_delayed_work() does nothing when the work is already queued. */
  private schedule(tmo: number): void {
    this.busy = true
    if (tmo) this.scrubTmo = tmo
    if (this.due === undefined) this.due = this.clock() + tmo * 1000
  }

  /** Run every piece of scrub work that is due by now. */
  private async advance(): Promise<void> {
    while (this.due !== undefined && this.due <= this.clock()) await this.runWork()
  }

  /** acpi_nfit_scrub(): one run of the delayed work. */
  private async runWork(): Promise<void> {
    this.due = undefined
    const queryRc = await this.queryPoison()
    const tmo = await this.scrubStep(queryRc)
    if (tmo) this.schedule(tmo)
    else {
      // notify_ars_done()
      this.busy = false
      this.scrubCount++
    }
    this.status = undefined
    this.poll = false
  }

  /** acpi_nfit_init_ars(): a range whose ARS capabilities do not fit its type is not scrubbed. */
  private async initArs(spa: NfitSpa): Promise<void> {
    spa.failed = true
    let cap
    try {
      cap = await this.arsCap(spa.range.address, spa.range.length)
    } catch (error) {
      errnoOf(error)
      return
    }
    const wanted = spa.range.type === 'volatile' ? ND_ARS_VOLATILE : ND_ARS_PERSISTENT
    if (((cap.status >>> 16) & wanted) === 0) return
    spa.maxArs = cap.maxArsOut
    spa.clearErrorUnit = cap.clearErrorUnit
    spa.failed = false
  }

  /** ars_register(): fetch what the platform knows for the range, then ask for a short scrub of it. */
  private async arsRegister(spa: NfitSpa): Promise<void> {
    if (spa.failed) return
    spa.short = true
    if (!(this.options.noInitArs ?? true)) spa.long = true
    const queryRc = await this.queryPoison()
    if (queryRc === undefined || queryRc === 'ENOSPC' || queryRc === 'EAGAIN') {
      const rc = await this.arsStart(spa, 'short')
      if (rc === 'EBUSY') return
      if (rc) {
        spa.failed = true
        return
      }
      spa.short = false
      if (await this.queryPoison()) return
      this.scrubSpa = spa
      this.arsComplete(spa)
      this.scrubSpa = undefined
      return
    }
    // The platform is scrubbing on its own (or out of resources): wait for it, then scrub.
    if (queryRc !== 'EBUSY' && queryRc !== 'ENOMEM') spa.failed = true
  }

  /** ars_start() */
  private async arsStart(spa: NfitSpa, request: ArsRequest): Promise<Errno | undefined> {
    const input = encodeArsStartInput({
      address: spa.range.address,
      length: spa.range.length,
      type: spa.range.type === 'volatile' ? ND_ARS_VOLATILE : ND_ARS_PERSISTENT,
      flags: request === 'short' ? ND_ARS_RETURN_PREV_DATA : 0,
    })
    try {
      const output = await this.call(NfitBusFn.ARS_START, input)
      const errno = arsStartErrno(this.answer(NfitBusFn.ARS_START, output, decodeArsStartOutput).status)
      if (errno) return errno
    } catch (error) {
      return errnoOf(error)
    }
    this.valid = true
    return undefined
  }

  /** ars_continue(): go on where an overflowing status said to. */
  private async arsContinue(): Promise<void> {
    const status = this.status
    if (!status) return
    try {
      const input = encodeArsStartInput({
        address: status.restartAddress,
        length: status.restartLength,
        type: status.type,
        flags: 0,
      })
      await this.call(NfitBusFn.ARS_START, input)
    } catch (error) {
      errnoOf(error)
    }
  }

  /** acpi_nfit_query_poison(): ARS_STATUS, and its records into the badrange. */
  private async queryPoison(): Promise<Errno | undefined> {
    let status: ArsStatusOutput
    try {
      status = this.answer(NfitBusFn.ARS_STATUS, await this.call(NfitBusFn.ARS_STATUS, EMPTY), decodeArsStatusOutput)
    } catch (error) {
      this.status = undefined
      return errnoOf(error)
    }
    this.status = status
    const errno = arsStatusErrno(status)
    if (errno && errno !== 'ENOSPC') return errno
    this.processRecords(status)
    return errno
  }

  /** ars_status_process_records(): only after an ARS start, only whole records. */
  private processRecords(status: ArsStatusOutput): void {
    if (status.outLength < ARS_STATUS_OUT_LENGTH_BASE) return
    // Results are only fresh after a start; older ones were taken already.
    if (!this.valid) return
    this.valid = false
    for (const [index, record] of status.records.entries()) {
      if (status.outLength < ARS_STATUS_OUT_LENGTH_BASE + ARS_RECORD_SIZE * (index + 1)) break
      try {
        this.bus?.addBadrange(record.address, record.length)
      } catch (error) {
        // A record no range can hold (zero length, past the end): nothing to add.
        errnoOf(error)
      }
    }
  }

  /**
   * ars_complete(): the kernel's own scrub of `spa` is over once a status covers the range to its
   * end; the region then revalidates its poison (core derives it from the badrange).
   */
  private arsComplete(spa: NfitSpa): void {
    if (this.scrubSpa !== spa) return
    const status = this.status
    if (!status) return
    const end = spa.range.address + spa.range.length
    const inRange = status.address >= spa.range.address && status.address < end
    if (!(inRange || status.address < spa.range.address)) return
    if (status.address + status.length < end) return
    this.scrubSpa = undefined
  }

  /** __acpi_nfit_scrub(): the next step, and how many seconds until the one after (0: done). */
  private async scrubStep(queryRc: Errno | undefined): Promise<number> {
    if (this.cancel) return 0
    if (queryRc === 'EBUSY') return Math.min(MAX_TMO, this.scrubTmo * 2)
    if (queryRc === 'ENOSPC') {
      await this.arsContinue()
      return 1
    }
    for (const spa of this.spas) if (!spa.failed) this.arsComplete(spa)
    for (const spa of [...this.spas]) {
      if (spa.failed) continue
      const request: ArsRequest | undefined = spa.short ? 'short' : spa.long ? 'long' : undefined
      if (!request) continue
      const rc = await this.arsStart(spa, request)
      // Raced someone else starting a scrub: try again in a bit.
      if (rc === 'EBUSY') return 1
      if (!rc) {
        spa[request] = false
        this.scrubSpa = spa
        // Last in line for the next request.
        this.spas.splice(this.spas.indexOf(spa), 1)
        this.spas.push(spa)
        return 1
      }
      spa.failed = true
    }
    return 0
  }
}

/**
 * core's BusOps for an NFIT bus, over its DSM the way the kernel's nfit driver uses it: scrub
 * (queue a full ARS, watch its progress, move the records it reports into the bus's badrange),
 * clear-error, error injection (a notifying injection queues a rescan), translate SPA. `send`
 * is the DSM transport (straight to the firmware by default); the firmware is also listened to
 * for its notifications.
 */
export function nfitBusOps(
  firmware: NfitBusFirmware,
  send: NfitBusSend = (fn, input) => firmware.call(fn, input),
  options: NfitBusOpsOptions = {},
): NfitBusOps {
  return new NfitScrubMachine(firmware, send, options)
}
