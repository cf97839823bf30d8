import { NvdimmError } from '../errors.js'
import type { Health } from '../health/health.js'
import type { DimmSmartOps, SmartInjection, SmartThresholds } from '../provider/dimm-ops.js'
import { MemoryMedia } from '../media/memory-media.js'
import { SimulatedCrash } from './crash.js'
import { DimmCmd } from '../provider/commands.js'
import { defineProvider } from '../provider/define.js'
import { BufferMedia } from '../media/buffer-media.js'
import { serveConfigCommand } from '../provider/config-area.js'
import { decodeSetConfigData } from '../provider/payloads.js'
import type {
  CommandResult,
  DimmFirmwareFlag,
  DimmFlag,
  DimmRef,
  InterleaveSet,
  ProviderInit,
  RegionFlag,
  RegionType,
} from '../provider/types.js'

/**
 * A provider with any topology and commands that fail on demand: core's counterpart of the
 * kernel's nfit_test. Label areas live in memory; region media too.
 */

export interface MockDimm {
  id?: string
  firmwareFlags?: DimmFirmwareFlag[]
  handle?: number
  physId?: number
  flags?: DimmFlag[]
  /** Defaults to the three label-area commands when the dimm is 'labeling', else none. */
  cmdMask?: number[]
  /** Bytes of label area (GET_CONFIG_SIZE); defaults to 128 KiB. */
  configSize?: number
  /** Largest transfer per GET/SET_CONFIG_DATA; defaults to 4 KiB. */
  maxXfer?: number
  /** The SMART read (ops-less `health()`); absent: the dimm has no SMART command. */
  health?: Health
  /** SMART thresholds: the dimm offers ops.smart.thresholds() and setThresholds(). */
  smartThresholds?: SmartThresholds
  /**
   * The inject-smart fields the dimm accepts through ops.smart.inject (true: all of them).
   * Others are refused with ENXIO, as libndctl refuses a field its dimm family has no op for.
   * Uninject restores the field to its value in `health`, the firmware's own.
   */
  smartInject?: boolean | readonly SmartInjectField[]
}

/** The fields one inject-smart request can name. */
export type SmartInjectField = NonNullable<SmartInjection['uninject']>[number]

const SMART_INJECT_FIELDS: readonly SmartInjectField[] = [
  'mediaTemperature',
  'controllerTemperature',
  'spares',
  'fatal',
  'unsafeShutdown',
]

/** The SMART calls a test can make fail: 'health' is the SMART read itself. */
export type MockSmartOp = 'health' | 'thresholds' | 'setThresholds' | 'inject'

export interface MockMapping {
  /** Index into the bus's dimms. */
  dimm: number
  start: bigint
  size: bigint
  position?: number
}

export interface MockRegion {
  type?: RegionType
  start: bigint
  size: bigint
  mappings?: MockMapping[]
  flags?: RegionFlag[]
  numaNode?: number
  targetNode?: number
  interleaveSet?: InterleaveSet
}

export interface MockBus {
  providerName?: string
  cmdMask?: number[]
  dimms?: MockDimm[]
  regions?: MockRegion[]
}

export interface MockTopology {
  buses: MockBus[]
  /** Make probe itself fail with this error. */
  probeError?: NvdimmError
}

export interface CommandFailure {
  /** nmemN, or null for bus commands; undefined matches any target. */
  dimm?: string | null
  cmd: number
  /** A negative errno: the command does not reach the device. */
  rc?: number
  /** A firmware status: the command reaches the device and fails there. */
  cmdRc?: number
  /** How many commands to fail; undefined fails until cleared. */
  times?: number
}

export interface MockControl {
  failCommand(failure: CommandFailure): void
  clearFailures(): void
  /** Every command submitted, in order. */
  readonly commands: { dimm: string | null; cmd: number }[]
  /** A dimm's label area, to inspect or corrupt: by name once probed, or by index in topology order. */
  labelArea(dimm: string | number): Uint8Array
  setHealth(dimm: string, health: Health): void
  /** A dimm's SMART thresholds as its firmware holds them (undefined: it has none); dimms as in labelArea(). */
  smartThresholds(dimm: string | number): SmartThresholds | undefined
  setSmartThresholds(dimm: string | number, thresholds: SmartThresholds): void
  /** Make one SMART call of a dimm fail with `error` until cleared (no error). */
  failSmart(dimm: string | number, op: MockSmartOp, error?: NvdimmError): void
  /**
   * Power fails during the `write`-th SET_CONFIG_DATA from now (0-based): that write lands
   * half done and every command after it fails with SimulatedCrash, until revive().
   */
  crashAtWrite(write: number): void
  /** Power is back: commands work again (the label areas keep what reached them). */
  revive(): void
  /** SET_CONFIG_DATA commands carried out so far. */
  readonly writes: number
  /** Every SET_CONFIG_DATA carried out, with what it wrote where: the trace crash exploration replays. */
  readonly configWrites: { dimm: string; offset: number; data: Uint8Array }[]
}

