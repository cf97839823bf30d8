import type { Dimm } from '../dimm/dimm.js'
import { NvdimmError } from '../errors.js'
import { CONTROLLER_CONDITIONS, type Health, type HealthState } from '../health/health.js'
import type { DimmSmartOps, SmartThresholds } from '../provider/dimm-ops.js'
import type { Nvdimm } from '../subsystem.js'
import {
  busHasDimm,
  busHasNamespace,
  busHasRegion,
  busMatches,
  dimmInNamespace,
  dimmInRegion,
  dimmMatches,
} from './filter.js'
import { escapeJsonString, JsonDouble, JsonHex, type JsonObject, JsonSize, type JsonValue, toJsonC } from './json.js'
import { dimmHealthToJson, dimmToJson, type JsonFlags } from './to-json.js'
import { ndctlBuses, ndctlDimms } from './topology.js'

/**
 * `ndctl monitor` (ndctl/monitor.c, v76.1): watch dimms' SMART health and log one JSON line
 * per notification. ndctl sleeps on the sysfs notification of nmemN/nfit/flags; here each
 * command is its own process and the platform lives on disk, so the caller samples the dimms
 * at an interval and this module decides, from two samples, whether the dimm "notified" and
 * what ndctl would then log.
 */

/** ND_EVENT_* in bit order, by the names -D and the event object use. */
export const DIMM_EVENTS = [
  'dimm-spares-remaining',
  'dimm-media-temperature',
  'dimm-controller-temperature',
  'dimm-health-state',
  'dimm-unclean-shutdown',
] as const

/**
 * Beyond ndctl: the controller conditions of a provider that has them (OpenCAPI CHI). They are
 * watched with "all" and appear in a dimm's event object only when its health reports them, so
 * ndctl's lines for every other dimm stay as they were.
 */
export const CONTROLLER_EVENTS = CONTROLLER_CONDITIONS.map(([, name]) => `dimm-${name}` as const)
export type DimmEventName = (typeof DIMM_EVENTS)[number] | (typeof CONTROLLER_EVENTS)[number]
const ALL_DIMM_EVENTS: readonly DimmEventName[] = [...DIMM_EVENTS, ...CONTROLLER_EVENTS]

/** parse_monitor_event(): a space-separated list of event names or "all"; none given is all. */
export function parseDimmEvents(text: string | undefined): Set<DimmEventName> {
  if (text === undefined) return new Set(ALL_DIMM_EVENTS)
  const events = new Set<DimmEventName>()
  for (const name of text.split(' ').filter(Boolean)) {
    if (name === 'all') return new Set(ALL_DIMM_EVENTS)
    if (!(ALL_DIMM_EVENTS as readonly string[]).includes(name)) {
      throw new NvdimmError('EINVAL', `no dimm-event named ${name}`)
    }
    events.add(name as DimmEventName)
  }
  return events
}

/**
 * ndctl_dimm_get_event_flags(): the alarm trips and a dirty last shutdown, as they stand now
 * (levels, not edges), and the controller conditions that hold. The flags are read whatever
 * their valid bits say.
 */
export function dimmEventFlags(health: Health): Set<DimmEventName> {
  const events = new Set<DimmEventName>()
  if (health.alarmSpares) events.add('dimm-spares-remaining')
  if (health.alarmTemperature) events.add('dimm-media-temperature')
  if (health.alarmControllerTemperature) events.add('dimm-controller-temperature')
  if (health.shutdownState === 'dirty') events.add('dimm-unclean-shutdown')
  CONTROLLER_CONDITIONS.forEach(([field], i) => {
    if (health[field]) events.add(CONTROLLER_EVENTS[i]!)
  })
  return events
}

/** What ndctl_dimm_get_health() returns: the state, or the failure of the SMART command. */
export type HealthStateSample = HealthState | 'unreported' | 'failed'

export function healthStateOf(health: Health | undefined): HealthStateSample {
  return health === undefined ? 'failed' : (health.state ?? 'unreported')
}

/**
 * util_dimm_event_filter(): the dimm's events now, the health state counting as an event
 * whenever it differs from the one the monitor started with (ndctl never updates that
 * reference). Undefined when the SMART read failed or none of the events is watched.
 */
