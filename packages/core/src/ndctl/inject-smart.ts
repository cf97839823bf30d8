import type { Dimm } from '../dimm/dimm.js'
import { type Errno, NvdimmError, strerror } from '../errors.js'
import type { DimmSmartOps, SmartInjection, SmartThresholds } from '../provider/dimm-ops.js'
import type { Nvdimm } from '../subsystem.js'
import { busMatches, dimmMatches } from './filter.js'
import { type JsonValue, toJsonC } from './json.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { dimmHealthToJson, dimmToJson } from './to-json.js'
import { ndctlBuses, ndctlDimms } from './topology.js'

/**
 * `ndctl inject-smart` (ndctl/inject-smart.c, v76.1): set SMART thresholds and alarm enables,
 * inject or uninject SMART values, then print the dimm with its health. The firmware work
 * goes through the dimm's provider-neutral ops.smart; the parsing, the order of operations,
 * the messages and the return code are ndctl's.
 */

/** The options by their long names, values as typed on the command line. */
export interface InjectSmartOptions {
  bus?: string
  verbose?: boolean
  human?: boolean
  mediaTemperature?: string
  mediaTemperatureThreshold?: string
  mediaTemperatureAlarm?: string
  mediaTemperatureUninject?: boolean
  ctrlTemperature?: string
  ctrlTemperatureThreshold?: string
  ctrlTemperatureAlarm?: string
  ctrlTemperatureUninject?: boolean
  spares?: string
  sparesThreshold?: string
  sparesAlarm?: string
  sparesUninject?: boolean
  fatal?: boolean
  fatalUninject?: boolean
  unsafeShutdown?: boolean
  unsafeShutdownUninject?: boolean
  uninjectAll?: boolean
}

type InjectField = NonNullable<SmartInjection['uninject']>[number]
type AlarmSetting = 'on' | 'off' | 'unchanged'

/** One inject command as send_inject_val() / send_inject_bool() build it. */
export interface SmartInjectStep {
  field: InjectField
  /** ndctl's name for it in messages: media_temperature, ctrl_temperature, spares, fatal, unsafe_shutdown. */
  name: string
  enable: boolean
  /** °C or percent, for the three valued fields. */
  value?: number
}

/** What smart_init() makes of the options. */
export interface SmartRequest {
  /** OP_SET: thresholds or alarm enables change. */
  setThresholds: boolean
  /** The threshold values to set (only those given). */
  thresholds: Partial<Pick<SmartThresholds, 'temperature' | 'controllerTemperature' | 'spares'>>
  /** Alarm enables, when any --*-alarm was given. */
  alarms?: { temperature: AlarmSetting; controllerTemperature: AlarmSetting; spares: AlarmSetting }
  /** OP_INJECT steps, in ndctl's order. */
  inject: SmartInjectStep[]
  /** --uninject-all: a failed step does not stop the others. */
  errContinue: boolean
  human: boolean
}

const ULONG_MAX = (1n << 64n) - 1n
const UINT_MAX = (1n << 32n) - 1n
const isSpace = (ch: string | undefined) => ch !== undefined && ' \t\n\v\f\r'.includes(ch)

/** strtod(text, NULL): the longest numeric prefix, 0 when there is none, ±Infinity on overflow. */
export function strtod(text: string): number {
  let i = 0
  while (isSpace(text[i])) i++
  const rest = text.slice(i)
  const special = /^([+-]?)(inf(inity)?|nan(\([0-9A-Za-z_]*\))?)/i.exec(rest)
  if (special) {
    const sign = special[1] === '-' ? -1 : 1
    return special[2]!.toLowerCase().startsWith('inf') ? sign * Infinity : NaN
  }
  const hex = /^([+-]?)0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/.exec(rest)
  if (hex) {
    const digits = (hex[2] ?? '') + (hex[3] ?? '')
    let mantissa = 0
    for (const digit of digits) mantissa = mantissa * 16 + Number.parseInt(digit, 16)
    const exponent = Number(hex[4] ?? 0) - 4 * (hex[3] ?? '').length
    return (hex[1] === '-' ? -1 : 1) * mantissa * 2 ** exponent
  }
  const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest)
  return decimal ? Number(decimal[0]) : 0
}

