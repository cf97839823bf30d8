import { accountClearedPoison } from '../badblocks/clear-poison.js'
import { regionBadblocks } from '../badblocks/device-badblocks.js'
import { pollScrubCompletion, type ScrubWaitEnv, scrubStatus, startScrub } from '../badblocks/scrub-wait.js'
import type { Bus } from '../bus/bus.js'
import { NdBtt } from '../claim/nd-btt.js'
import { NdPfn } from '../claim/nd-pfn.js'
import { errnoName, NvdimmError, strerror } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Nvdimm } from '../subsystem.js'
import { isPowerOf2 } from '../units.js'
import { namespaceBadblocksJson, withNamespaceBadblocks } from './badblocks-json.js'
import { busMatches, regionMatches } from './filter.js'
import { toJsonC } from './json.js'
import type { NdctlOutcome } from './outcome.js'
import { namespaceToJson } from './to-json.js'
import { ndctlBuses, ndctlNamespaces, ndctlRegions } from './topology.js'

/** `ndctl clear-errors` options (ndctl/namespace.c BASE_OPTIONS + CLEAR_OPTIONS). */
export interface ClearErrorsOptions extends ScrubWaitEnv {
  bus?: string
  region?: string
  /** Run a scrub first to find latent errors (once per bus). */
  scrub?: boolean
  verbose?: boolean
}

const SECTOR = 512n

/** An err() of namespace.c: printed with the command's name, and it silences the summary error line. */
class CountedError extends NvdimmError {}

function counted(errno: NvdimmError['errno'], message: string): CountedError {
  return new CountedError(errno, `clear errors namespace: ${message}`)
}

/**
 * bus_send_clear(): ARS capabilities over the range, a clear-error command it allows (aligned
 * to the clear unit), and the kernel's accounting of what was cleared. Anything short of the
 * whole range is ENXIO.
 */
async function sendClear(bus: Bus, start: bigint, length: bigint): Promise<void> {
  const name = bus.providerName
  const { clearErrorUnit, clearError } = bus.ops
  if (!clearErrorUnit || !clearError) throw counted('ENOTTY', `bus: ${name} failed to create cmd`)
  let unit: number
  try {
    unit = await clearErrorUnit.call(bus.ops, start, length)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw counted(error.errno, `bus: ${name} failed to submit cmd: ${error.code}`)
  }
  const mask = BigInt(unit) - 1n
  if (unit <= 0 || !isPowerOf2(BigInt(unit)) || ((start | length) & mask) !== 0n) {
    throw counted('ENOTTY', `bus: ${name} failed to create cmd`)
  }
  let cleared: bigint
  try {
    cleared = await clearError.call(bus.ops, start, length)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw counted(error.errno, `bus: ${name} failed to submit cmd: ${error.code}`)
  }
  // __nd_ioctl(): a user clear-error is accounted like the kernel's own.
  accountClearedPoison(bus, start, cleared)
  if (cleared !== length) throw counted('ENXIO', `bus: ${name} expected to clear: ${length} actual: ${cleared}`)
}

/** namespace_wait_scrub(): start one if asked and none runs, then wait for whatever runs. */
async function waitScrub(namespace: Namespace, scrub: boolean, env: ScrubWaitEnv): Promise<void> {
  const bus = namespace.region.bus
  let active: boolean
  try {
    active = (await scrubStatus(bus, env)).active
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw new NvdimmError(error.errno, `${namespace.name}: Unable to determine scrub state: ${strerror(error.errno)}`)
  }
  if (scrub && !active) {
    try {
      await startScrub(bus, env)
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      throw new NvdimmError(error.errno, `${namespace.name}: Unable to start scrub: ${strerror(error.errno)}`)
    }
  }
  try {
    await pollScrubCompletion(bus, 0, 0, env)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw new NvdimmError(error.errno, `${namespace.name}: Error waiting for scrub: ${strerror(error.errno)}`)
  }
}

/**
 * nstype_clear_badblocks(): with the namespace disabled, clear each region bad block that lies
 * wholly inside the device's data, stopping at the first failure (which ndctl only reports),
 * then enable the namespace again.
 */