export type MockProviderInit = ProviderInit & { readonly control: MockControl }

interface DimmState {
  config: Uint8Array
  maxXfer: number
  health: Health | undefined
  thresholds: SmartThresholds | undefined
  smartFailures: Map<MockSmartOp, NvdimmError>
}

const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]

/** Throw the failure a test set for this SMART call, else hand back the dimm's state. */
function smartCall(label: DimmState, op: MockSmartOp): DimmState {
  const failure = label.smartFailures.get(op)
  if (failure) throw failure
  return label
}

/** Apply one inject-smart request the way nfit_test's smart-inject DSM does. */
function injectSmart(
  label: DimmState,
  own: Health,
  fields: readonly SmartInjectField[],
  request: SmartInjection,
): void {
  const named = new Set<SmartInjectField>(request.uninject ?? [])
  if (request.mediaTemperature !== undefined) named.add('mediaTemperature')
  if (request.controllerTemperature !== undefined) named.add('controllerTemperature')
  if (request.spares !== undefined) named.add('spares')
  if (request.fatal) named.add('fatal')
  if (request.unsafeShutdown) named.add('unsafeShutdown')
  for (const field of named) {
    if (!fields.includes(field)) throw new NvdimmError('ENXIO', `mock: this dimm cannot inject ${field}`)
  }
  const health: Health = { ...label.health }
  const set = <K extends keyof Health>(key: K, value: Health[K]) => {
    if (value === undefined) delete health[key]
    else health[key] = value
  }
  if (request.mediaTemperature !== undefined) health.temperature = request.mediaTemperature
  if (request.controllerTemperature !== undefined) health.controllerTemperature = request.controllerTemperature
  if (request.spares !== undefined) health.sparesPercentage = request.spares
  if (request.fatal) health.state = 'fatal'
  if (request.unsafeShutdown) {
    health.shutdownState = 'dirty'
    if (health.shutdownCount !== undefined) health.shutdownCount++
  }
  for (const field of request.uninject ?? []) {
    if (field === 'mediaTemperature') set('temperature', own.temperature)
    else if (field === 'controllerTemperature') set('controllerTemperature', own.controllerTemperature)
    else if (field === 'spares') set('sparesPercentage', own.sparesPercentage)
    else if (field === 'fatal') set('state', own.state)
    else set('shutdownState', own.shutdownState)
  }
  label.health = health
}

/** ops.smart for a mock dimm: thresholds and injection as its spec allows. */
function smartOps(spec: MockDimm, label: DimmState): { ops?: { smart: DimmSmartOps } } {
  const smart: DimmSmartOps = {}
  if (spec.smartThresholds) {
    smart.thresholds = async () => ({ ...smartCall(label, 'thresholds').thresholds! })
    smart.setThresholds = async (change) => {
      const current = smartCall(label, 'setThresholds').thresholds!
      const defined = Object.entries(change).filter(([, value]) => value !== undefined)
      label.thresholds = { ...current, ...Object.fromEntries(defined) }
    }
  }
  const own = spec.health
  if (spec.smartInject && own) {
    const fields = spec.smartInject === true ? SMART_INJECT_FIELDS : spec.smartInject
    smart.inject = async (request) => injectSmart(smartCall(label, 'inject'), own, fields, request)
  }
  return Object.keys(smart).length ? { ops: { smart } } : {}
}