export function firedDimmEvents(
  health: Health | undefined,
  initialState: HealthStateSample,
  watched: ReadonlySet<DimmEventName>,
): Set<DimmEventName> | undefined {
  if (health === undefined) return undefined
  const events = dimmEventFlags(health)
  if (healthStateOf(health) !== initialState) events.add('dimm-health-state')
  return [...events].some((event) => watched.has(event)) ? events : undefined
}

/** One SMART read of a dimm: health (undefined: the command failed) and its thresholds, if it has them. */
export interface DimmSample {
  health: Health | undefined
  thresholds: SmartThresholds | undefined
}

const HEALTH_KEYS: readonly (keyof Health)[] = [
  'state',
  'temperature',
  'controllerTemperature',
  'sparesPercentage',
  'lifeUsedPercentage',
  'alarmTemperature',
  'alarmControllerTemperature',
  'alarmSpares',
  'shutdownState',
  'shutdownCount',
  'unarmed',
  'badShutdown',
  'badRestore',
  'scrubbed',
  'locked',
  'encrypted',
  ...CONTROLLER_CONDITIONS.map(([field]) => field),
]
const THRESHOLD_KEYS: readonly (keyof SmartThresholds)[] = [
  'alarmTemperature',
  'alarmControllerTemperature',
  'alarmSpares',
  'temperature',
  'controllerTemperature',
  'spares',
]

function sameFields<T extends object>(a: T | undefined, b: T | undefined, keys: readonly (keyof T)[]): boolean {
  if (a === undefined || b === undefined) return a === b
  return keys.every((key) => a[key] === b[key])
}

/**
 * Polling's stand-in for the health notification (ACPI event 0x81, which the kernel passes on
 * as a sysfs notify of nmemN/nfit/flags): a dimm's firmware raises it when its SMART data
 * changes (an injection, a threshold set, an alarm trip), so a dimm counts as notified when
 * its sample differs from the previous one. What gets logged is then ndctl's own decision.
 */
export function healthNotified(previous: DimmSample, current: DimmSample): boolean {
  return (
    !sameFields(previous.health, current.health, HEALTH_KEYS) ||
    !sameFields(previous.thresholds, current.thresholds, THRESHOLD_KEYS)
  )
}

/** "%10ld.%09ld" of CLOCK_REALTIME, from nanoseconds since the epoch. */
export function monitorTimestamp(nanoseconds: bigint): string {
  const seconds = nanoseconds / 1_000_000_000n
  const rest = nanoseconds % 1_000_000_000n
  return `${seconds.toString().padStart(10, ' ')}.${rest.toString().padStart(9, '0')}`
}

/**
 * dimm_event_to_json(): one boolean per watched event, in ND_EVENT_* order, then the watched
 * controller events this dimm's health reports.
 */
export function dimmEventToJson(
  events: ReadonlySet<DimmEventName>,
  watched: ReadonlySet<DimmEventName>,
  health?: Health,
): JsonObject {
  const json: JsonObject = {}
  for (const event of DIMM_EVENTS) if (watched.has(event)) json[event] = events.has(event)
  CONTROLLER_CONDITIONS.forEach(([field], i) => {
    const event = CONTROLLER_EVENTS[i]!
    if (watched.has(event) && health?.[field] !== undefined) json[event] = events.has(event)
  })
  return json
}

function renderPlainScalar(value: JsonValue): string | undefined {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return `"${escapeJsonString(value)}"`
    case 'bigint':
      return value.toString()
    case 'number':
      return Number.isInteger(value) ? value.toString() : new JsonDouble(value).render()
    case 'boolean':
      return value ? 'true' : 'false'
  }
  if (value instanceof JsonSize || value instanceof JsonHex || value instanceof JsonDouble) return value.render()
  return undefined
}

/** json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN): no whitespace at all. */
export function toJsonPlain(value: JsonValue): string {
  const scalar = renderPlainScalar(value)
  if (scalar !== undefined) return scalar
  if (Array.isArray(value)) return `[${value.map(toJsonPlain).join(',')}]`
  const entries = Object.entries(value as JsonObject).map(
    ([key, item]) => `"${escapeJsonString(key)}":${toJsonPlain(item)}`,
  )
  return `{${entries.join(',')}}`
}

