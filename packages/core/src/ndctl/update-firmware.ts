import type { Dimm } from '../dimm/dimm.js'
import { type Errno, ERRNO, errnoName, NvdimmError } from '../errors.js'
import type { DimmFirmwareOps, FirmwareInfo } from '../provider/dimm-ops.js'
import type { Nvdimm } from '../subsystem.js'
import { busMatches, dimmMatches } from './filter.js'
import { type JsonValue, toJsonC } from './json.js'
import { type NdctlOutcome, plural } from './outcome.js'
import { busScrubState } from './scrub.js'
import { dimmFirmwareToJson, dimmToJson } from './to-json.js'
import { ndctlBuses, ndctlDimms } from './topology.js'

/**
 * `ndctl update-firmware` (ndctl/dimm.c action_update(), ndctl/firmware-update.h, v76.1): get
 * the dimm's firmware info, check the image fits its store, start an update, send the image in
 * max_send_len chunks, finish, then query until the dimm has verified it; print each updated
 * dimm with its firmware details. The firmware work goes through the dimm's ops.firmware.
 *
 * Runtime firmware activation (arm/disarm, Intel functions 29-31 and the kernel's
 * firmware/activate attributes) is not modelled by any provider: every bus behaves as one
 * without activate support, where ndctl's arm and disarm fail quietly and the new firmware
 * runs from the next power cycle.
 */

export interface UpdateFirmwareOptions {
  /** -b */
  bus?: string
  /** -f: the image's bytes, read from the file by the caller. */
  firmware?: Uint8Array
  /** -i: update while a scrub runs; abort another update in progress first. */
  force?: boolean
  /** -A/--arm (true), --no-arm (false); undefined when neither is given (ndctl arms by default). */
  arm?: boolean
  /** -D/--disarm (true), --no-disarm (false, refused). */
  disarm?: boolean
  /** -v */
  verbose?: boolean
  /** Standard output is a terminal (ndctl's isatty(1)): hex values as "0x…", a lone dimm printed bare. */
  human?: boolean
  /** Let `ms` milliseconds pass between two finish queries; tests pass a fake clock's. */
  sleep?(ms: number): Promise<void>
  /** A monotonic clock in milliseconds (CLOCK_MONOTONIC), for the query time limit. */
  now?(): number
}

/** enum ND_FW_STATUS (ndctl/libndctl.h): the numbers ndctl prints in its failure lines. */
const FwStatus = {
  ENOTSUPP: 1,
  ENOTEXIST: 2,
  EINVAL: 3,
  EHWERR: 4,
  ERETRY: 5,
  EUNKNOWN: 6,
  ENORES: 7,
  ENOTREADY: 8,
  EBUSY: 9,
  ALREADY_DONE: 11,
  EBADFW: 12,
} as const

type FwStep = 'start' | 'send' | 'finish' | 'query'

/**
 * The ND_FW_STATUS behind a provider's error. The contract speaks errno, so this reads each
 * step's errno the way an Intel provider produces it from the firmware status (finish: EINVAL
 * is a rejected image, EBUSY an update already done; query: EBUSY still verifying).
 */
function fwStatusOf(error: NvdimmError, step: FwStep): number {
  switch (error.errno) {
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
      return FwStatus.ENOTSUPP
    case 'ENXIO':
      return FwStatus.ENOTEXIST
    case 'EAGAIN':
      return FwStatus.ERETRY
    case 'ETIMEDOUT':
      return FwStatus.ENORES
    case 'EIO':
      return FwStatus.EHWERR
    case 'EINVAL':
      return step === 'finish' || step === 'query' ? FwStatus.EBADFW : FwStatus.EINVAL
    case 'EBUSY':
      if (step === 'finish') return FwStatus.ALREADY_DONE
      return step === 'send' ? FwStatus.ENOTREADY : FwStatus.EBUSY
    default:
      return FwStatus.EUNKNOWN
  }
}

const UINT_MAX = 0xffffffff
const ULLONG_MAX = (1n << 64n) - 1n
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const defaultNow = () => performance.now()

function rcOf(errno: Errno): number {
  return -ERRNO[errno]
}

/** What the command accumulates over the dimms: dimm_action()'s actx, err() and stderr lines. */
class UpdateRun {
  readonly errors: NvdimmError[] = []
  readonly messages: string[] = []
  readonly jdimms: JsonValue[] = []
  private readonly arm: boolean
  private readonly disarm: boolean

