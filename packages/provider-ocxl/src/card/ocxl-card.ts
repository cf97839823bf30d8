import { NvdimmError } from '@nvdimm/core'
import {
  ADMIN_COMMAND_CONTROLLER_DUMP,
  ADMIN_COMMAND_CONTROLLER_STATS,
  ADMIN_COMMAND_ERRLOG,
  ADMIN_COMMAND_FW_UPDATE,
  ADMIN_COMMAND_HEARTBEAT,
  ADMIN_COMMAND_SHUTDOWN,
  ADMIN_COMMAND_SMART,
  REQUEST_COMMAND_ID,
  REQUEST_FW_COMMIT,
  REQUEST_LENGTH,
  REQUEST_OFFSET,
  REQUEST_OPCODE,
  RESPONSE_COMMAND_ID,
  RESPONSE_DATA_LENGTH,
  RESPONSE_OPCODE,
  RESPONSE_RESULT,
  RESPONSE_STATUS,
  STATUS_DEVICE_ERROR,
  STATUS_FW_UPDATE_BAD_IMAGE,
  STATUS_INVALID_COMMAND,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_DATA,
  STATUS_SUCCESS,
} from './admin-protocol.js'
import {
  bytesToHex,
  type CardFaults,
  DEFAULT_FAIL_STATUS,
  type ErrorLogEntryState,
  hexToBytes,
  MAX_ERROR_LOG_DATA,
  MAX_ERROR_LOG_ENTRIES,
  type OcxlCardState,
  parseCardState,
  type SmartValues,
  smartValuesSchema,
} from './card-state.js'
import type { Clock } from './clock.js'
import {
  CONTROLLER_STATS_IDENTIFIER,
  DATA_HEADER_SIZE,
  DATA_IDENTIFIER,
  DATA_LENGTH,
  ERROR_LOG_DATA_OFFSET,
  ERROR_LOG_FIXED_LENGTH,
  ERROR_LOG_IDENTIFIER,
  ERROR_LOG_LOG_IDENTIFIER,
  ERROR_LOG_PROGRAM_REFERENCE_CODE,
  ERROR_LOG_TIMESTAMP,
  SMART_ALARM_CONTROLLER_TEMPERATURE,
  SMART_ALARM_SPARES,
  SMART_ALARM_TEMPERATURE,
  SMART_ALARMS,
  SMART_CONTROLLER_TEMPERATURE,
  SMART_DIRTY_SHUTDOWN_COUNT,
  SMART_HEALTH_STATE,
  SMART_HEALTH_STATES,
  SMART_IDENTIFIER,
  SMART_LAST_SHUTDOWN_DIRTY,
  SMART_LENGTH,
  SMART_LIFE_USED_PERCENTAGE,
  SMART_MEDIA_TEMPERATURE,
  SMART_SPARES_PERCENTAGE,
  STATS_ADMIN_COMMANDS,
  STATS_ERROR_LOG_ENTRIES,
  STATS_LENGTH,
  STATS_POWER_ON_MS,
} from './data-formats.js'
import { fieldValue, type OcxlMmio, type RegisterField, U64_MASK, withField } from './register-field.js'
import {
  ACMA_DATA_OFFSET,
  ACMA_DATA_SIZE,
  ACMA_REQUEST_OFFSET,
  ACMA_RESPONSE_OFFSET,
  ADMIN_AREA_SIZE,
  ADMIN_DATA_OFFSET,
  ADMIN_DATA_SIZE,
  ADMIN_REQUEST_OFFSET,
  ADMIN_RESPONSE_OFFSET,
  CCAP0_MEMORY_AVAILABLE_TIMEOUT,
  CCAP0_READ_LATENCY,
  CCAP0_READINESS_TIMEOUT,
  CCAP0_REVISION_MAJOR,
  CCAP0_REVISION_MINOR,
  CCAP1_MAX_CONTROLLER_DUMP_SIZE,
  GLOBAL_MMIO_ACMA_CREQO,
  GLOBAL_MMIO_CCAP0,
  GLOBAL_MMIO_CCAP1,
  GLOBAL_MMIO_CHI,
  GLOBAL_MMIO_CHI_ALL,
  GLOBAL_MMIO_CHI_CDA,
  GLOBAL_MMIO_CHI_CFFS,
  GLOBAL_MMIO_CHI_CHFS,
  GLOBAL_MMIO_CHI_CRDY,
  GLOBAL_MMIO_CHI_ELA,
  GLOBAL_MMIO_CHI_MA,
  GLOBAL_MMIO_CHIE,
  GLOBAL_MMIO_CHIEC,
  GLOBAL_MMIO_FWVER,
  GLOBAL_MMIO_HCI,
  GLOBAL_MMIO_HCI_ACRW,
  OCXL_MMIO_SIZE,
} from './register-map.js'

