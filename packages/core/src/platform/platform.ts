import * as fs from 'node:fs'
import * as path from 'node:path'
import { z } from 'zod'
import { isUuid } from '../util/uuid.js'
import { ARCH_NAMES, archProfile, type ArchName } from '../arch.js'
import { bootMemmap } from '../memory/firmware-memmap.js'
import { placeHotAddedMemory } from '../memory/hot-add.js'
import { NvdimmError } from '../errors.js'
import { fileKeyStore } from '../dimm/key-store.js'
import { FileMedia } from '../media/file-media.js'
import { OverlayMedia } from '../media/overlay-media.js'
import type { Media } from '../media/media.js'
import type { Logger } from '../provider/types.js'
import type { RuntimeState } from '../runtime-state.js'
import { createNvdimm, type Nvdimm } from '../subsystem.js'
import { u64Json } from './codecs.js'
import { type FsOps, realFs, writeFileAtomic } from './fs-ops.js'
import {
  IN_FLIGHT_FILE,
  loadInFlight,
  loadJournal,
  POWER_FAIL_JOURNAL,
  type PowerFailJournal,
  saveInFlight,
  saveJournal,
} from './in-flight.js'
import { processAlive } from '../util/process.js'
import { parseDaxctlConf } from '../daxctl/daxctl-conf.js'
import { AUTO_ONLINE_POLICIES } from '../memory/memory-hotplug.js'
import { acquireLock } from './lock.js'
import type { MediaOpener, PlatformProviderKind } from './provider-kind.js'

/**
 * A platform: a directory holding platform.json (the providers, their devices and the
 * runtime state) and the media files. Every change is made under the directory's lock and
 * lands with an atomic rename, so a crash at any write leaves the old state or the new one.
 */

export const PLATFORM_FILE = 'platform.json'
export const LOCK_FILE = 'lock'
export const MEDIA_DIR = 'media'
/** The dimm passphrases (0700, one 0600 blob per key), see fileKeyStore(). */
export const KEYS_DIR = 'keys'

/** Any 8-4-4-4-12 hex uuid (labels carry ones that are not RFC 4122 variants). */
const uuidText = z.string().refine(isUuid, 'a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)')

const runtimeSchema = z.object({
  dimms: z.record(z.string(), z.strictObject({ enabled: z.boolean().optional() })).optional(),
  regions: z
    .record(z.string(), z.strictObject({ enabled: z.boolean().optional(), align: u64Json.optional() }))
    .optional(),
  namespaces: z
    .record(
      z.string(),
      z.strictObject({
        enabled: z.boolean().optional(),
        writeCache: z.boolean().optional(),
        mapSync: z.boolean().optional(),
        devdaxNone: z.strictObject({ uuid: uuidText, align: u64Json, namespaceUuid: uuidText.optional() }).optional(),
      }),
    )
    .optional(),
  kmem: z
    .record(
      z.string().regex(/^dax\d+\.\d+$/, 'a dax device name (daxR.N)'),
      z.strictObject({
        uuid: uuidText.optional(),
        online: z.record(z.string().regex(/^memory\d+$/, 'a memory block (memoryN)'), z.enum(['Movable', 'Normal'])),
      }),
    )
    .optional(),
  daxctlConfigApplied: z.boolean().optional(),
  boot: z.number().int().min(0).optional(),
  kernel: z.number().int().min(0).optional(),
  powerLost: z.boolean().optional(),
  firmware: z.record(z.string(), z.unknown()).optional(),
})

/**
 * How the machine boots, beside its firmware devices: boot memory, kernel options
 * (memhp_default_state=, the MAP_SYNC build default) and daxctl's boot configuration.
 */
const machineSchema = z.strictObject({
  memory: u64Json.optional(),
  /** DIMMs hot-added after boot (an ACPI memory device, QEMU's device_add pc-dimm): they stay plugged. */
  hotplugMemory: z.array(z.strictObject({ start: u64Json, size: u64Json })).optional(),
  memhpDefaultState: z.enum(AUTO_ONLINE_POLICIES).optional(),
  mapSync: z.boolean().optional(),
  daxctlConf: z
    .string()
    .superRefine((text, ctx) => {
      try {
        parseDaxctlConf(text)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
      }
    })
    .optional(),
})