  constructor(private readonly options: UpdateFirmwareOptions) {
    this.arm = options.arm ?? true
    this.disarm = options.disarm ?? false
  }

  /** err(): an "Error: update firmware: …" line; hands back the return code that goes with it. */
  private fail(errno: Errno, message: string, cause?: unknown): number {
    this.errors.push(new NvdimmError(errno, message, cause === undefined ? undefined : { cause }))
    return rcOf(errno)
  }

  /** action_update() */
  async update(dimm: Dimm): Promise<number> {
    const image = this.options.firmware
    if (!image) return this.toggleArm(dimm, true)
    const fw = dimm.descriptor.ops?.firmware
    // ndctl_dimm_fw_update_supported(): a dimm whose provider offers no firmware ops is one
    // whose family libndctl has no firmware-update ops for.
    if (!fw) return this.fail('ENOTTY', `${dimm.name}: firmware update not supported by ndctl.`)
    if ((await busScrubState(dimm.bus)) === 'active' && !this.options.force) {
      return this.fail('EBUSY', `${dimm.name}: scrub active, retry after 'ndctl wait-scrub'`)
    }
    // update_verify_input()
    if (image.length === 0) return this.fail('EINVAL', 'Input file size is 0.')
    return this.updateFirmware(dimm, fw, image)
  }

  /** update_firmware() */
  private async updateFirmware(dimm: Dimm, fw: DimmFirmwareOps, image: Uint8Array): Promise<number> {
    const name = dimm.name
    const info = await this.getInfo(dimm, fw, image)
    if (typeof info === 'number') return info

    // A few tries in the --force and busy case; ndctl goes on without a context after the
    // third (and crashes), here the dimm fails with EAGAIN.
    let context: number | undefined
    let rc = 0
    for (let i = 0; i < 3 && context === undefined; i++) {
      const started = await this.start(dimm, fw)
      if (typeof started === 'number' && started !== rcOf('EAGAIN')) return started
      if (typeof started === 'number') rc = started
      else context = started.context
    }
    if (context === undefined) return rc

    if (this.options.verbose) this.messages.push(`${name}: uploading firmware`)
    rc = await this.send(dimm, fw, context, info, image)
    if (rc < 0) {
      this.fail(errnoName(rc) ?? 'EIO', `${name}: firmware send failed`)
      // As in ndctl, the dimm's result is the abort's: a clean abort counts as done.
      rc = await this.abort(dimm, fw, context)
      if (rc < 0) this.fail('ENXIO', `${name}: abort failed`)
      return rc
    }

    rc = await this.finish(dimm, fw, context)
    if (rc < 0) {
      this.fail('ENXIO', `${name}: failed to finish update sequence`)
      rc = await this.abort(dimm, fw, context)
      if (rc < 0) this.fail('ENXIO', `${name}: failed to abort update`)
      return rc
    }
    return this.queryFinishStatus(dimm, fw, context, info)
  }

  /** submit_get_firmware_info() and verify_fw_size() */
  private async getInfo(dimm: Dimm, fw: DimmFirmwareOps, image: Uint8Array): Promise<FirmwareInfo | number> {
    let info: FirmwareInfo
    try {
      info = await fw.info()
    } catch (error) {
      return this.fail('ENXIO', `${dimm.name}: failed to retrieve firmware info`, providerError(error))
    }
    // libndctl's getters answer UINT_MAX / ULLONG_MAX for a command that did not complete.
    const fields = [info.storageSize, info.maxSendLength, info.queryIntervalUs, info.maxQueryTimeUs]
    if (fields.includes(UINT_MAX) || info.runVersion === ULLONG_MAX) return rcOf('ENXIO')
    if (image.length > info.storageSize) return this.fail('ENOSPC', 'Firmware file size greater than DIMM store')
    return info
  }

  /** submit_start_firmware_upload(): the context, or a return code (EAGAIN: aborted another update, try again). */
  private async start(dimm: Dimm, fw: DimmFirmwareOps): Promise<{ context: number } | number> {
    const name = dimm.name
    let context: number
    try {
      context = await fw.start()
    } catch (error) {
      const cause = providerError(error)
      if (fwStatusOf(cause, 'start') !== FwStatus.EBUSY) {
        return this.fail('ENXIO', `${name}: failed to create start context`, cause)
      }
      if (!this.options.force) return this.fail('EBUSY', `${name}: busy with another firmware update`, cause)
      // The refused start carries no context: the abort goes out with 0, as from a zeroed reply.
      if ((await this.abort(dimm, fw, 0)) < 0) {
        return this.fail('EBUSY', `${name}: busy with another firmware update, abort failed`, cause)
      }
      return rcOf('EAGAIN')
    }
    if (context === UINT_MAX) return this.fail('ENXIO', `${name}: failed to retrieve start context`)
    return { context }
  }