/** Milliseconds after power-on, or never. */
export type CardTime = number | 'never'

export interface OcxlCardOptions {
  clock: Clock
  fwVersion?: string
  revision?: { major: number; minor: number }
  readLatencyNs?: number
  /** CCAP0 readiness timeout, seconds (4 bits). */
  readinessTimeoutS?: number
  /** CCAP0 memory-available timeout, seconds (12 bits). */
  memoryAvailableTimeoutS?: number
  maxControllerDumpSize?: number
  /** When CHI.CRDY comes up. */
  controllerReadyAt?: CardTime
  /** When CHI.MA comes up. */
  memoryAvailableAt?: CardTime
  /** How long each opcode takes to complete, ms; unlisted opcodes take `defaultCommandDelayMs`. */
  commandDelayMs?: Readonly<Record<number, number>>
  defaultCommandDelayMs?: number
  smart?: Partial<SmartValues>
}

export interface InjectedErrorLogEntry {
  programReferenceCode: number
  data?: Uint8Array
}

const ALL_ONES = U64_MASK

const DEFAULT_SMART: SmartValues = {
  healthState: 'ok',
  mediaTemperature: 40,
  controllerTemperature: 45,
  sparesPercentage: 100,
  lifeUsedPercentage: 0,
  alarmTemperature: false,
  alarmSpares: false,
  alarmControllerTemperature: false,
  dirtyShutdownCount: 0,
  lastShutdownDirty: false,
}

const NO_FAULTS: CardFaults = {
  neverReady: false,
  firmwareFatal: false,
  hardwareFatal: false,
  hangCommands: 0,
  failCommands: 0,
  failStatus: DEFAULT_FAIL_STATUS,
}

interface PendingCommand {
  opcode: number
  id: number
  /** Clock time of completion; null = never. */
  completesAt: number | null
}

interface Completion {
  status: number
  data?: Uint8Array
  result?: number
}

function inRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NvdimmError('EINVAL', `${name} must be an integer in ${min}..${max}, not ${value}`)
  }
  return value
}

function checkTime(name: string, time: CardTime): CardTime {
  if (time === 'never') return time
  if (!Number.isFinite(time) || time < 0) throw new NvdimmError('EINVAL', `${name} must be >= 0 ms or 'never'`)
  return time
}

function checkFwVersion(version: string): string {
  if (!/^[\x20-\x7e]{1,8}$/.test(version)) {
    throw new NvdimmError('EINVAL', `firmware version '${version}' must be 1-8 printable ASCII characters`)
  }
  return version
}

/**
 * The emulated OpenCAPI persistent-memory card: its global MMIO register file, a readiness
 * timeline, the admin command engine behind the HCI doorbell, error log, SMART, controller stats
 * and dump, firmware update and shutdown, plus fault knobs. Time comes from the injected clock;
 * work due by `now()` is done on the next MMIO access, so nothing runs in the background.
 */