/** The UTIL_JSON flags notify_dimm_event() passes: none (so no --human hex for the handle). */
const NO_JSON_FLAGS: JsonFlags = {
  human: false,
  verbose: false,
  mediaErrors: false,
  dax: false,
  capabilities: false,
  firmware: false,
}

/**
 * notify_dimm_event(): {"timestamp","pid","event":{…},"dimm":{…,"health":{…}}}, PLAIN, or
 * PRETTY under --human. The health is read afresh, as ndctl does.
 */
export async function dimmEventLine(
  dimm: Dimm,
  events: ReadonlySet<DimmEventName>,
  watched: ReadonlySet<DimmEventName>,
  stamp: { nanoseconds: bigint; pid: number; human: boolean },
  health?: Health,
): Promise<string> {
  const jdimm = dimmToJson(dimm, NO_JSON_FLAGS)
  const json: JsonObject = {
    timestamp: monitorTimestamp(stamp.nanoseconds),
    pid: stamp.pid,
    event: dimmEventToJson(events, watched, health),
    dimm: jdimm,
  }
  const jhealth = await dimmHealthToJson(dimm)
  if (jhealth) jdimm.health = jhealth
  return stamp.human ? toJsonC(json) : toJsonPlain(json)
}

/** The filters and settings the config file may add to (parse_monitor_config()). */
export interface MonitorConfigurable {
  bus?: string
  dimm?: string
  region?: string
  namespace?: string
  dimmEvent?: string
  log?: string
}

/**
 * parse_monitor_config(): "key = value" lines, '#' comments; other lines (a "[monitor]"
 * header too) are skipped. A value joins the option's own with a space, so both filter; `log`
 * counts only when no --log was given.
 */
export function applyMonitorConfig(
  text: string,
  options: MonitorConfigurable,
): { options: MonitorConfigurable; skippedLines: number[] } {
  const result: MonitorConfigurable = { ...options }
  const skippedLines: number[] = []
  const keys: Record<string, keyof MonitorConfigurable> = {
    bus: 'bus',
    dimm: 'dimm',
    region: 'region',
    namespace: 'namespace',
    'dimm-event': 'dimmEvent',
  }
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  lines.forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '')
    if (line === '' || line.startsWith('#')) return
    const equals = line.indexOf('=')
    if (equals < 0) {
      skippedLines.push(index + 1)
      return
    }
    const key = line.slice(0, equals).replace(/\s+$/, '')
    const value = line
      .slice(equals + 1)
      .replace(/^\s+/, '')
      .replace(/\s+$/, '')
    if (key === '' || value === '') return
    const field = keys[key]
    if (field) result[field] = result[field] ? `${result[field]} ${value}` : value
    if (key === 'log' && !options.log) result.log = result.log ? `${result.log} ${value}` : value
  })
  return { options: result, skippedLines }
}

/** Where the monitor's log goes (-l): standard (the default), syslog, or a file it appends to. */
export type MonitorLogTarget = { kind: 'standard' } | { kind: 'syslog' } | { kind: 'file'; path: string }

/**
 * cmd_monitor()'s reading of --log: a relative name is prefixed "./" first, then "./syslog…"
 * and "./standard…" are the two keywords; anything else is a file.
 */
export function monitorLogTarget(log: string | undefined): MonitorLogTarget {
  if (log === undefined) return { kind: 'standard' }
  const name = log.startsWith('./') || log.startsWith('/') || log === '-' ? log : `./${log}`
  if (name.startsWith('./syslog')) return { kind: 'syslog' }
  if (name.startsWith('./standard')) return { kind: 'standard' }
  return { kind: 'file', path: name }
}

/** syslog priorities the monitor logs at. */
export type MonitorPriority = 'err' | 'notice' | 'info' | 'debug'

export interface MonitorLogEntry {
  priority: MonitorPriority
  message: string
}

/**
 * Where one log entry goes and how it reads: log_standard() sends LOG_INFO to stdout and the
 * rest (the event lines are LOG_NOTICE) to stderr; log_file() stamps all but LOG_NOTICE with
 * "[sec.nsec] [pid] ".
 */