  /** send_firmware(): the image in chunks of at most max_send_len bytes. */
  private async send(
    dimm: Dimm,
    fw: DimmFirmwareOps,
    context: number,
    info: FirmwareInfo,
    image: Uint8Array,
  ): Promise<number> {
    // ndctl reads 0-byte chunks from its file and fails (EBADF, not modelled: EIO).
    if (info.maxSendLength <= 0) return rcOf('EIO')
    for (let offset = 0; offset < image.length; offset += info.maxSendLength) {
      const chunk = image.subarray(offset, Math.min(offset + info.maxSendLength, image.length))
      try {
        await fw.send(context, offset, chunk)
      } catch (error) {
        const cause = providerError(error)
        this.fail('EIO', `${dimm.name}: failed to transmit firmware: ${fwStatusOf(cause, 'send')}`, cause)
        return rcOf('EIO')
      }
    }
    return 0
  }

  /** submit_finish_firmware() */
  private async finish(dimm: Dimm, fw: DimmFirmwareOps, context: number): Promise<number> {
    try {
      await fw.finish(context)
      return 0
    } catch (error) {
      const cause = providerError(error)
      const status = fwStatusOf(cause, 'finish')
      const name = dimm.name
      if (status === FwStatus.ERETRY) this.fail('ENXIO', `${name}: device busy with other operation (ARS?)`, cause)
      else if (status === FwStatus.EBADFW) this.fail('ENXIO', `${name}: firmware image rejected`, cause)
      else this.fail('ENXIO', `${name}: update failed: error code: ${status}`, cause)
      return rcOf('ENXIO')
    }
  }

  /** submit_abort_firmware(): 0 once the dimm says the sequence is aborted. */
  private async abort(dimm: Dimm, fw: DimmFirmwareOps, context: number): Promise<number> {
    try {
      await fw.finish(context, true)
      return 0
    } catch (error) {
      const status = fwStatusOf(providerError(error), 'finish')
      this.messages.push(`Firmware update abort on DIMM ${dimm.name} failed: 0x${status.toString(16)}`)
      return rcOf('ENXIO')
    }
  }

  /**
   * query_fw_finish_status(): ask until the dimm has verified the image. ndctl gives up once
   * whole seconds of CLOCK_MONOTONIC moved past max_query_time's whole seconds. Between two
   * questions it waits the firmware's query_interval (ndctl's nanosleep takes the microseconds
   * as a thousandth of themselves, in nanoseconds: a busy loop there).
   */
  private async queryFinishStatus(
    dimm: Dimm,
    fw: DimmFirmwareOps,
    context: number,
    info: FirmwareInfo,
  ): Promise<number> {
    const name = dimm.name
    const now = this.options.now ?? defaultNow
    const sleep = this.options.sleep ?? defaultSleep
    const seconds = (ms: number) => Math.floor(ms / 1000)
    const before = now()
    for (;;) {
      let version: bigint
      try {
        version = await fw.query(context)
      } catch (error) {
        const cause = providerError(error)
        const status = fwStatusOf(cause, 'query')
        if (status === FwStatus.EBUSY) {
          // ndctl returns -ETIMEDOUT here without a word.
          if (seconds(now()) - seconds(before) > Math.floor(info.maxQueryTimeUs / 1_000_000)) return rcOf('ETIMEDOUT')
          await sleep(info.queryIntervalUs / 1000)
          continue
        }
        if (status === FwStatus.EBADFW) return this.fail('EINVAL', `${name}: firmware verification failure`, cause)
        if (status === FwStatus.ENORES) return this.fail('ETIMEDOUT', `${name}: timeout awaiting update`, cause)
        return this.fail('EIO', `${name}: unhandled error ${status}`, cause)
      }
      if (version === 0n) return this.fail('EIO', `${name}: new firmware not found after update`)
      // Arming is attempted but its failure is not fatal: the JSON tells.
      await this.toggleArm(dimm, false)
      return 0
    }
  }