export class OcxlCard implements OcxlMmio {
  private readonly clock: Clock
  private readonly poweredOnAt: number
  private readonly ram = new DataView(new ArrayBuffer(OCXL_MMIO_SIZE))
  private readonly ccap0: bigint
  private readonly ccap1: bigint
  private readonly controllerReadyAt: CardTime
  private readonly memoryAvailableAt: CardTime
  private readonly commandDelayMs: Readonly<Record<number, number>>
  private readonly defaultCommandDelayMs: number
  readonly maxControllerDumpSize: number

  private fwVersionText: string
  private smart: SmartValues
  private errorLog: ErrorLogEntryState[] = []
  private nextLogIdentifier = 1
  private errorLogEntriesTotal = 0
  private controllerDump: Uint8Array | null = null
  private cleanShutdown = false
  private shutDown = false
  private faults: CardFaults = { ...NO_FAULTS }
  private chiEnable = 0n
  /** The condition bits as the interrupt logic last saw them: it fires on rising edges. */
  private conditionLevels = 0n
  private interrupt: ((raised: bigint) => void) | undefined
  private pending: PendingCommand | null = null
  private adminCommandsCompleted = 0
  private fwStaging: Uint8Array[] = []
  private fwStagedBytes = 0
  /** Every opcode completed, in order: for tests of serialisation. */
  readonly completedCommands: number[] = []

  constructor(options: OcxlCardOptions) {
    this.clock = options.clock
    this.poweredOnAt = options.clock.now()
    const revision = options.revision ?? { major: 1, minor: 0 }
    let ccap0 = 0n
    ccap0 = withField(ccap0, CCAP0_REVISION_MAJOR, inRange('revision major', revision.major, 0, 15))
    ccap0 = withField(ccap0, CCAP0_REVISION_MINOR, inRange('revision minor', revision.minor, 0, 15))
    ccap0 = withField(ccap0, CCAP0_READ_LATENCY, inRange('read latency', options.readLatencyNs ?? 250, 0, 0xffff))
    ccap0 = withField(
      ccap0,
      CCAP0_READINESS_TIMEOUT,
      inRange('readiness timeout', options.readinessTimeoutS ?? 5, 0, 15),
    )
    ccap0 = withField(
      ccap0,
      CCAP0_MEMORY_AVAILABLE_TIMEOUT,
      inRange('memory-available timeout', options.memoryAvailableTimeoutS ?? 10, 0, 0xfff),
    )
    this.ccap0 = ccap0
    this.maxControllerDumpSize = inRange(
      'max controller dump size',
      options.maxControllerDumpSize ?? 0x4000,
      0,
      0xffff_ffff,
    )
    this.ccap1 = withField(0n, CCAP1_MAX_CONTROLLER_DUMP_SIZE, this.maxControllerDumpSize)
    this.controllerReadyAt = checkTime('controllerReadyAt', options.controllerReadyAt ?? 0)
    this.memoryAvailableAt = checkTime('memoryAvailableAt', options.memoryAvailableAt ?? 0)
    this.commandDelayMs = { ...options.commandDelayMs }
    for (const [opcode, delay] of Object.entries(this.commandDelayMs)) checkTime(`delay of opcode ${opcode}`, delay)
    this.defaultCommandDelayMs = checkTime('defaultCommandDelayMs', options.defaultCommandDelayMs ?? 5) as number
    this.fwVersionText = checkFwVersion(options.fwVersion ?? 'OCXL0001')
    const smart = smartValuesSchema.safeParse({ ...DEFAULT_SMART, ...options.smart })
    if (!smart.success) throw new NvdimmError('EINVAL', `bad SMART values: ${smart.error.issues[0]?.message}`)
    this.smart = smart.data
  }