export type MachineSpec = z.output<typeof machineSchema>

const descriptionSchema = z.strictObject({
  format: z.literal('nvdimm-platform'),
  version: z.literal(1),
  arch: z.enum(ARCH_NAMES),
  machine: machineSchema.optional(),
  providers: z.array(z.looseObject({ kind: z.string() })),
  runtime: runtimeSchema,
})

export interface ProviderEntry {
  kind: string
  entry: unknown
}

export interface PlatformSpec {
  arch: ArchName
  machine?: MachineSpec
  providers: readonly ProviderEntry[]
}

export interface PlatformOptions {
  fs?: FsOps
  /** How long to wait for another process's change to finish, in milliseconds. */
  lockTimeoutMs?: number
}

export interface StartOptions {
  /** Open media read-only: the session may look but not change the media. */
  readOnly?: boolean
  logger?: Logger
  /** How the media files meet durability points: strict (fdatasync, the default) or fast. */
  durability?: 'strict' | 'fast'
  /** Every region's stores go through the CPU cache model (see RegionPersistence). */
  cacheModel?: boolean
}

export interface PlatformSession {
  readonly nd: Nvdimm
  close(): Promise<void>
}

function kindOf(kinds: readonly PlatformProviderKind[], kind: string): PlatformProviderKind {
  const found = kinds.find((candidate) => candidate.kind === kind)
  if (!found) {
    throw new NvdimmError(
      'EINVAL',
      `unknown provider kind '${kind}' (this build knows ${kinds.map((k) => k.kind).join(', ') || 'none'})`,
    )
  }
  return found
}

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0]!
  return `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`
}

/** Check a spec and decode each provider entry with its kind's schema. */
function decodeSpec(spec: PlatformSpec, kinds: readonly PlatformProviderKind[]): ProviderEntry[] {
  if (!ARCH_NAMES.includes(spec.arch)) {
    throw new NvdimmError('EINVAL', `unknown arch '${spec.arch}': expected one of ${ARCH_NAMES.join(', ')}`)
  }
  if (spec.machine?.daxctlConf) parseDaxctlConf(spec.machine.daxctlConf)
  if (spec.machine?.memory !== undefined) bootMemmap(archProfile(spec.arch), spec.machine.memory)
  return spec.providers.map(({ kind, entry }, index) => {
    const result = kindOf(kinds, kind).schema.safeParse(entry)
    if (!result.success) {
      throw new NvdimmError('EINVAL', `provider ${index} (${kind}): ${zodMessage(result.error)}`)
    }
    return { kind, entry: result.data }
  })
}

function encodeRuntime(runtime: RuntimeState): Record<string, unknown> {
  return z.encode(runtimeSchema, runtime as z.infer<typeof runtimeSchema>) as Record<string, unknown>
}

function encodeDescription(
  arch: ArchName,
  machine: MachineSpec,
  entries: readonly ProviderEntry[],
  runtime: RuntimeState,
  kinds: readonly PlatformProviderKind[],
): string {
  const providers = entries.map(({ kind, entry }) => ({
    kind,
    ...(z.encode(kindOf(kinds, kind).schema as z.ZodType, entry) as object),
  }))
  const description = z.encode(descriptionSchema, {
    format: 'nvdimm-platform',
    version: 1,
    arch,
    ...(Object.keys(machine).length ? { machine: machine as z.infer<typeof machineSchema> } : {}),
    providers: providers as z.infer<typeof descriptionSchema>['providers'],
    runtime: runtime as z.infer<typeof runtimeSchema>,
  })
  return `${JSON.stringify(description, null, 2)}\n`
}

function mediaPathOf(dir: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(dir, file)
}

/** Remove what a crash left inside a platform directory: temporary files of dead processes. */
function sweep(dir: string, ops: FsOps): void {
  for (const name of fs.readdirSync(dir)) {
    const match = /\.(?:tmp|stale)-(\d+)-/.exec(name) ?? /\.stale-/.exec(name)
    if (!match) continue
    const pid = match[1] === undefined ? undefined : Number(match[1])
    if (pid !== undefined && pid !== process.pid && processAlive(pid)) continue
    ops.rmrf(path.join(dir, name))
  }
}