  /**
   * fw_update_toggle_arm(): arm (the default) or disarm the dimm for activation, then list it
   * with its firmware. With no activate support the dimm's firmware/activate is absent, so
   * both fail: fatal without an image (-ENXIO, nothing printed), not after an update.
   */
  private async toggleArm(dimm: Dimm, armFatal: boolean): Promise<number> {
    let armed = false
    if (!this.disarm && this.arm) armed = this.armDimm(dimm)
    if (!armed && armFatal) return rcOf('ENXIO')
    const human = this.options.human ?? false
    const jdimm = dimmToJson(dimm, {
      human,
      verbose: false,
      mediaErrors: false,
      dax: false,
      capabilities: false,
      firmware: true,
    })
    const firmware = await dimmFirmwareToJson(dimm, human)
    if (firmware) jdimm.firmware = firmware
    this.jdimms.push(jdimm)
    return 0
  }

  /** fw_update_arm(): the bus's firmware/activate state is invalid (no activate support). */
  private armDimm(dimm: Dimm): boolean {
    if (this.options.verbose) this.fail('ENXIO', `${dimm.name}: firmware activate capability not found`)
    return false
  }
}

function providerError(error: unknown): NvdimmError {
  if (error instanceof NvdimmError) return error
  throw error
}

/** sscanf(argv[i], "nmem%lu", &id) == 1 */
const DIMM_NAME = /^nmem\s*[+-]?\d/

/**
 * dimm_action()'s checks of the arguments and the arm/disarm options, made before any device
 * or file is touched: EINVAL where ndctl prints its usage. Returns ndctl's lines for the dimm
 * names it skips.
 */
export function checkUpdateFirmwareOptions(dimmIdents: readonly string[], options: UpdateFirmwareOptions): string[] {
  if (dimmIdents.length === 0) {
    throw new NvdimmError('EINVAL', 'specify the dimms to update: nmemN ... or "all"')
  }
  const messages: string[] = []
  if (!dimmIdents.includes('all')) {
    const invalid = dimmIdents.filter((ident) => !DIMM_NAME.test(ident))
    for (const ident of invalid) messages.push(`'${ident}' is not a valid dimm name`)
    if (invalid.length === dimmIdents.length) {
      throw new NvdimmError('EINVAL', invalid.map((ident) => `'${ident}' is not a valid dimm name`).join('; '))
    }
  }
  const armSet = options.arm !== undefined
  const disarmSet = options.disarm !== undefined
  if (armSet && disarmSet) throw new NvdimmError('EINVAL', 'set either --arm, or --disarm, not both')
  if (disarmSet && !options.disarm) throw new NvdimmError('EINVAL', '--no-disarm syntax not supported')
  if (!options.firmware) {
    if (!armSet && !disarmSet) throw new NvdimmError('EINVAL', 'require --arm, or --disarm')
    if (armSet && !options.arm) throw new NvdimmError('EINVAL', '--no-arm syntax not supported')
  }
  return messages
}

/**
 * `ndctl update-firmware <nmem0> [<nmem1>..<nmemN>] [<options>]`: update (or, without -f, arm
 * or disarm) each dimm named, in ndctl's order, a dimm named twice acted on twice. Prints the
 * dimms that got through as JSON, then "updated N nmem(s)."; exits 1 when none did and one failed.
 */
export async function ndctlUpdateFirmware(
  nd: Nvdimm,
  dimmIdents: readonly string[],
  options: UpdateFirmwareOptions = {},
): Promise<NdctlOutcome> {
  const skipped = checkUpdateFirmwareOptions(dimmIdents, options)
  const run = new UpdateRun(options)
  const idents = dimmIdents.includes('all') ? ['all'] : dimmIdents.filter((ident) => DIMM_NAME.test(ident))
  let count = 0
  let err = 0
  for (const ident of idents) {
    for (const bus of ndctlBuses(nd)) {
      if (!busMatches(bus, options.bus)) continue
      for (const dimm of ndctlDimms(bus)) {
        if (!dimmMatches(dimm, ident)) continue
        const rc = await run.update(dimm)
        if (rc === 0) count++
        else if (!err) err = rc
      }
    }
  }
  const result = count > 0 ? count : err
  const outcome: NdctlOutcome = {
    errors: run.errors,
    messages: [...skipped, ...run.messages, `updated ${plural(Math.max(result, 0), 'nmem')}.`],
    exitCode: result >= 0 ? 0 : 1,
  }
  if (run.jdimms.length > 0) {
    // util_display_json_array(): under a terminal a lone dimm prints bare.
    const shown: JsonValue = run.jdimms.length === 1 && options.human ? run.jdimms[0]! : run.jdimms
    outcome.stdout = `${toJsonC(shown)}\n`
  }
  return outcome
}