  /** A card powered on again with the state it kept; a shutdown that was not clean counts as dirty. */
  static fromJSON(json: unknown, options: OcxlCardOptions): OcxlCard {
    const card = OcxlCard.resume(json, options)
    if (!card.cleanShutdown) card.smart.dirtyShutdownCount = Math.min(card.smart.dirtyShutdownCount + 1, 0xffff_ffff)
    card.smart.lastShutdownDirty = !card.cleanShutdown
    card.cleanShutdown = false
    card.shutDown = false
    return card
  }

  /**
   * The same card, still powered, as a later command finds it: nothing is counted again, and a
   * controller that was shut down stays down (its memory unavailable) until the next power-on.
   */
  static resume(json: unknown, options: OcxlCardOptions): OcxlCard {
    const state = parseCardState(json)
    const card = new OcxlCard({ ...options, fwVersion: state.fwVersion, smart: state.smart })
    card.errorLog = state.errorLog.map((entry) => ({ ...entry }))
    card.nextLogIdentifier = state.nextLogIdentifier
    card.errorLogEntriesTotal = state.errorLogEntriesTotal
    card.controllerDump = state.controllerDump === null ? null : hexToBytes(state.controllerDump)
    card.faults = { ...state.faults }
    card.cleanShutdown = state.cleanShutdown
    card.shutDown = state.cleanShutdown
    card.conditionLevels = card.conditions()
    return card
  }

  toJSON(): OcxlCardState {
    return {
      version: 1,
      fwVersion: this.fwVersionText,
      smart: { ...this.smart },
      errorLog: this.errorLog.map((entry) => ({ ...entry })),
      nextLogIdentifier: this.nextLogIdentifier,
      errorLogEntriesTotal: this.errorLogEntriesTotal,
      controllerDump: this.controllerDump === null ? null : bytesToHex(this.controllerDump),
      cleanShutdown: this.cleanShutdown,
      faults: { ...this.faults },
    }
  }

  // --- MMIO -------------------------------------------------------------------------------