export function mockProvider(topology: MockTopology): MockProviderInit {
  const failures: CommandFailure[] = []
  const commands: { dimm: string | null; cmd: number }[] = []
  const dimms = new Map<string, DimmState>()
  // Label areas outlive a stop and start, as a dimm's do.
  const dimmStates: DimmState[][] = topology.buses.map((bus) =>
    (bus.dimms ?? []).map((spec) => ({
      config: new Uint8Array(spec.configSize ?? 128 * 1024),
      maxXfer: spec.maxXfer ?? 4096,
      health: spec.health,
      thresholds: spec.smartThresholds ? { ...spec.smartThresholds } : undefined,
      smartFailures: new Map(),
    })),
  )

  const state = (name: string | number): DimmState => {
    const found = typeof name === 'number' ? dimmStates.flat()[name] : dimms.get(name)
    if (!found) throw new NvdimmError('ENXIO', `mock: no dimm ${name}`)
    return found
  }

  const regionMedia = topology.buses.map((bus) => (bus.regions ?? []).map((region) => new MemoryMedia(region.size)))

  const takeFailure = (dimm: string | null, cmd: number): CommandFailure | undefined => {
    const index = failures.findIndex((f) => f.cmd === cmd && (f.dimm === undefined || f.dimm === dimm))
    if (index < 0) return undefined
    const failure = failures[index]!
    if (failure.times !== undefined && --failure.times <= 0) failures.splice(index, 1)
    return failure
  }

  let writes = 0
  const configWrites: MockControl['configWrites'] = []
  let crashAt: number | undefined
  let crashed = false

  const ndctl = async (dimm: DimmRef | null, cmd: number, input: Uint8Array): Promise<CommandResult> => {
    const target = dimm?.name ?? null
    if (crashed) throw new SimulatedCrash(crashAt ?? 0)
    commands.push({ dimm: target, cmd })
    const failure = takeFailure(target, cmd)
    if (failure?.rc !== undefined) return { rc: failure.rc, cmdRc: 0, output: new Uint8Array(0) }
    if (failure?.cmdRc !== undefined) return { rc: 0, cmdRc: failure.cmdRc, output: new Uint8Array(0) }
    if (!dimm) return { rc: -25, cmdRc: 0, output: new Uint8Array(0) } // ENOTTY: the mock has no bus commands
    const label = state(dimm.name)
    if (cmd === DimmCmd.SET_CONFIG_DATA && crashAt !== undefined && writes === crashAt && input.length >= 8) {
      const { offset, data } = decodeSetConfigData(input)
      if (offset + data.length <= label.config.length) label.config.set(data.subarray(0, data.length >> 1), offset)
      crashed = true
      throw new SimulatedCrash(crashAt)
    }
    const result = serveConfigCommand(new BufferMedia(label.config), label.maxXfer, cmd, input)
    if (cmd === DimmCmd.SET_CONFIG_DATA && result.rc === 0) {
      writes++
      const { offset, data } = decodeSetConfigData(input)
      configWrites.push({ dimm: dimm.name, offset, data: data.slice() })
    }
    return result
  }

  const init = defineProvider('mock', ({ registerBus }) => ({
    async probe() {
      if (topology.probeError) throw topology.probeError
      topology.buses.forEach((busSpec, busIndex) => {
        const bus = registerBus({
          providerName: busSpec.providerName ?? `mock.${busIndex}`,
          cmdMask: busSpec.cmdMask ?? [],
          ndctl,
        })
        const refs = (busSpec.dimms ?? []).map((spec, dimmIndex) => {
          const flags = spec.flags ?? []
          const labeling = flags.includes('labeling') || flags.includes('aliasing')
          const label = dimmStates[busIndex]![dimmIndex]!
          const ref = bus.createDimm({
            ...(spec.id !== undefined ? { id: spec.id } : {}),
            ...(spec.handle !== undefined ? { handle: spec.handle } : {}),
            ...(spec.physId !== undefined ? { physId: spec.physId } : {}),
            flags,
            ...(spec.firmwareFlags ? { firmwareFlags: spec.firmwareFlags } : {}),
            cmdMask: spec.cmdMask ?? (labeling ? LABEL_COMMANDS : []),
            ...(spec.health ? { health: async () => ({ ...smartCall(label, 'health').health }) } : {}),
            ...smartOps(spec, label),
          })
          dimms.set(ref.name, label)
          return ref
        })
        ;(busSpec.regions ?? []).forEach((regionSpec, regionIndex) => {
          bus.createRegion({
            type: regionSpec.type ?? 'pmem',
            resource: { start: regionSpec.start, size: regionSpec.size },
            media: regionMedia[busIndex]![regionIndex]!,
            mappings: (regionSpec.mappings ?? []).map((mapping, index) => {
              const ref = refs[mapping.dimm]
              if (!ref)
                throw new NvdimmError(
                  'EINVAL',
                  `mock: mapping ${index} names dimm ${mapping.dimm}, which does not exist`,
                )
              return { dimm: ref, start: mapping.start, size: mapping.size, position: mapping.position ?? index }
            }),
            ...(regionSpec.interleaveSet ? { interleaveSet: regionSpec.interleaveSet } : {}),
            numaNode: regionSpec.numaNode ?? 0,
            targetNode: regionSpec.targetNode ?? regionSpec.numaNode ?? 0,
            flags: regionSpec.flags ?? [],
          })
        })
      })
    },
  }))

  const control: MockControl = {
    failCommand: (failure) => failures.push({ ...failure }),
    clearFailures: () => {
      failures.length = 0
    },
    commands,
    labelArea: (dimm) => state(dimm).config,
    setHealth: (dimm, health) => {
      state(dimm).health = health
    },
    smartThresholds: (dimm) => {
      const thresholds = state(dimm).thresholds
      return thresholds ? { ...thresholds } : undefined
    },
    setSmartThresholds: (dimm, thresholds) => {
      state(dimm).thresholds = { ...thresholds }
    },
    failSmart: (dimm, op, error) => {
      const failures = state(dimm).smartFailures
      if (error) failures.set(op, error)
      else failures.delete(op)
    },
    crashAtWrite: (write) => {
      crashAt = writes + write
    },
    revive: () => {
      crashed = false
      crashAt = undefined
    },
    get writes() {
      return writes
    },
    configWrites,
  }
  return Object.assign(init, { control })
}