/** strtoul(text, NULL, 0) on LP64: base from the prefix, ULONG_MAX on overflow, negation modulo 2^64. */
export function strtoul(text: string): bigint {
  let i = 0
  while (isSpace(text[i])) i++
  let negative = false
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-'
  let base = 10
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
    base = 16
    i += 2
  } else if (text[i] === '0') {
    base = 8
  }
  let value = 0n
  let overflow = false
  for (; i < text.length; i++) {
    const digit = Number.parseInt(text[i]!, base)
    if (Number.isNaN(digit)) break
    value = value * BigInt(base) + BigInt(digit)
    if (value > ULONG_MAX) overflow = true
  }
  if (overflow) return ULONG_MAX
  return negative && value !== 0n ? (1n << 64n) - value : value
}

/** ndctl_encode_smart_temperature(): whole degrees (truncated) in 1/16 °C, bit 15 for below zero. */
export function encodeSmartTemperature(celsius: number): number {
  const negative = celsius < 0
  const magnitude = Math.trunc(Math.abs(celsius))
  // The C cast: NaN and values past 2^63 come out 0; the rest wrap at 32 bits.
  const whole = Number.isNaN(magnitude) || magnitude >= 2 ** 63 ? 0n : BigInt(magnitude) & UINT_MAX
  let t = Number((whole * 16n) & UINT_MAX)
  if (negative) t = (t | 0x8000) >>> 0
  return t
}

/** ndctl_decode_smart_temperature() */
export function decodeSmartTemperature(encoded: number): number {
  const negative = (encoded & 0x8000) !== 0
  const t = (encoded & ~0x8000) >>> 0
  return negative ? -(t / 16) : t / 16
}

/** A temperature as ndctl hands it to the firmware: through its 1/16 °C encoding. */
function smartTemperature(text: string, invalid: string): number {
  const celsius = strtod(text)
  if (celsius === Infinity || celsius === -Infinity) throw new NvdimmError('EINVAL', invalid)
  return decodeSmartTemperature(encodeSmartTemperature(celsius))
}

function smartUint(text: string, invalid: string): number {
  const value = strtoul(text)
  if (value === ULONG_MAX || value > UINT_MAX) throw new NvdimmError('EINVAL', invalid)
  return Number(value)
}

/** smart_param_setup_alarm(): "on…" or "off…"; anything else leaves the alarm as it is. */
function alarmSetting(text: string | undefined): AlarmSetting {
  if (text?.startsWith('on')) return 'on'
  if (text?.startsWith('off')) return 'off'
  return 'unchanged'
}

/** smart_init(): validate the options in ndctl's order; EINVAL with ndctl's message. */
export function parseSmartRequest(options: InjectSmartOptions): SmartRequest {
  const request: SmartRequest = { setThresholds: false, thresholds: {}, inject: [], errContinue: false, human: false }
  request.human = options.human ?? false
  const values: Partial<Record<InjectField, number>> = {}
  const injectGiven: Record<InjectField, boolean> = {
    mediaTemperature: false,
    controllerTemperature: false,
    spares: false,
    fatal: options.fatal ?? false,
    unsafeShutdown: options.unsafeShutdown ?? false,
  }
  const temperatures = [
    [
      'mediaTemperature',
      'media_temperature',
      options.mediaTemperature,
      options.mediaTemperatureThreshold,
      'temperature',
    ],
    [
      'controllerTemperature',
      'ctrl_temperature',
      options.ctrlTemperature,
      options.ctrlTemperatureThreshold,
      'controllerTemperature',
    ],
  ] as const
  for (const [field, name, value, threshold, key] of temperatures) {
    if (value !== undefined) {
      values[field] = smartTemperature(value, `Invalid argument: ${name}: ${value}`)
      injectGiven[field] = true
    }
    if (threshold !== undefined) {
      request.thresholds[key] = smartTemperature(threshold, `Invalid argument: ${threshold}`)
      request.setThresholds = true
    }
  }
  if (options.spares !== undefined) {
    values.spares = smartUint(options.spares, `Invalid argument: spares: ${options.spares}`)
    injectGiven.spares = true
  }
  if (options.sparesThreshold !== undefined) {
    request.thresholds.spares = smartUint(options.sparesThreshold, `Invalid argument: ${options.sparesThreshold}`)
    request.setThresholds = true
  }

  const alarms = [options.mediaTemperatureAlarm, options.ctrlTemperatureAlarm, options.sparesAlarm]
  if (alarms.some((alarm) => alarm !== undefined)) {
    request.alarms = {
      temperature: alarmSetting(options.mediaTemperatureAlarm),
      controllerTemperature: alarmSetting(options.ctrlTemperatureAlarm),
      spares: alarmSetting(options.sparesAlarm),
    }
    request.setThresholds = true
  }

  const uninject: Record<InjectField, boolean> = {
    mediaTemperature: options.mediaTemperatureUninject ?? false,
    controllerTemperature: options.ctrlTemperatureUninject ?? false,
    spares: options.sparesUninject ?? false,
    fatal: options.fatalUninject ?? false,
    unsafeShutdown: options.unsafeShutdownUninject ?? false,
  }
  if (options.uninjectAll) {
    for (const field of Object.keys(uninject) as InjectField[]) uninject[field] = true
    request.errContinue = true
  }
  const names: Record<InjectField, string> = {
    mediaTemperature: 'media_temperature',
    controllerTemperature: 'ctrl_temperature',
    spares: 'spares',
    fatal: 'fatal',
    unsafeShutdown: 'unsafe_shutdown',
  }
  const order: InjectField[] = ['mediaTemperature', 'controllerTemperature', 'spares', 'fatal', 'unsafeShutdown']
  for (const field of order) {
    if (!uninject[field]) continue
    if (injectGiven[field]) throw new NvdimmError('EINVAL', `Cannot use ${names[field]} inject and uninject together`)
  }
  for (const field of order) {
    if (!injectGiven[field] && !uninject[field]) continue
    const step: SmartInjectStep = { field, name: names[field], enable: !uninject[field] }
    if (field === 'mediaTemperature' || field === 'controllerTemperature' || field === 'spares') {
      step.value = values[field] ?? 0
    }
    request.inject.push(step)
  }
  if (!request.setThresholds && request.inject.length === 0) {
    throw new NvdimmError('EINVAL', 'No valid operation specified')
  }
  return request
}

