import { pollScrubCompletion, type ScrubWaitEnv, scrubStatus } from '../badblocks/scrub-wait.js'
import type { Bus } from '../bus/bus.js'
import { NdBtt } from '../claim/nd-btt.js'
import { NdPfn } from '../claim/nd-pfn.js'
import { NvdimmError, strerror } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Nvdimm } from '../subsystem.js'
import { parseSize } from '../units.js'
import { namespaceBadblocksJson, withNamespaceBadblocks } from './badblocks-json.js'
import { busMatches, regionMatches } from './filter.js'
import { hexField, type JsonObject, toJsonC } from './json.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { namespaceToJson } from './to-json.js'
import { ndctlBuses, ndctlNamespaces, ndctlRegions } from './topology.js'

/** `ndctl inject-error` options, by their long names (ndctl/inject-error.c). */
export interface InjectErrorOptions extends ScrubWaitEnv {
  bus?: string
  region?: string
  /** 512-byte block offset in the namespace (a size: "42", "0x2a", "1k"). */
  block?: string
  /** Blocks to (un)inject. */
  count?: string
  uninject?: boolean
  status?: boolean
  noNotify?: boolean
  saturate?: boolean
  human?: boolean
  verbose?: boolean
}

const SECTOR = 512n
/** ns_errors_to_json(): how many one-second looks for the scrub a notifying injection starts. */
const SCRUB_START_TRIES = 30

/** The uninject warning, on stdout as ndctl prints it. */
const UNINJECT_WARNING =
  'Warning: Un-injecting previously injected errors here will\n' +
  "not cause the kernel to 'forget' its badblock entries. Those\n" +
  'have to be cleared through the normal process of writing\n' +
  'the affected blocks\n\n'

type Operation = 'inject' | 'uninject' | 'status'

interface Request {
  operation: Operation
  block: bigint
  count: bigint
  notify: boolean
  saturate: boolean
}

/** inject_init(): one operation, and the block and count it needs. */
function parseRequest(options: InjectErrorOptions): Request {
  const invalid = (message: string) => new NvdimmError('EINVAL', message)
  if (options.uninject && options.status) throw invalid('status is invalid with inject or uninject')
  if (options.status && (options.block !== undefined || options.count !== undefined || options.saturate)) {
    throw invalid('status is invalid with inject or uninject')
  }
  const operation: Operation = options.status ? 'status' : options.uninject ? 'uninject' : 'inject'
  let block = 0n
  let count = 0n
  if (options.block !== undefined) {
    block = parseSize(options.block) ?? fail(invalid(`Invalid block: ${options.block}`))
  }
  if (options.count !== undefined) {
    count = parseSize(options.count) ?? fail(invalid(`Invalid count: ${options.count}`))
  }
  if (operation !== 'status' && (options.block === undefined || options.count === undefined)) {
    throw invalid('block and count required for inject/uninject')
  }
  return {
    operation,
    block,
    count,
    notify: operation === 'inject' && !options.noNotify,
    saturate: options.saturate ?? false,
  }
}

function fail(error: NvdimmError): never {
  throw error
}

/** ndctl_namespace_get_injection_bounds(): the data area of fsdax/devdax, the namespace when raw; not sector. */
function injectionBounds(namespace: Namespace): { start: bigint; size: bigint } {
  const claim = namespace.claim
  if (claim instanceof NdPfn) {
    const start = claim.resource
    if (start === undefined) throw new NvdimmError('ENXIO', `${namespace.name}: ${claim.name} is not active`)
    return { start, size: claim.size! }
  }
  if (claim instanceof NdBtt) {
    throw new NvdimmError('EOPNOTSUPP', `${namespace.name}: a sector (BTT) namespace takes no error injection`)
  }
  return { start: namespace.resource.start, size: namespace.size }
}

/** ndctl_namespace_get_clear_unit(): the platform's clear unit over the injection bounds. */
async function clearUnit(bus: Bus, bounds: { start: bigint; size: bigint }): Promise<bigint> {
  const query = bus.ops.clearErrorUnit
  if (!query) throw new NvdimmError('ENOTTY', `${bus.name}: ${bus.providerName} reports no clear-error unit`)
  const unit = await query.call(bus.ops, bounds.start, bounds.size)
  if (!unit) throw new NvdimmError('EINVAL', `${bus.name}: the platform reported a clear-error unit of 0`)
  return BigInt(unit)
}

/**
 * ndctl_namespace_(un)inject_error2(): block by block, `ars_unit` bytes of each unless
 * saturating; stops at the first block that fails (the earlier ones stay injected).
 */
async function injectBlocks(
  namespace: Namespace,
  request: Request,
): Promise<{ block: bigint; error: NvdimmError } | undefined> {
  const bus = namespace.region.bus
  const injection = bus.ops.errorInjection!
  for (let i = 0n; i < request.count; i++) {
    const block = request.block + i
    try {
      const bounds = injectionBounds(namespace)
      const offset = bounds.start + block * SECTOR
      let length = SECTOR
      if (offset + length > bounds.start + bounds.size) {
        throw new NvdimmError(
          'EINVAL',
          `${namespace.name}: block 0x${block.toString(16)} is beyond the end of the namespace`,
        )
      }
      const unit = await clearUnit(bus, bounds)
      if (!request.saturate && length > unit) length = unit
      if (request.operation === 'inject') await injection.inject(offset, length, request.notify)
      else await injection.uninject(offset, length)
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      return { block, error }
    }
  }
  return undefined
}