export class Platform {
  private constructor(
    readonly dir: string,
    readonly arch: ArchName,
    readonly machine: MachineSpec,
    readonly providers: readonly ProviderEntry[],
    readonly runtime: RuntimeState,
    private readonly kinds: readonly PlatformProviderKind[],
    private readonly options: PlatformOptions,
    /** platform.json as this object read it, to tell whether it has changed since. */
    private readonly source: string,
  ) {}

  /** Read and validate DIR/platform.json. */
  static open(dir: string, kinds: readonly PlatformProviderKind[], options: PlatformOptions = {}): Platform {
    recover(path.resolve(dir), options.fs ?? realFs)
    const file = path.join(dir, PLATFORM_FILE)
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NvdimmError('ENXIO', `no platform at ${dir}: create one with 'nvdimm platform init'`)
      }
      throw new NvdimmError('EIO', `cannot read ${file}: ${(error as Error).message}`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new NvdimmError('EINVAL', `${file} is not valid JSON: ${(error as Error).message}`)
    }
    const result = descriptionSchema.safeParse(json)
    if (!result.success) throw new NvdimmError('EINVAL', `${file}: ${zodMessage(result.error)}`)
    const { arch, machine, providers, runtime } = result.data
    const entries = decodeSpec({ arch, providers: providers.map(({ kind, ...entry }) => ({ kind, entry })) }, kinds)
    return new Platform(path.resolve(dir), arch, machine ?? {}, entries, runtime as RuntimeState, kinds, options, text)
  }

  /** The description as platform.json holds it. */
  toJSON(): unknown {
    return JSON.parse(encodeDescription(this.arch, this.machine, this.providers, this.runtime, this.kinds))
  }

  /**
   * Build and start the subsystem over this platform's media, in the state platform.json holds
   * now (another process, or update() on this object, may have changed it since it was opened).
   */
  async start(options: StartOptions = {}): Promise<PlatformSession> {
    // A power failure a crash interrupted is finished before anyone looks.
    if (fs.existsSync(path.join(this.dir, POWER_FAIL_JOURNAL))) {
      const ops = this.options.fs ?? realFs
      const lock = await acquireLock(path.join(this.dir, LOCK_FILE), lockOptions(ops, this.options))
      try {
        await this.finishPowerFail(ops)
      } finally {
        lock.release()
      }
    }
    // Decoding and checking a description is not free (an NFIT, a device tree): only when it changed.
    let current: string | undefined
    try {
      current = fs.readFileSync(path.join(this.dir, PLATFORM_FILE), 'utf8')
    } catch {
      current = undefined
    }
    const platform = current === this.source ? this : Platform.open(this.dir, this.kinds, this.options)
    return platform.startAsOpened(options)
  }

  private async startAsOpened(options: StartOptions, keepInFlight = false): Promise<PlatformSession> {
    const ops = this.options.fs ?? realFs
    // Stores a program left in flight stay in flight: a writing session carries them on.
    const inFlight = options.readOnly ? new Map() : loadInFlight(this.dir)
    const modelled = options.cacheModel ?? inFlight.size > 0
    const opened: Media[] = []
    const media: MediaOpener = {
      open: (file) => {
        const handle = new FileMedia(mediaPathOf(this.dir, file), {
          readOnly: options.readOnly ?? false,
          durability: options.durability ?? 'strict',
        })
        opened.push(handle)
        // A read-only session still probes as the kernel does (a BTT recovers its log and map
        // after a crash): such writes stay in memory and never reach the file.
        return options.readOnly ? new OverlayMedia(handle) : handle
      },
    }
    const closeMedia = () => {
      for (const handle of opened.splice(0)) handle.close()
    }
    let nd: Nvdimm
    try {
      const providers = this.providers.map(({ kind, entry }) => kindOf(this.kinds, kind).provider(entry, media))
      nd = createNvdimm({
        providers,
        arch: this.arch,
        state: this.runtime,
        keys: fileKeyStore(path.join(this.dir, KEYS_DIR), {
          fs: this.options.fs ?? realFs,
          readOnly: options.readOnly ?? false,
        }),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(modelled ? { cacheModel: true } : {}),
        memory: {
          ...(this.machine.memory !== undefined ? { size: this.machine.memory } : {}),
          ...(this.machine.hotplugMemory ? { hotplug: this.machine.hotplugMemory } : {}),
          ...(this.machine.memhpDefaultState ? { autoOnline: this.machine.memhpDefaultState } : {}),
        },
        ...(this.machine.mapSync !== undefined ? { mapSync: this.machine.mapSync } : {}),
        ...(this.machine.daxctlConf ? { daxctlConf: parseDaxctlConf(this.machine.daxctlConf) } : {}),
      })
      await nd.start()
      for (const region of nd.regions) {
        const stores = inFlight.get(region.name)
        if (stores && region.persistence.modelled) region.persistence.restoreInFlight(stores)
      }
    } catch (error) {
      closeMedia()
      throw error
    }
    return {
      nd,
      close: async () => {
        const pending = new Map(nd.regions.map((region) => [region.name, region.persistence.inFlight()]))
        try {
          await nd.stop()
        } finally {
          closeMedia()
        }
        if (modelled && !options.readOnly && !keepInFlight) saveInFlight(ops, this.dir, pending)
      },
    }
  }

  /**
   * Change the running platform: under the lock, reread the description, start, run
   * `change`, and save the runtime state it leaves, even when `change` fails part way
   * (what it did is done, as in the kernel).
   */
  async update<T>(change: (nd: Nvdimm) => Promise<T>, options: Omit<StartOptions, 'readOnly'> = {}): Promise<T> {
    const ops = this.options.fs ?? realFs
    const lock = await acquireLock(path.join(this.dir, LOCK_FILE), lockOptions(ops, this.options))
    try {
      sweep(this.dir, ops)
      await this.finishPowerFail(ops)
      const fresh = Platform.open(this.dir, this.kinds, this.options)
      const session = await fresh.startAsOpened(options)
      try {
        return await change(session.nd)
      } finally {
        const runtime = session.nd.runtimeState()
        await session.close()
        const next = encodeDescription(fresh.arch, fresh.machine, fresh.providers, runtime, this.kinds)
        const current = encodeDescription(fresh.arch, fresh.machine, fresh.providers, fresh.runtime, this.kinds)
        if (next !== current) writeFileAtomic(ops, path.join(this.dir, PLATFORM_FILE), next)
        // Keys the firmware no longer wants go only once its new state is saved.
        session.nd.keys.commit()
      }
    } finally {
      lock.release()
    }
  }

  /**
   * Change what a provider's firmware holds, as a test bench reaches into a platform's firmware
   * (a fault to inject, a binding to leave behind): `change` gets the provider's entry, its saved
   * firmware state and the boot and kernel counts, and returns the new state.
   */
  async updateFirmware(
    provider: number,
    change: (entry: unknown, state: unknown, counts: { boot: number; kernel: number }) => unknown,
  ): Promise<void> {
    await this.rewrite(async (fresh) => {
      const entry = fresh.providers[provider]
      if (!entry) throw new NvdimmError('ENXIO', `the platform has no provider ${provider}`)
      const runtime = fresh.runtime
      const state = change(entry.entry, runtime.firmware?.[provider], {
        boot: runtime.boot ?? 0,
        kernel: runtime.kernel ?? 0,
      })
      return { runtime: { ...runtime, firmware: { ...runtime.firmware, [provider]: state } }, result: undefined }
    })
  }

  /**
   * Replace the daxctl boot configuration (daxctl.conf.d), or remove it with undefined. Like the
   * file on a root filesystem it is read as devices appear at boot: the next kernel applies it.
   */
  async setDaxctlConf(text: string | undefined): Promise<void> {
    if (text !== undefined) parseDaxctlConf(text)
    await this.rewrite(async (fresh) => {
      const { daxctlConf: _, ...machine } = fresh.machine
      return {
        machine: text === undefined ? machine : { ...machine, daxctlConf: text },
        // This boot's devices appeared already: the new configuration waits for the next boot.
        runtime: { ...fresh.runtime, daxctlConfigApplied: true },
        result: undefined,
      }
    })
  }

  /**
   * Plug in a DIMM of `size` bytes of ordinary RAM (at `start`, or at the next free 1 GiB
   * boundary above everything else): memory hotplug adds it as "System RAM" and, unlike
   * driver-managed RAM, it enters the firmware map. It stays plugged across reboots.
   */
  async hotAddMemory(size: bigint, start?: bigint): Promise<{ start: bigint; size: bigint }> {
    return this.rewrite(async (fresh) => {
      const session = await fresh.startAsOpened({ readOnly: true }, true)
      let range: { start: bigint; size: bigint }
      try {
        range = placeHotAddedMemory(session.nd, size, start)
      } finally {
        await session.close()
      }
      return {
        machine: { ...fresh.machine, hotplugMemory: [...(fresh.machine.hotplugMemory ?? []), range] },
        result: range,
      }
    })
  }

  /** Turn the platform off and on again: a clean shutdown, then the next start is a new boot. */
  powerCycle(): Promise<void> {
    return this.reboot(afterPowerCycle, true)
  }

  /**
   * The power fails: every store a program left in flight keeps or loses each line by the seed
   * (within what the region's persistence domain guarantees), and the next boot is one whose
   * firmware saw no orderly shutdown (dirty shutdowns count). Carried out through a journal, so
   * a crash half way is finished on the next try.
   */
  async powerFail(options: { seed?: number } = {}): Promise<{ uncertainLines: number; linesLost: number }> {
    const ops = this.options.fs ?? realFs
    const lock = await acquireLock(path.join(this.dir, LOCK_FILE), lockOptions(ops, this.options))
    try {
      await this.finishPowerFail(ops)
      const fresh = Platform.open(this.dir, this.kinds, this.options)
      const journal: PowerFailJournal = { regions: {}, runtime: encodeRuntime(afterPowerFail(fresh.runtime)) }
      const report = { uncertainLines: 0, linesLost: 0 }
      if (loadInFlight(this.dir).size > 0) {
        const session = await fresh.startAsOpened({ cacheModel: true }, true)
        try {
          session.nd.regions
            .filter((region) => region.persistence.modelled)
            .forEach((region, index) => {
              const plan = region.persistence.powerFailPlan({ seed: (options.seed ?? 0) + index })
              if (plan.lines.length) journal.regions[region.name] = plan.lines
              report.uncertainLines += plan.report.uncertainLines
              report.linesLost += plan.report.linesLost
            })
        } finally {
          await session.close()
        }
      }
      saveJournal(ops, this.dir, journal)
      await this.finishPowerFail(ops)
      return report
    } finally {
      lock.release()
    }
  }

  /** Carry out a power-failure journal, if one is there: its lines, then the new runtime state. */
  private async finishPowerFail(ops: FsOps): Promise<void> {
    const journal = loadJournal(this.dir)
    if (!journal) return
    const fresh = Platform.open(this.dir, this.kinds, this.options)
    if (Object.keys(journal.regions).length > 0) {
      const session = await fresh.startAsOpened({ cacheModel: false }, true)
      try {
        for (const region of session.nd.regions) {
          const lines = journal.regions[region.name]
          if (!lines) continue
          for (const line of lines) region.persistence.writeDurable(line.offset, line.data)
          region.media.sync()
        }
      } finally {
        await session.close()
      }
    }
    if (fs.existsSync(path.join(this.dir, IN_FLIGHT_FILE))) ops.unlink(path.join(this.dir, IN_FLIGHT_FILE))
    const runtime = runtimeSchema.parse(journal.runtime) as RuntimeState
    writeFileAtomic(
      ops,
      path.join(this.dir, PLATFORM_FILE),
      encodeDescription(fresh.arch, fresh.machine, fresh.providers, runtime, this.kinds),
    )
    ops.unlink(path.join(this.dir, POWER_FAIL_JOURNAL))
  }

  /**
   * kexec into a new kernel: the firmware and hypervisor keep what they hold (a papr_scm
   * device's bindings), what the old kernel held in memory is gone.
   */
  kexec(): Promise<void> {
    return this.reboot(afterKexec, false)
  }

  private async reboot(next: (runtime: RuntimeState) => RuntimeState, orderly: boolean): Promise<void> {
    await this.rewrite(async (fresh, ops) => {
      // An orderly power-off writes the caches back: nothing is in flight after it.
      if (orderly && fs.existsSync(path.join(this.dir, IN_FLIGHT_FILE))) ops.unlink(path.join(this.dir, IN_FLIGHT_FILE))
      return { runtime: next(fresh.runtime), result: undefined }
    })
  }

  /**
   * Under the lock, once any interrupted power failure is finished: reread the description and
   * write back, in one atomic rename, the machine section and runtime state `change` makes of it.
   */
  private async rewrite<T>(
    change: (fresh: Platform, ops: FsOps) => Promise<{ machine?: MachineSpec; runtime?: RuntimeState; result: T }>,
  ): Promise<T> {
    const ops = this.options.fs ?? realFs
    const lock = await acquireLock(path.join(this.dir, LOCK_FILE), lockOptions(ops, this.options))
    try {
      await this.finishPowerFail(ops)
      const fresh = Platform.open(this.dir, this.kinds, this.options)
      const { machine, runtime, result } = await change(fresh, ops)
      writeFileAtomic(
        ops,
        path.join(this.dir, PLATFORM_FILE),
        encodeDescription(fresh.arch, machine ?? fresh.machine, fresh.providers, runtime ?? fresh.runtime, this.kinds),
      )
      return result
    } finally {
      lock.release()
    }
  }
}
/**
 * The runtime state a new kernel starts from: what sysfs held (enabled devices, region align)
 * is gone, what firmware and boot scripts keep stays, and the kernel count moves on.
 */