  /** readq of the little-endian register; a bad offset reads all ones, as a PCI master abort. */
  read64(offset: number): bigint {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % 8 !== 0 || offset + 8 > OCXL_MMIO_SIZE) return ALL_ONES
    this.runDueWork()
    switch (offset) {
      case GLOBAL_MMIO_CCAP0:
        return this.ccap0
      case GLOBAL_MMIO_CCAP1:
        return this.ccap1
      case GLOBAL_MMIO_FWVER:
        return this.fwVersionWord()
      case GLOBAL_MMIO_ACMA_CREQO:
        return withField(
          withField(0n, ACMA_REQUEST_OFFSET, ADMIN_REQUEST_OFFSET),
          ACMA_RESPONSE_OFFSET,
          ADMIN_RESPONSE_OFFSET,
        )
      case GLOBAL_MMIO_ACMA_CREQO + 8:
        return withField(withField(0n, ACMA_DATA_OFFSET, ADMIN_DATA_OFFSET), ACMA_DATA_SIZE, ADMIN_DATA_SIZE)
      case GLOBAL_MMIO_CHI:
        return this.chi()
      case GLOBAL_MMIO_CHIE:
      case GLOBAL_MMIO_CHIEC:
        return this.chiEnable
      case GLOBAL_MMIO_HCI:
        return this.pending === null ? 0n : GLOBAL_MMIO_HCI_ACRW
      default:
        return this.isRam(offset) ? this.ram.getBigUint64(offset, true) : 0n
    }
  }

  /** writeq; writes to read-only or unmapped registers are dropped, as hardware would. */
  write64(offset: number, value: bigint): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % 8 !== 0 || offset + 8 > OCXL_MMIO_SIZE) return
    if (typeof value !== 'bigint') return
    const word = value & U64_MASK
    this.runDueWork()
    switch (offset) {
      case GLOBAL_MMIO_CHIE:
        this.chiEnable |= word & GLOBAL_MMIO_CHI_ALL
        return
      case GLOBAL_MMIO_CHIEC:
        this.chiEnable &= ~word & GLOBAL_MMIO_CHI_ALL
        return
      case GLOBAL_MMIO_HCI:
        if (word & GLOBAL_MMIO_HCI_ACRW) this.ringDoorbell()
        return
      default:
        if (this.isHostWritable(offset)) this.ram.setBigUint64(offset, word, true)
    }
  }

  // --- state the tests and fault knobs look at ----------------------------------------------

  chi(): bigint {
    this.runDueWork()
    let chi = 0n
    const uptime = this.clock.now() - this.poweredOnAt
    const reached = (at: CardTime) => !this.faults.neverReady && at !== 'never' && uptime >= at
    if (reached(this.controllerReadyAt)) chi |= GLOBAL_MMIO_CHI_CRDY
    if (reached(this.memoryAvailableAt) && !this.shutDown) chi |= GLOBAL_MMIO_CHI_MA
    return chi | this.conditions()
  }

  /** The driver's handler for the card's interrupt: called with the CHI bits that rose while their doorbell (CHIE) was enabled. */
  setInterruptHandler(handler: ((raised: bigint) => void) | undefined): void {
    this.interrupt = handler
  }

  /** ELA, CDA, CFFS and CHFS: the bits that can raise the interrupt. */
  private conditions(): bigint {
    let levels = 0n
    if (this.errorLog.length > 0) levels |= GLOBAL_MMIO_CHI_ELA
    if (this.controllerDump !== null) levels |= GLOBAL_MMIO_CHI_CDA
    if (this.faults.firmwareFatal) levels |= GLOBAL_MMIO_CHI_CFFS
    if (this.faults.hardwareFatal) levels |= GLOBAL_MMIO_CHI_CHFS
    return levels
  }

  /** Raise the interrupt for conditions that rose with their doorbell enabled; edges only. */
  private signal(): void {
    const levels = this.conditions()
    const raised = levels & ~this.conditionLevels & this.chiEnable
    this.conditionLevels = levels
    if (raised !== 0n) this.interrupt?.(raised)
  }

  get fwVersion(): string {
    return this.fwVersionText
  }

  get errorLogLength(): number {
    return this.errorLog.length
  }

  get smartValues(): Readonly<SmartValues> {
    return { ...this.smart }
  }

  setSmart(values: Partial<SmartValues>): void {
    const parsed = smartValuesSchema.safeParse({ ...this.smart, ...values })
    if (!parsed.success) throw new NvdimmError('EINVAL', `bad SMART values: ${parsed.error.issues[0]?.message}`)
    this.smart = parsed.data
  }

  /** Add an error log entry (sets CHI.ELA); returns its log identifier. */
  injectErrorLog(entry: InjectedErrorLogEntry): number {
    inRange('program reference code', entry.programReferenceCode, 0, 0xffff_ffff)
    const data = entry.data ?? new Uint8Array()
    if (data.length > MAX_ERROR_LOG_DATA) {
      throw new NvdimmError('EINVAL', `error log data is ${data.length} bytes, at most ${MAX_ERROR_LOG_DATA} fit`)
    }
    if (this.errorLog.length >= MAX_ERROR_LOG_ENTRIES) {
      throw new NvdimmError('ENOSPC', `the card's error log is full (${MAX_ERROR_LOG_ENTRIES} entries)`)
    }
    const logIdentifier = this.nextLogIdentifier
    this.nextLogIdentifier = logIdentifier >= 0xffff_ffff ? 1 : logIdentifier + 1
    this.errorLogEntriesTotal++
    this.errorLog.push({
      logIdentifier,
      programReferenceCode: entry.programReferenceCode,
      timestamp: Math.max(0, Math.floor(this.clock.now() - this.poweredOnAt)),
      data: bytesToHex(data),
    })
    this.signal()
    return logIdentifier
  }

  /** Collect a controller dump (sets CHI.CDA); by default a pattern of the largest size. */
  collectControllerDump(contents?: Uint8Array): void {
    const dump = contents ?? Uint8Array.from({ length: this.maxControllerDumpSize }, (_, i) => (i * 7 + 3) & 0xff)
    if (dump.length === 0 || dump.length > this.maxControllerDumpSize) {
      throw new NvdimmError('EINVAL', `a controller dump is 1..${this.maxControllerDumpSize} bytes (CCAP1)`)
    }
    this.controllerDump = Uint8Array.from(dump)
    this.signal()
  }

  setNeverReady(neverReady = true): void {
    this.faults.neverReady = neverReady
  }

  setFirmwareFatal(fatal = true): void {
    this.faults.firmwareFatal = fatal
    this.signal()
  }

  setHardwareFatal(fatal = true): void {
    this.faults.hardwareFatal = fatal
    this.signal()
  }

  /** The next `count` admin commands never complete. */
  hangCommands(count = 1): void {
    this.faults.hangCommands = inRange('hang count', count, 0, 1_000_000)
  }

  /** The next `count` admin commands complete with `status`. */
  failCommands(status: number, count = 1): void {
    inRange('status', status, 1, 0xff)
    this.faults.failCommands = inRange('fail count', count, 0, 1_000_000)
    this.faults.failStatus = status
  }

  // --- admin commands ------------------------------------------------------------------------

  private isRam(offset: number): boolean {
    return (
      (offset >= ADMIN_REQUEST_OFFSET && offset < ADMIN_RESPONSE_OFFSET + ADMIN_AREA_SIZE) ||
      (offset >= ADMIN_DATA_OFFSET && offset < ADMIN_DATA_OFFSET + ADMIN_DATA_SIZE)
    )
  }

  /** The request area and the data buffer; the response area is the card's to write. */
  private isHostWritable(offset: number): boolean {
    return (
      (offset >= ADMIN_REQUEST_OFFSET && offset < ADMIN_REQUEST_OFFSET + ADMIN_AREA_SIZE) ||
      (offset >= ADMIN_DATA_OFFSET && offset < ADMIN_DATA_OFFSET + ADMIN_DATA_SIZE)
    )
  }

  private fwVersionWord(): bigint {
    let word = 0n
    for (let i = 7; i >= 0; i--) word = (word << 8n) | BigInt(this.fwVersionText.charCodeAt(i) || 0)
    return word
  }

  /**
   * ACRW latches; a card that is not ready never answers it. A new ring abandons a command in
   * flight.
   */
  private ringDoorbell(): void {
    const word0 = this.ram.getBigUint64(ADMIN_REQUEST_OFFSET, true)
    const opcode = Number(fieldValue(word0, REQUEST_OPCODE))
    const id = Number(fieldValue(word0, REQUEST_COMMAND_ID))
    let completesAt: number | null = this.clock.now() + (this.commandDelayMs[opcode] ?? this.defaultCommandDelayMs)
    if (!(this.chi() & GLOBAL_MMIO_CHI_CRDY)) {
      completesAt = null
    } else if (this.faults.hangCommands > 0) {
      this.faults.hangCommands--
      completesAt = null
    }
    this.pending = { opcode, id, completesAt }
    this.runDueWork()
  }

  private runDueWork(): void {
    const pending = this.pending
    if (pending === null || pending.completesAt === null || this.clock.now() < pending.completesAt) return
    this.pending = null
    const completion = this.execute(pending.opcode)
    const data = completion.data ?? new Uint8Array()
    new Uint8Array(this.ram.buffer, ADMIN_DATA_OFFSET, ADMIN_DATA_SIZE).set(data.subarray(0, ADMIN_DATA_SIZE))
    let word0 = withField(0n, RESPONSE_OPCODE, pending.opcode)
    word0 = withField(word0, RESPONSE_STATUS, completion.status)
    word0 = withField(word0, RESPONSE_COMMAND_ID, pending.id)
    word0 = withField(word0, RESPONSE_DATA_LENGTH, Math.min(data.length, ADMIN_DATA_SIZE))
    this.ram.setBigUint64(ADMIN_RESPONSE_OFFSET, word0, true)
    this.ram.setBigUint64(ADMIN_RESPONSE_OFFSET + 8, withField(0n, RESPONSE_RESULT, completion.result ?? 0), true)
    this.adminCommandsCompleted++
    this.completedCommands.push(pending.opcode)
    this.signal()
  }

  private requestField(f: RegisterField): number {
    return Number(fieldValue(this.ram.getBigUint64(ADMIN_REQUEST_OFFSET + f.register, true), f))
  }

  private execute(opcode: number): Completion {
    if (this.faults.failCommands > 0) {
      this.faults.failCommands--
      return { status: this.faults.failStatus }
    }
    if (this.faults.firmwareFatal || this.faults.hardwareFatal) return { status: STATUS_DEVICE_ERROR }
    switch (opcode) {
      case ADMIN_COMMAND_HEARTBEAT:
        return { status: STATUS_SUCCESS }
      case ADMIN_COMMAND_ERRLOG:
        return this.retrieveErrorLog()
      case ADMIN_COMMAND_SMART:
        return { status: STATUS_SUCCESS, data: this.smartBlock() }
      case ADMIN_COMMAND_CONTROLLER_STATS:
        return { status: STATUS_SUCCESS, data: this.statsBlock() }
      case ADMIN_COMMAND_CONTROLLER_DUMP:
        return this.retrieveControllerDump()
      case ADMIN_COMMAND_SHUTDOWN:
        this.shutDown = true
        this.cleanShutdown = true
        return { status: STATUS_SUCCESS }
      case ADMIN_COMMAND_FW_UPDATE:
        return this.firmwareUpdate()
      default:
        return { status: STATUS_INVALID_COMMAND }
    }
  }

  private retrieveErrorLog(): Completion {
    const entry = this.errorLog.shift()
    if (entry === undefined) return { status: STATUS_NO_DATA }
    const data = hexToBytes(entry.data)
    const block = new Uint8Array(ERROR_LOG_DATA_OFFSET + Math.ceil(data.length / 8) * 8)
    const view = new DataView(block.buffer)
    let word0 = withField(0n, DATA_IDENTIFIER, ERROR_LOG_IDENTIFIER)
    word0 = withField(word0, DATA_LENGTH, ERROR_LOG_FIXED_LENGTH + data.length)
    view.setBigUint64(0, word0, true)
    let word1 = withField(0n, ERROR_LOG_LOG_IDENTIFIER, entry.logIdentifier)
    word1 = withField(word1, ERROR_LOG_PROGRAM_REFERENCE_CODE, entry.programReferenceCode)
    view.setBigUint64(ERROR_LOG_LOG_IDENTIFIER.register, word1, true)
    view.setBigUint64(ERROR_LOG_TIMESTAMP.register, withField(0n, ERROR_LOG_TIMESTAMP, entry.timestamp), true)
    block.set(data, ERROR_LOG_DATA_OFFSET)
    return { status: STATUS_SUCCESS, data: block }
  }

  private smartBlock(): Uint8Array {
    const s = this.smart
    const alarms =
      (s.alarmTemperature ? SMART_ALARM_TEMPERATURE : 0) |
      (s.alarmSpares ? SMART_ALARM_SPARES : 0) |
      (s.alarmControllerTemperature ? SMART_ALARM_CONTROLLER_TEMPERATURE : 0)
    let word1 = withField(0n, SMART_HEALTH_STATE, SMART_HEALTH_STATES.indexOf(s.healthState))
    word1 = withField(word1, SMART_SPARES_PERCENTAGE, s.sparesPercentage)
    word1 = withField(word1, SMART_LIFE_USED_PERCENTAGE, s.lifeUsedPercentage)
    word1 = withField(word1, SMART_ALARMS, alarms)
    word1 = withField(word1, SMART_MEDIA_TEMPERATURE, s.mediaTemperature & 0xffff)
    word1 = withField(word1, SMART_CONTROLLER_TEMPERATURE, s.controllerTemperature & 0xffff)
    let word2 = withField(0n, SMART_DIRTY_SHUTDOWN_COUNT, s.dirtyShutdownCount)
    word2 = withField(word2, SMART_LAST_SHUTDOWN_DIRTY, s.lastShutdownDirty ? 1 : 0)
    return this.block(SMART_IDENTIFIER, [word1, word2], SMART_LENGTH)
  }

  private statsBlock(): Uint8Array {
    const uptime = Math.max(0, Math.floor(this.clock.now() - this.poweredOnAt))
    return this.block(
      CONTROLLER_STATS_IDENTIFIER,
      [
        withField(0n, STATS_POWER_ON_MS, uptime),
        withField(0n, STATS_ADMIN_COMMANDS, this.adminCommandsCompleted),
        withField(0n, STATS_ERROR_LOG_ENTRIES, this.errorLogEntriesTotal),
      ],
      STATS_LENGTH,
    )
  }

  private block(identifier: number, words: bigint[], length: number): Uint8Array {
    const block = new Uint8Array(DATA_HEADER_SIZE + words.length * 8)
    const view = new DataView(block.buffer)
    view.setBigUint64(0, withField(withField(0n, DATA_IDENTIFIER, identifier), DATA_LENGTH, length), true)
    words.forEach((word, i) => view.setBigUint64(DATA_HEADER_SIZE + i * 8, word, true))
    return block
  }

  /** One data-buffer's worth from `offset`; the dump is consumed (CDA clears) once read to the end. */
  private retrieveControllerDump(): Completion {
    const dump = this.controllerDump
    if (dump === null) return { status: STATUS_NO_DATA }
    const offset = this.requestField(REQUEST_OFFSET)
    if (offset >= dump.length) return { status: STATUS_INVALID_PARAMETER, result: dump.length }
    const chunk = dump.slice(offset, Math.min(dump.length, offset + ADMIN_DATA_SIZE))
    if (offset + chunk.length >= dump.length) this.controllerDump = null
    return { status: STATUS_SUCCESS, data: chunk, result: dump.length }
  }

  /**
   * Chunks must arrive in order; the commit chunk switches to the staged image, whose first
   * eight bytes are its version string (this package's image format).
   */
  private firmwareUpdate(): Completion {
    const offset = this.requestField(REQUEST_OFFSET)
    const length = this.requestField(REQUEST_LENGTH)
    const commit = this.requestField(REQUEST_FW_COMMIT) === 1
    if (offset === 0) {
      this.fwStaging = []
      this.fwStagedBytes = 0
    }
    if (offset !== this.fwStagedBytes || length > ADMIN_DATA_SIZE) {
      return { status: STATUS_INVALID_PARAMETER, result: this.fwStagedBytes }
    }
    this.fwStaging.push(new Uint8Array(this.ram.buffer.slice(ADMIN_DATA_OFFSET, ADMIN_DATA_OFFSET + length)))
    this.fwStagedBytes += length
    if (!commit) return { status: STATUS_SUCCESS, result: this.fwStagedBytes }
    const head = new Uint8Array(8)
    let filled = 0
    for (const chunk of this.fwStaging) {
      const take = chunk.subarray(0, 8 - filled)
      head.set(take, filled)
      filled += take.length
      if (filled === 8) break
    }
    const staged = this.fwStagedBytes
    this.fwStaging = []
    this.fwStagedBytes = 0
    const version = String.fromCharCode(...head).replace(/\0+$/, '')
    if (filled < 8 || !/^[\x20-\x7e]{1,8}$/.test(version)) return { status: STATUS_FW_UPDATE_BAD_IMAGE, result: staged }
    this.fwVersionText = version
    return { status: STATUS_SUCCESS, result: staged }
  }
}