/** ndctl_bus_get_scrub_count() */
async function scrubCount(bus: Bus, env: ScrubWaitEnv): Promise<number> {
  try {
    return (await scrubStatus(bus, env)).count
  } catch (cause) {
    throw new NvdimmError('ENXIO', 'Unable to get scrub count', { cause })
  }
}

/** ns_errors_to_json(): after a notifying injection, wait for the rescan; then the namespace with its media errors. */
async function namespaceErrorsJson(
  namespace: Namespace,
  request: Request,
  startCount: number,
  options: InjectErrorOptions,
): Promise<string> {
  const bus = namespace.region.bus
  if (request.operation === 'inject' && request.notify) {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
    let count: number
    let tries = SCRUB_START_TRIES
    do {
      count = await scrubCount(bus, options)
      await sleep(1000)
    } while (count <= startCount && --tries > 0)
    try {
      await pollScrubCompletion(bus, 0, 0, options)
    } catch (cause) {
      throw new NvdimmError(cause instanceof NvdimmError ? cause.errno : 'EIO', 'Error waiting for scrub', { cause })
    }
  }
  const flags = {
    human: options.human ?? false,
    verbose: false,
    mediaErrors: true,
    dax: false,
    capabilities: false,
    firmware: false,
  }
  const json = namespaceToJson(namespace, flags)
  if (!json) return ''
  return `${toJsonC(withNamespaceBadblocks(json, await namespaceBadblocksJson(namespace, true)))}\n`
}

/**
 * ndctl_namespace_injection_status() + injection_status(): the injected ranges inside the
 * namespace, as 512-byte blocks relative to it, sorted and merged (bb_add_record()).
 */
async function injectionStatus(namespace: Namespace, human: boolean): Promise<string> {
  const bus = namespace.region.bus
  const bounds = injectionBounds(namespace)
  await clearUnit(bus, bounds)
  const records = await bus.ops.errorInjection!.status()
  const blocks: { block: bigint; count: bigint }[] = []
  for (const record of records) {
    if (record.spa < bounds.start || record.spa >= bounds.start + bounds.size) continue
    const offset = record.spa - bounds.start
    const block = offset / SECTOR
    const pad = offset - block * SECTOR
    blocks.push({ block, count: (pad + record.length + SECTOR - 1n) / SECTOR })
  }
  blocks.sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0))
  const merged: { block: bigint; count: bigint }[] = []
  for (const next of blocks) {
    const last = merged[merged.length - 1]
    if (last && last.block + last.count >= next.block) {
      const end = next.block + next.count
      if (end > last.block + last.count) last.count = end - last.block
      continue
    }
    merged.push({ ...next })
  }
  if (merged.length === 0) return ''
  const badblocks: JsonObject[] = merged.map((entry) => ({
    block: hexField(entry.block, human),
    count: hexField(entry.count, human),
  }))
  return `${toJsonC({ badblocks })}\n`
}

function findNamespace(nd: Nvdimm, name: string, options: InjectErrorOptions): Namespace | undefined {
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, options.bus)) continue
    for (const region of ndctlRegions(bus)) {
      if (!regionMatches(region, options.region)) continue
      const found = ndctlNamespaces(region).find((namespace) => namespace.name === name)
      if (found) return found
    }
  }
  return undefined
}

function failed(error: NvdimmError, messages: string[] = []): NdctlOutcome {
  return { errors: [error], messages, exitCode: exitCodeOfRc(error.code) }
}

/**
 * `ndctl inject-error <namespace>` (ndctl/inject-error.c): inject (and, unless --no-notify,
 * wait for the rescan the platform's notification starts), uninject, or list the injected
 * errors of a namespace. Blocks are 512 bytes, relative to the namespace's data.
 */
export async function ndctlInjectError(
  nd: Nvdimm,
  name: string,
  options: InjectErrorOptions = {},
): Promise<NdctlOutcome> {
  const request = parseRequest(options)
  const namespace = findNamespace(nd, name, options)
  if (!namespace) return failed(new NvdimmError('ENXIO', `${name}: no such namespace`))
  const bus = namespace.region.bus
  if (!bus.ops.errorInjection) {
    return failed(new NvdimmError('EOPNOTSUPP', `${namespace.name}: error injection not supported`))
  }
  if (request.operation === 'status') {
    try {
      return { stdout: await injectionStatus(namespace, options.human ?? false), errors: [], messages: [], exitCode: 0 }
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      return failed(error, [`Unable to get injection status: ${strerror(error.errno)} (${error.code})`])
    }
  }
  let startCount = 0
  if (request.operation === 'inject') {
    try {
      startCount = await scrubCount(bus, options)
    } catch (error) {
      return failed(error as NvdimmError)
    }
  }
  const failure = await injectBlocks(namespace, request)
  if (failure) {
    const { block, error } = failure
    const verb = request.operation === 'inject' ? 'inject' : 'uninject'
    const what = request.operation === 'inject' ? 'Injection' : 'Un-injection'
    return failed(error, [
      `libndctl: ndctl_namespace_${verb}_error2: ${what} failed at block ${block.toString(16)}`,
      `Unable to ${verb} error: ${strerror(error.errno)} (${error.code})`,
    ])
  }
  const warning = request.operation === 'uninject' ? UNINJECT_WARNING : ''
  try {
    const json = await namespaceErrorsJson(namespace, request, startCount, options)
    return { stdout: warning + json, errors: [], messages: [], exitCode: 0 }
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    return { stdout: warning || undefined, errors: [error], messages: [], exitCode: exitCodeOfRc(error.code) }
  }
}