export function formatMonitorLog(
  entry: MonitorLogEntry,
  target: MonitorLogTarget,
  stamp: { nanoseconds: bigint; pid: number },
): { to: 'stdout' | 'stderr' | 'file' | 'syslog'; text: string } {
  const text = `${entry.message}\n`
  if (target.kind === 'syslog') return { to: 'syslog', text }
  if (target.kind === 'standard') return { to: entry.priority === 'info' ? 'stdout' : 'stderr', text }
  if (entry.priority === 'notice') return { to: 'file', text }
  const seconds = stamp.nanoseconds / 1_000_000_000n
  const rest = stamp.nanoseconds % 1_000_000_000n
  const prefix = `[${seconds.toString().padStart(10, ' ')}.${rest.toString().padStart(9, '0')}] [${stamp.pid}] `
  return { to: 'file', text: prefix + text }
}

export interface MonitorOptions {
  bus?: string
  dimm?: string
  region?: string
  namespace?: string
  /** -D: event names, space-separated, or "all". */
  dimmEvent?: string
  /** -u: PRETTY JSON lines. */
  human?: boolean
  /** -v: debug entries too. */
  verbose?: boolean
  /** -p: seconds without a notification after which every dimm is checked anyway; 0 never. */
  poll?: number
  /** CLOCK_REALTIME in nanoseconds, for the timestamps. */
  clock?: () => bigint
  pid?: number
}

interface WatchedDimm {
  /** ndctl's mdimm->health: read once, at start. */
  initialState: HealthStateSample
  previous: DimmSample
}

/** Realtime nanoseconds, to the microsecond the platform gives. */
function realtimeNanoseconds(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n
}

async function readHealth(dimm: Dimm): Promise<Health | undefined> {
  try {
    return await dimm.health()
  } catch (error) {
    if (error instanceof NvdimmError) return undefined
    throw error
  }
}

async function readThresholds(smart: DimmSmartOps | undefined): Promise<SmartThresholds | undefined> {
  if (!smart?.thresholds) return undefined
  try {
    return await smart.thresholds()
  } catch (error) {
    if (error instanceof NvdimmError) return undefined
    throw error
  }
}

/**
 * The monitor's state between samples: which dimms it watches, the health state each started
 * with, and the last sample of each. `start` runs once (it writes: it enables the alarms of
 * the watched events), `poll` on every sample after.
 */
export class DimmMonitor {
  readonly watched: ReadonlySet<DimmEventName>
  private readonly dimms = new Map<string, WatchedDimm>()
  private lastWake = 0
  private readonly clock: () => bigint
  private readonly pid: number

  /** Throws EINVAL for an unknown -D event name. */
  constructor(private readonly options: MonitorOptions) {
    this.watched = parseDimmEvents(options.dimmEvent)
    this.clock = options.clock ?? realtimeNanoseconds
    this.pid = options.pid ?? process.pid
  }

  /** The dimms being watched, in the order they were found. */
  get dimmNames(): string[] {
    return [...this.dimms.keys()]
  }

  /**
   * ndctl_filter_walk() with filter_dimm(): pick the dimms, enable their alarms, take the
   * first sample and log what is already standing. rc is -ENXIO when no dimm is left to watch.
   */
  async start(nd: Nvdimm, now: number): Promise<{ log: MonitorLogEntry[]; rc: number }> {
    const log: MonitorLogEntry[] = []
    const { bus: busIdent, dimm: dimmIdent, region, namespace } = this.options
    for (const bus of ndctlBuses(nd)) {
      if (
        !busMatches(bus, busIdent) ||
        !busHasDimm(bus, dimmIdent) ||
        !busHasRegion(bus, region) ||
        !busHasNamespace(bus, namespace)
      ) {
        continue
      }
      for (const dimm of ndctlDimms(bus)) {
        if (!dimmMatches(dimm, dimmIdent) || !dimmInRegion(dimm, region) || !dimmInNamespace(dimm, namespace)) continue
        await this.filterDimm(dimm, log)
      }
    }
    this.lastWake = now
    if (this.dimms.size === 0) {
      log.push({ priority: 'info', message: 'no dimms to monitor, exiting' })
      return { log: this.visible(log), rc: -6 }
    }
    return { log: this.visible(log), rc: 0 }
  }

