import { pollScrubCompletion, type ScrubWaitEnv, startScrub } from '../badblocks/scrub-wait.js'
import type { Bus } from '../bus/bus.js'
import { type Errno, errnoName, NvdimmError, strerror } from '../errors.js'
import type { Nvdimm } from '../subsystem.js'
import { busMatches } from './filter.js'
import { type JsonValue, toJsonC } from './json.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { busToJson } from './to-json.js'
import { ndctlBuses } from './topology.js'

export interface ScrubCommandOptions extends ScrubWaitEnv {
  verbose?: boolean
  /** wait-scrub --poll: seconds between looks (0: on change only). */
  poll?: number
}

/** ndctl_bus_get_scrub_state() as util_bus_to_json() prints it; undefined when the bus cannot scrub. */
export async function busScrubState(bus: Bus): Promise<'active' | 'idle' | undefined> {
  const scrub = bus.ops.scrub
  if (!scrub) return undefined
  try {
    return (await scrub.status()).active ? 'active' : 'idle'
  } catch {
    return undefined
  }
}

type ScrubAction = 'start' | 'wait'

/**
 * bus_action() (ndctl/bus.c): act on every bus each argument names ("all" when none), print
 * the buses that succeeded as util_bus_to_json() with firmware details, and fail only when
 * none did.
 */
async function busAction(
  nd: Nvdimm,
  busIds: readonly string[],
  action: ScrubAction,
  options: ScrubCommandOptions,
): Promise<{ rc: number; jbuses: JsonValue[]; errors: NvdimmError[]; messages: string[] }> {
  const idents = busIds.length === 0 || busIds.includes('all') ? ['all'] : busIds
  const jbuses: JsonValue[] = []
  const errors: NvdimmError[] = []
  const messages: string[] = []
  let success = 0
  let fail = 0
  for (const ident of idents) {
    let found = 0
    for (const bus of ndctlBuses(nd)) {
      if (!busMatches(bus, ident)) continue
      found++
      try {
        if (action === 'start') await startScrub(bus, options)
        else await pollScrubCompletion(bus, options.poll ?? 0, 0, options)
        success++
        const state = await busScrubState(bus)
        jbuses.push(busToJson(bus, jsonFlags, state))
      } catch (error) {
        if (!(error instanceof NvdimmError)) throw error
        errors.push(error)
        if (!fail) fail = error.code
      }
    }
    if (!found && options.verbose) messages.push(`no bus matches id: ${ident}`)
  }
  return { rc: success ? success : fail || -6, jbuses, errors, messages }
}

/** collect_result() prints each bus with UTIL_JSON_FIRMWARE | UTIL_JSON_HUMAN. */
const jsonFlags = {
  human: true,
  verbose: false,
  mediaErrors: false,
  dax: false,
  capabilities: false,
  firmware: true,
}

async function scrubCommand(
  nd: Nvdimm,
  busIds: readonly string[],
  action: ScrubAction,
  failure: string,
  options: ScrubCommandOptions,
): Promise<NdctlOutcome> {
  const { rc, jbuses, errors, messages } = await busAction(nd, busIds, action, options)
  if (rc > 0) return { stdout: `${toJsonC(jbuses)}\n`, errors: [], messages, exitCode: 0 }
  const errno: Errno = errnoName(rc) ?? 'ENXIO'
  if (errors.length === 0) errors.push(new NvdimmError(errno, `no bus matches ${busIds.join(' ') || 'all'}`))
  messages.push(`${failure}: ${strerror(errno)}`)
  return { errors, messages, exitCode: exitCodeOfRc(rc) }
}

/** `ndctl start-scrub [<bus-id>...]`: ask each bus for an address range scrub. */
export function ndctlStartScrub(
  nd: Nvdimm,
  busIds: readonly string[] = [],
  options: ScrubCommandOptions = {},
): Promise<NdctlOutcome> {
  return scrubCommand(nd, busIds, 'start', 'error starting scrub', options)
}

/** `ndctl wait-scrub [<bus-id>...] [--poll=<seconds>]`: wait until no scrub runs on each bus. */
export function ndctlWaitScrub(
  nd: Nvdimm,
  busIds: readonly string[] = [],
  options: ScrubCommandOptions = {},
): Promise<NdctlOutcome> {
  if (options.poll !== undefined && (!Number.isInteger(options.poll) || options.poll < 0)) {
    throw new NvdimmError('EINVAL', `invalid poll interval '${options.poll}': expected whole seconds`)
  }
  return scrubCommand(nd, busIds, 'wait', 'error waiting for scrub completion', options)
}