/** What one dimm operation came to: ndctl's return code and its error() lines. */
interface StepResult {
  rc: number
  errors: NvdimmError[]
}

function providerError(error: unknown): NvdimmError {
  if (error instanceof NvdimmError) return error
  throw error
}

/** "%s (%d)" as ndctl ends its failure lines: strerror(abs(rc)) and rc. */
function describe(error: NvdimmError): string {
  return `${strerror(error.errno)} (${error.code})`
}

function failure(errno: Errno, message: string): NvdimmError {
  return new NvdimmError(errno, message)
}

/** smart_set_thresh(): read the thresholds, change what was asked, write them back. */
async function setThresholds(dimm: Dimm, smart: DimmSmartOps, request: SmartRequest): Promise<StepResult> {
  const name = dimm.name
  if (!smart.thresholds) {
    return { rc: -95, errors: [failure('EOPNOTSUPP', `${name}: no smart threshold command support`)] }
  }
  let current: SmartThresholds
  try {
    current = await smart.thresholds()
  } catch (error) {
    const cause = providerError(error)
    return {
      rc: cause.code,
      errors: [failure(cause.errno, `${name}: smart threshold command failed: ${describe(cause)}`)],
    }
  }
  if (!smart.setThresholds) {
    return { rc: -95, errors: [failure('EOPNOTSUPP', `${name}: no smart set threshold command support`)] }
  }
  const change: Partial<SmartThresholds> = { ...request.thresholds }
  if (request.alarms) {
    const apply = (setting: AlarmSetting, enabled: boolean) =>
      setting === 'on' ? true : setting === 'off' ? false : enabled
    change.alarmTemperature = apply(request.alarms.temperature, current.alarmTemperature)
    change.alarmControllerTemperature = apply(request.alarms.controllerTemperature, current.alarmControllerTemperature)
    change.alarmSpares = apply(request.alarms.spares, current.alarmSpares)
  }
  try {
    await smart.setThresholds(change)
  } catch (error) {
    const cause = providerError(error)
    return {
      rc: cause.code,
      errors: [failure(cause.errno, `${name}: smart set threshold command failed: ${describe(cause)}`)],
    }
  }
  return { rc: 0, errors: [] }
}

function injection(step: SmartInjectStep): SmartInjection {
  if (!step.enable) return { uninject: [step.field] }
  switch (step.field) {
    case 'mediaTemperature':
      return { mediaTemperature: step.value ?? 0 }
    case 'controllerTemperature':
      return { controllerTemperature: step.value ?? 0 }
    case 'spares':
      return { spares: step.value ?? 0 }
    case 'fatal':
      return { fatal: true }
    case 'unsafeShutdown':
      return { unsafeShutdown: true }
  }
}