export function afterKexec(runtime: RuntimeState): RuntimeState {
  const namespaces = Object.fromEntries(
    Object.entries(runtime.namespaces ?? {}).flatMap(([name, state]) =>
      state.devdaxNone ? [[name, { devdaxNone: state.devdaxNone }]] : [],
    ),
  )
  return {
    ...(Object.keys(namespaces).length ? { namespaces } : {}),
    ...(runtime.boot ? { boot: runtime.boot } : {}),
    ...(runtime.powerLost ? { powerLost: true } : {}),
    kernel: (runtime.kernel ?? 0) + 1,
    ...(runtime.firmware ? { firmware: runtime.firmware } : {}),
  }
}

/** A power cycle: a new kernel, and a new boot that firmware (locks, freezes, bindings) sees. */
export function afterPowerCycle(runtime: RuntimeState): RuntimeState {
  const { powerLost: _, ...next } = afterKexec(runtime)
  return { ...next, boot: (runtime.boot ?? 0) + 1 }
}

/** A power failure: a power cycle without the orderly shutdown, which firmware notices. */
export function afterPowerFail(runtime: RuntimeState): RuntimeState {
  return { ...afterPowerCycle(runtime), powerLost: true }
}

export interface InitOptions extends PlatformOptions {
  /** Replace a platform already at `dir` (the old one stays until the new one is in place). */
  replace?: boolean
}