  /**
   * One sample of every watched dimm: the notified ones (their sample changed) are checked
   * for events; with -p, when none notified for that long, all of them are.
   */
  async poll(nd: Nvdimm, now: number): Promise<MonitorLogEntry[]> {
    const log: MonitorLogEntry[] = []
    const sampled: { dimm: Dimm; watched: WatchedDimm; sample: DimmSample; notified: boolean }[] = []
    for (const [name, watched] of this.dimms) {
      const dimm = nd.dimms.find((candidate) => candidate.name === name)
      if (!dimm) continue
      const sample = await this.sample(dimm)
      sampled.push({ dimm, watched, sample, notified: healthNotified(watched.previous, sample) })
      watched.previous = sample
    }
    let woken = sampled.filter((entry) => entry.notified)
    const pollMs = (this.options.poll ?? 0) * 1000
    if (woken.length === 0) {
      if (pollMs <= 0 || now - this.lastWake < pollMs) return log
      woken = sampled
    }
    this.lastWake = now
    for (const { dimm, watched, sample } of woken) {
      const events = firedDimmEvents(sample.health, watched.initialState, this.watched)
      if (events) log.push({ priority: 'notice', message: await this.line(dimm, events, sample.health) })
    }
    return log
  }

  private visible(log: MonitorLogEntry[]): MonitorLogEntry[] {
    return this.options.verbose ? log : log.filter((entry) => entry.priority !== 'debug')
  }

  private async sample(dimm: Dimm): Promise<DimmSample> {
    return { health: await readHealth(dimm), thresholds: await readThresholds(dimm.descriptor.ops?.smart) }
  }

  private line(dimm: Dimm, events: ReadonlySet<DimmEventName>, health: Health | undefined): Promise<string> {
    const stamp = { nanoseconds: this.clock(), pid: this.pid, human: this.options.human ?? false }
    return dimmEventLine(dimm, events, this.watched, stamp, health)
  }

  /** filter_dimm() */
  private async filterDimm(dimm: Dimm, log: MonitorLogEntry[]): Promise<void> {
    const name = dimm.name
    if (!dimm.descriptor.health) {
      log.push({ priority: 'err', message: `${name}: no smart support` })
      return
    }
    const smart = dimm.descriptor.ops?.smart
    if (!smart?.thresholds) {
      log.push({ priority: 'debug', message: `${name}: no smart threshold support` })
    } else {
      const health = await readHealth(dimm)
      const alarmsValid =
        health !== undefined &&
        [health.alarmTemperature, health.alarmControllerTemperature, health.alarmSpares].some((a) => a !== undefined)
      if (!alarmsValid) {
        log.push({ priority: 'err', message: `${name}: smart alarm invalid` })
        return
      }
      if (!(await this.enableAlarms(dimm, smart, log))) {
        log.push({ priority: 'err', message: `${name}: enable supported threshold alarms failed` })
        return
      }
    }
    const sample = await this.sample(dimm)
    const watched: WatchedDimm = { initialState: healthStateOf(sample.health), previous: sample }
    this.dimms.set(name, watched)
    const standing = sample.health ? dimmEventFlags(sample.health) : new Set()
    if (standing.size === 0) return
    const events = firedDimmEvents(sample.health, watched.initialState, this.watched)
    if (events) log.push({ priority: 'notice', message: await this.line(dimm, events, sample.health) })
  }

  /** enable_dimm_supported_threshold_alarms(): turn on the alarm of every watched event. */
  private async enableAlarms(dimm: Dimm, smart: DimmSmartOps, log: MonitorLogEntry[]): Promise<boolean> {
    const name = dimm.name
    const current = await readThresholds(smart)
    if (!current) {
      log.push({ priority: 'err', message: `${name}: smart threshold command failed` })
      return false
    }
    if (!smart.setThresholds) {
      log.push({ priority: 'err', message: `${name}: no smart set threshold command support` })
      return false
    }
    try {
      await smart.setThresholds({
        alarmSpares: current.alarmSpares || this.watched.has('dimm-spares-remaining'),
        alarmTemperature: current.alarmTemperature || this.watched.has('dimm-media-temperature'),
        alarmControllerTemperature:
          current.alarmControllerTemperature || this.watched.has('dimm-controller-temperature'),
      })
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      log.push({ priority: 'err', message: `${name}: smart set threshold command failed` })
      return false
    }
    return true
  }
}