/**
 * smart_inject(): one inject command per field, in ndctl's order. A field the dimm's family
 * cannot inject (the provider refuses it with ENXIO or EOPNOTSUPP) is ndctl's "cmd invalid",
 * which libndctl always words as -ENXIO (its missing setter); under --uninject-all ndctl still
 * sends the then empty command, which succeeds, and goes on.
 */
async function injectSmart(
  dimm: Dimm,
  inject: NonNullable<DimmSmartOps['inject']>,
  request: SmartRequest,
  supported: DimmSmartOps['injectFields'],
) {
  const name = dimm.name
  // Nothing sent leaves ndctl's -EOPNOTSUPP.
  const result: StepResult = { rc: -95, errors: [] }
  for (const step of request.inject) {
    if (supported && !supported.includes(step.field)) continue
    try {
      await inject(injection(step))
      result.rc = 0
    } catch (error) {
      const provider = providerError(error)
      const invalid = ['ENXIO', 'EOPNOTSUPP', 'ENOTSUP'].includes(provider.errno)
      const cause = invalid ? new NvdimmError('ENXIO', provider.message) : provider
      const what = invalid ? 'cmd invalid' : 'command failed'
      result.errors.push(failure(cause.errno, `${name}: smart inject ${step.name} ${what}: ${describe(cause)}`))
      result.rc = invalid && request.errContinue ? 0 : cause.code
      if (!request.errContinue) return result
    }
  }
  return result
}

/** dimm_inject_smart(): the operations, then the dimm and its health as a JSON array. */
async function dimmInjectSmart(dimm: Dimm, request: SmartRequest): Promise<NdctlOutcome> {
  const smart = dimm.descriptor.ops?.smart
  const inject = smart?.inject?.bind(smart)
  if (!smart || !inject) {
    const error = failure('ENOTTY', `${dimm.name}: smart injection not supported by ndctl.`)
    return { errors: [error], messages: [], exitCode: exitCodeOfRc(error.code) }
  }
  const errors: NvdimmError[] = []
  let rc = 0
  if (request.setThresholds) {
    const result = await setThresholds(dimm, smart, request)
    errors.push(...result.errors)
    rc = result.rc
  }
  if (rc === 0 && request.inject.length) {
    const result = await injectSmart(dimm, inject, request, smart.injectFields)
    errors.push(...result.errors)
    rc = result.rc
  }
  const outcome: NdctlOutcome = { errors, messages: [], exitCode: exitCodeOfRc(rc) }
  if (rc !== 0) return outcome
  const jdimm = dimmToJson(dimm, {
    human: request.human,
    verbose: false,
    mediaErrors: false,
    dax: false,
    capabilities: false,
    firmware: false,
  })
  const health = await dimmHealthToJson(dimm)
  if (health) {
    jdimm.health = health
    // util_display_json_array(): a lone element prints bare under --human.
    const shown: JsonValue = request.human ? jdimm : [jdimm]
    outcome.stdout = `${toJsonC(shown)}\n`
  }
  return outcome
}

/**
 * `ndctl inject-smart <dimm> [<options>]`. Bad options throw EINVAL (ndctl checks them before
 * the dimm); the first dimm that matches is the one acted on, as in ndctl's do_smart().
 */
export async function ndctlInjectSmart(
  nd: Nvdimm,
  dimmArgs: readonly string[],
  options: InjectSmartOptions,
): Promise<NdctlOutcome> {
  const request = parseSmartRequest(options)
  if (dimmArgs.length === 0) throw new NvdimmError('EINVAL', 'specify a dimm for the smart operation')
  if (dimmArgs.length > 1) throw new NvdimmError('EINVAL', `unknown extra parameter "${dimmArgs[1]}"`)
  const ident = dimmArgs[0]!
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, options.bus)) continue
    for (const dimm of ndctlDimms(bus)) {
      if (dimmMatches(dimm, ident)) return dimmInjectSmart(dimm, request)
    }
  }
  const error = new NvdimmError('ENXIO', `${ident}: no such dimm`)
  return { errors: [error], messages: [], exitCode: exitCodeOfRc(error.code) }
}