function stagingName(target: string, tag: 'tmp' | 'old'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${tag}-${process.pid}-${Date.now().toString(36)}`)
}

/**
 * Finish what a crash interrupted next to `target`: a replaced platform that was moved aside
 * but not yet succeeded comes back; staging and doomed directories of dead processes go.
 */
function recover(target: string, ops: FsOps): void {
  const parent = path.dirname(target)
  if (!fs.existsSync(parent)) return
  const base = `.${path.basename(target)}.`
  const hasPlatform = () => fs.existsSync(path.join(target, PLATFORM_FILE))
  for (const name of fs.readdirSync(parent)) {
    const match = name.startsWith(base) ? /\.(tmp|old)-(\d+)-[0-9a-z]+$/.exec(name) : null
    if (!match) continue
    const pid = Number(match[2])
    if (pid !== process.pid && processAlive(pid)) continue
    const aside = path.join(parent, name)
    try {
      if (match[1] === 'old' && !hasPlatform() && fs.existsSync(path.join(aside, PLATFORM_FILE))) {
        if (fs.existsSync(target)) ops.rmrf(target)
        ops.rename(aside, target)
        ops.fsyncDir(parent)
      } else {
        ops.rmrf(aside)
      }
    } catch (error) {
      // Another process recovering at the same moment got there first.
      if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
    }
  }
}

/**
 * Create a platform at `dir`: every input is checked before anything is written, the
 * platform is built in a sibling directory and renamed into place, so a failure or a crash
 * leaves no platform (or the one it was to replace), never half of one.
 */
export async function initPlatform(
  dir: string,
  spec: PlatformSpec,
  kinds: readonly PlatformProviderKind[],
  options: InitOptions = {},
): Promise<Platform> {
  const ops = options.fs ?? realFs
  const target = path.resolve(dir)
  const entries = decodeSpec(spec, kinds)
  const files = entries.flatMap(({ kind, entry }) => kindOf(kinds, kind).mediaFiles(entry))
  const seen = new Set<string>()
  for (const { file } of files) {
    if (seen.has(file)) throw new NvdimmError('EINVAL', `two devices share the media file ${file}`)
    seen.add(file)
  }
  recover(target, ops)
  const exists = fs.existsSync(path.join(target, PLATFORM_FILE))
  if (exists && !options.replace) {
    throw new NvdimmError(
      'EEXIST',
      `a platform already exists at ${target}: replace it with --force, or remove it with 'nvdimm platform destroy'`,
    )
  }
  if (!exists && fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new NvdimmError('EEXIST', `${target} exists and is not a platform; choose an empty or new directory`)
  }
  const parent = path.dirname(target)
  ops.mkdir(parent)
  const staging = stagingName(target, 'tmp')
  try {
    ops.mkdir(path.join(staging, MEDIA_DIR))
    for (const { file, size } of files) {
      if (!path.isAbsolute(file)) ops.createSparse(path.join(staging, file), size)
    }
    ops.writeDurable(
      path.join(staging, PLATFORM_FILE),
      encodeDescription(spec.arch, spec.machine ?? {}, entries, {}, kinds),
    )
    ops.fsyncDir(staging)
  } catch (error) {
    if (!isSimulatedCrash(error)) fs.rmSync(staging, { recursive: true, force: true })
    throw error
  }
  if (!exists) {
    try {
      ops.rename(staging, target)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
      fs.rmSync(staging, { recursive: true, force: true })
      throw new NvdimmError('EEXIST', `a platform appeared at ${target} while this one was being built`)
    }
    ops.fsyncDir(parent)
    return Platform.open(target, kinds, options)
  }
  const old = stagingName(target, 'old')
  await moveAside(target, old, ops, options)
  ops.rename(staging, target)
  ops.fsyncDir(parent)
  ops.rmrf(old)
  return Platform.open(target, kinds, options)
}

function lockOptions(ops: FsOps, options: PlatformOptions): { fs: FsOps; timeoutMs?: number } {
  return { fs: ops, ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}) }
}

/** Remove a platform: renamed away first (atomic: it is gone), then deleted. */
export async function destroyPlatform(dir: string, options: PlatformOptions = {}): Promise<void> {
  const ops = options.fs ?? realFs
  const target = path.resolve(dir)
  recover(target, ops)
  if (!fs.existsSync(path.join(target, PLATFORM_FILE))) {
    throw new NvdimmError('ENXIO', `no platform at ${target}`)
  }
  const doomed = stagingName(target, 'tmp')
  await moveAside(target, doomed, ops, options)
  ops.rmrf(doomed)
}

/**
 * Rename a platform out of the way once no one is changing it: its lock is taken and goes
 * with it (the lock file is inside), so later lockers find no platform rather than a stale one.
 */
async function moveAside(target: string, aside: string, ops: FsOps, options: PlatformOptions): Promise<void> {
  const lock = await acquireLock(path.join(target, LOCK_FILE), lockOptions(ops, options))
  try {
    ops.rename(target, aside)
  } finally {
    lock.release()
  }
  ops.fsyncDir(path.dirname(target))
}

/** Crash injection marks its errors so cleanup code can behave as a dead process would. */
export function isSimulatedCrash(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { simulatedCrash?: unknown }).simulatedCrash === true
}