async function clearDeviceBadblocks(
  namespace: Namespace,
  devname: string,
  begin: bigint,
  size: bigint,
  errors: NvdimmError[],
): Promise<void> {
  const region = namespace.region
  const devEnd = begin + size - 1n
  for (const entry of regionBadblocks(region)?.entries ?? []) {
    const bbBegin = region.resource.start + entry.sector * SECTOR
    const bbLength = BigInt(entry.length) * SECTOR
    if (bbBegin < begin || bbBegin + bbLength - 1n > devEnd) continue
    try {
      await sendClear(region.bus, bbBegin, bbLength)
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      errors.push(error)
      errors.push(
        new NvdimmError(error.errno, `${devname}: failed to clear badblock at {${entry.sector}, ${entry.length}}`),
      )
      break
    }
  }
  await namespace.enable()
}

/** namespace_clear_bb(): 1 for a sector namespace (skipped), else 0 once the namespace prints. */
async function clearNamespace(
  namespace: Namespace,
  scrub: boolean,
  env: ScrubWaitEnv,
  errors: NvdimmError[],
): Promise<{ rc: number; stdout?: string }> {
  const claim = namespace.claim
  if (claim instanceof NdBtt) return { rc: 1 }
  await waitScrub(namespace, scrub, env)
  let devname = namespace.name
  let begin = namespace.resource.start
  let size = namespace.size
  if (claim instanceof NdPfn) {
    devname = claim.name
    const resource = claim.resource
    if (resource === undefined) throw new NvdimmError('ENXIO', `${devname}: is not active`)
    begin = resource
    size = claim.size!
  }
  try {
    await namespace.disable()
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw new NvdimmError(error.errno, `${devname}: unable to disable namespace: ${strerror(error.errno)}`)
  }
  await clearDeviceBadblocks(namespace, devname, begin, size, errors)
  const flags = { human: false, verbose: false, mediaErrors: true, dax: false, capabilities: false, firmware: false }
  const json = namespaceToJson(namespace, flags)
  if (!json) return { rc: 0 }
  return {
    rc: 0,
    stdout: `${toJsonC(withNamespaceBadblocks(json, await namespaceBadblocksJson(namespace, true)))}\n`,
  }
}

/**
 * `ndctl clear-errors <namespace>|all [-s]` (ndctl/namespace.c, ACTION_CLEAR): for each
 * named namespace, wait for any scrub (start one first with --scrub, once per bus), then clear
 * the known bad blocks of its data through the bus's clear-error command and print it with
 * its remaining media errors. Sector namespaces are skipped.
 */
export async function ndctlClearErrors(
  nd: Nvdimm,
  ident: string | undefined,
  options: ClearErrorsOptions = {},
): Promise<NdctlOutcome> {
  if (ident === undefined) {
    const error = new NvdimmError('EINVAL', 'specify a namespace to clear errors for, or "all"')
    return { errors: [error], messages: ['cleared 0 namespaces'], exitCode: 234 }
  }
  const errors: NvdimmError[] = []
  let stdout = ''
  let cleared = 0
  let rc = ident === 'all' ? 0 : -6
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, options.bus)) continue
    let scrub = options.scrub ?? false
    for (const region of ndctlRegions(bus)) {
      if (!regionMatches(region, options.region)) continue
      for (const namespace of ndctlNamespaces(region)) {
        if (ident === 'all') {
          const uuid = (namespace as { uuid?: string }).uuid
          if (namespace.size === 0n && uuid === undefined) continue
        } else if (namespace.name !== ident) continue
        try {
          const result = await clearNamespace(namespace, scrub, options, errors)
          rc = result.rc
          if (result.stdout) stdout += result.stdout
        } catch (error) {
          if (!(error instanceof NvdimmError)) throw error
          errors.push(error)
          rc = error.code
        }
        scrub = false
        if (rc === 0) cleared++
      }
    }
  }
  const messages: string[] = []
  const errCount = errors.some((error) => error instanceof CountedError)
  if (rc < 0 && !errCount) {
    const errno = errnoName(rc) ?? 'ENXIO'
    if (errors.length === 0) errors.push(new NvdimmError(errno, `${ident}: no such namespace`))
    messages.push(`error clearing namespaces: ${strerror(errno)}`)
  }
  messages.push(`cleared ${cleared} namespace${cleared === 1 ? '' : 's'}`)
  return { ...(stdout ? { stdout } : {}), errors, messages, exitCode: rc < 0 ? (256 + rc) & 0xff : rc & 0xff }
}
