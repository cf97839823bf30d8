import { EventEmitter } from 'eventemitter3'
import { archProfile, type ArchName, type ArchProfile } from './arch.js'
import { addBadrange } from './badblocks/add-badrange.js'
import { Bus } from './bus/bus.js'
import type { SubsystemContext } from './context.js'
import { NdPfn } from './claim/nd-pfn.js'
import { Dimm } from './dimm/dimm.js'
import { NamespacePmem } from './namespace/namespace-pmem.js'
import { isNvdimmError, NvdimmError } from './errors.js'
import type { NvdimmEvents } from './events.js'
import type { Namespace } from './namespace/namespace.js'
import {
  busDescriptorSchema,
  dimmDescriptorSchema,
  regionDescriptorSchema,
  softReservedSchema,
  validateDescriptor,
} from './provider/schemas.js'
import { isProvider } from './provider/symbols.js'
import type {
  BusDescriptor,
  BusHandle,
  DimmDescriptor,
  Logger,
  Provider,
  ProviderInit,
  RegionDescriptor,
} from './provider/types.js'
import { probeDimm, removeDimm } from './dimm/dimm-driver.js'
import { initDimmSecurity } from './dimm/dimm-security.js'
import { type KeyStore, memoryKeyStore } from './dimm/key-store.js'
import { disableNamespace, enableNamespace } from './namespace/pmem-driver.js'
import { disableRegion, enableRegion, probeRegion } from './region/region-driver.js'
import { Region, type Mapping } from './region/region.js'
import type { RuntimeState } from './runtime-state.js'
import { Ida } from './util/ida.js'
import { DaxAttributes } from './dax/dax-attributes.js'
import { Kmem } from './dax/kmem.js'
import { HmemRegion, type SoftReservedDescriptor } from './dax/hmem.js'
import { restoreKmem } from './dax/kmem-restore.js'
import { applyDaxctlConf, type DaxctlConfEntry } from './daxctl/daxctl-conf.js'
import { bootMemmap, DEFAULT_RAM_SIZE, type FirmwareMemmapEntry, sortedMemmap } from './memory/firmware-memmap.js'
import { type AutoOnlinePolicy, MemoryHotplug } from './memory/memory-hotplug.js'

export interface CreateNvdimmOptions {
  /** Probed in order: the first provider's first bus is ndbus0. */
  providers: readonly ProviderInit[]
  arch?: ArchName | ArchProfile
  /** Receives everything the subsystem logs, besides the subsystem's own `dmesg`. */
  logger?: Logger
  /** Devices to leave disabled and settings to restore, from runtimeState() of an earlier run. */
  state?: RuntimeState
  /** The keyring locked dimms are unlocked from at probe, and ndctl's passphrase commands keep keys in; in memory by default. */
  keys?: KeyStore
  /** Every region's stores go through the CPU cache model from the start (see RegionPersistence). */
  cacheModel?: boolean
  /** The machine's boot memory and hotplug policy (memhp_default_state=). */
  memory?: { size?: bigint; autoOnline?: AutoOnlinePolicy; hotplug?: readonly { start: bigint; size: bigint }[] }
  /** The MAP_SYNC build default for devices whose region can support it (true unless configured off). */
  mapSync?: boolean
  /** daxctl's boot configuration, applied once per kernel as the udev rule would. */
  daxctlConf?: readonly DaxctlConfEntry[]
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
}

export interface ProviderProbeError {
  provider: string
  error: Error
}

interface ProviderSlot {
  provider: Provider
  buses: Bus[]
  hmem: HmemRegion[]
  probed: boolean
  pendingDimms: Dimm[]
  pendingRegions: Region[]
}

const DMESG_LIMIT = 10_000

/**
 * The libnvdimm subsystem: owns the providers, the devices they register and the events.
 * One provider may register several buses (papr_scm registers one per device).
 */
export class Nvdimm extends EventEmitter<NvdimmEvents> {
  readonly arch: ArchProfile
  /** The kernel log of this subsystem, oldest first. */
  readonly dmesg: LogEntry[] = []
  /** Providers whose probe failed; their buses were unregistered, the others kept going. */
  readonly probeErrors: ProviderProbeError[] = []
  /** Dimm passphrases: what the kernel's keyring and ndctl's key blobs hold. */
  readonly keys: KeyStore
  private readonly ctx: SubsystemContext
  private readonly inits: readonly ProviderInit[]
  private slots: ProviderSlot[] = []
  private state: 'stopped' | 'starting' | 'started' = 'stopped'
  private readonly firmware: Record<string, unknown>
  private readonly boot: number
  private readonly kernel: number
  private readonly powerLost: boolean
  private readonly cacheModel: boolean
  /** Boot memory (the firmware's map, before anything is hot-added). */
  readonly ramSize: bigint
  readonly memory: MemoryHotplug
  readonly kmem: Kmem
  private readonly daxctlConf: readonly DaxctlConfEntry[]
  private daxctlConfigApplied: boolean
  private readonly hotplugMemory: readonly { start: bigint; size: bigint }[]

  constructor(options: CreateNvdimmOptions) {
    super()
    this.arch = typeof options.arch === 'object' ? options.arch : archProfile(options.arch ?? 'x86_64')
    this.inits = [...options.providers]
    this.firmware = { ...options.state?.firmware }
    this.keys = options.keys ?? memoryKeyStore()
    this.boot = options.state?.boot ?? 0
    this.kernel = options.state?.kernel ?? 0
    this.powerLost = options.state?.powerLost ?? false
    this.cacheModel = options.cacheModel ?? false
    this.ramSize = options.memory?.size ?? DEFAULT_RAM_SIZE
    this.memory = new MemoryHotplug(this.arch.memoryBlockSize, options.memory?.autoOnline)
    this.daxctlConf = options.daxctlConf ?? []
    this.hotplugMemory = options.memory?.hotplug ?? []
    this.daxctlConfigApplied = options.state?.daxctlConfigApplied ?? false
    const userLogger = options.logger
    const record = (level: LogEntry['level']) => (message: string) => {
      if (this.dmesg.length >= DMESG_LIMIT) this.dmesg.shift()
      this.dmesg.push({ level, message })
      userLogger?.[level](message)
    }
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
    this.kmem = new Kmem(this.memory, logger)
    this.ctx = {
      arch: this.arch,
      logger,
      events: this,
      restore: options.state ?? {},
      memory: this.memory,
      kmem: this.kmem,
      daxAttributes: new DaxAttributes(options.mapSync ?? true, options.state?.namespaces),
      busIda: new Ida(),
      dimmIda: new Ida(),
      regionIda: new Ida(),
      drivers: {
        enableDimm: (dimm) => probeDimm(dimm, this.keys),
        disableDimm: removeDimm,
        enableRegion,
        disableRegion,
        enableNamespace,
        disableNamespace,
      },
    }
  }

  /** write_cache and MAP_SYNC of each dax-capable namespace. */
  get daxAttributes(): DaxAttributes {
    return this.ctx.daxAttributes
  }

  get buses(): readonly Bus[] {
    return this.slots.flatMap((slot) => slot.buses)
  }

  get dimms(): readonly Dimm[] {
    return this.buses.flatMap((bus) => bus.dimms)
  }

  get regions(): readonly Region[] {
    return this.buses.flatMap((bus) => bus.regions)
  }

  /** Soft Reserved ranges and their dax_hmem devices. */
  get hmem(): readonly HmemRegion[] {
    return this.slots.flatMap((slot) => slot.hmem)
  }

  get namespaces(): readonly Namespace[] {
    return this.regions.flatMap((region) => region.namespaces)
  }

  bus(name: string): Bus {
    return lookup(this.buses, name, 'bus')
  }

  dimm(name: string): Dimm {
    return lookup(this.dimms, name, 'dimm')
  }

  region(name: string): Region {
    return lookup(this.regions, name, 'region')
  }

  namespace(name: string): Namespace {
    return lookup(this.namespaces, name, 'namespace')
  }

  /** Probe every provider in order, then bind the regions each registered. */
  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new NvdimmError('EBUSY', 'the nvdimm subsystem is already started')
    this.state = 'starting'
    for (const [index, init] of this.inits.entries()) {
      const slot: ProviderSlot = {
        provider: undefined as unknown as Provider,
        buses: [],
        hmem: [],
        probed: false,
        pendingDimms: [],
        pendingRegions: [],
      }
      const provider = init({
        registerBus: (descriptor) => this.registerBus(slot, descriptor),
        registerSoftReserved: (descriptor) => this.registerSoftReserved(slot, descriptor),
        arch: this.arch,
        logger: this.ctx.logger,
        events: this,
        boot: this.boot,
        kernel: this.kernel,
        powerLost: this.powerLost,
        firmware: {
          // Copies both ways: a provider that edits what it loaded must not edit the saved state.
          load: () => structuredClone(this.firmware[index]),
          save: (value) => {
            this.firmware[index] = structuredClone(value)
          },
        },
      })
      if (!isProvider(provider)) {
        await this.stop()
        throw new NvdimmError('EINVAL', 'a provider factory returned something that is not a provider')
      }
      slot.provider = provider
      this.slots.push(slot)
      try {
        await provider.probe()
        slot.probed = true
        // The nvdimm driver binds every dimm before the regions that map them probe.
        for (const dimm of slot.pendingDimms.splice(0)) await this.probeNewDimm(dimm)
        for (const region of slot.pendingRegions.splice(0)) await this.probeNewRegion(region)
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error))
        this.ctx.logger.error(`${provider.name}: probe failed: ${failure.message}`)
        this.probeErrors.push({ provider: provider.name, error: failure })
        for (const bus of [...slot.buses].reverse()) await this.unregisterBus(slot, bus)
        this.unregisterHmem(slot)
        await provider.remove().catch(() => undefined)
        this.slots.splice(this.slots.indexOf(slot), 1)
      }
    }
    // The ACPI memory devices of DIMMs plugged in after boot add their RAM again at every boot.
    for (const dimm of this.hotplugMemory) {
      try {
        this.memory.addMemory(dimm.start, dimm.size, 0)
      } catch (error) {
        if (!isNvdimmError(error)) throw error
        this.ctx.logger.warn(`acpi_memhotplug: ${error.message}`)
      }
    }
    restoreKmem(this, this.ctx.restore.kmem)
    if (this.daxctlConf.length && !this.daxctlConfigApplied) {
      applyDaxctlConf(this, this.daxctlConf)
      this.daxctlConfigApplied = true
    }
    this.state = 'started'
  }

  /**
   * The raw firmware memory map (/sys/firmware/memmap): boot memory, the persistent-memory
   * ranges the firmware's own map lists, and real hot-added memory, never driver-managed RAM.
   */
  firmwareMemmap(): FirmwareMemmapEntry[] {
    const regions = this.regions
      .filter((region) => region.descriptor.firmwareMemmap && region.descriptor.firmwareResource)
      .map((region) => ({
        start: region.resource.start,
        end: region.resource.start + region.resource.size - 1n,
        type: region.descriptor.firmwareResource!,
      }))
    const softReserved = this.hmem
      .filter((region) => region.descriptor.firmwareMemmap)
      .map(({ descriptor }) => ({
        start: descriptor.start,
        end: descriptor.start + descriptor.size - 1n,
        type: 'Soft Reserved',
      }))
    // firmware_map_add_hotplug() appends: hot-added entries number after the boot ones.
    return [
      ...sortedMemmap([...bootMemmap(this.arch, this.ramSize), ...regions, ...softReserved]),
      ...this.memory.firmwareEntries,
    ]
  }

  /** Tear down in reverse: namespaces, regions, dimms, buses, then each provider's remove(). */
  /**
   * The power fails now: every region under the cache model keeps what its persistence domain
   * guarantees and, for the rest, what the seed draws (the seed moves on by region). Stop the
   * subsystem after, and start the next one from afterPowerFail(runtimeState()).
   */
  powerFail(options: { seed?: number } = {}): { region: string; uncertainLines: number; linesLost: number }[] {
    return this.regions
      .filter((region) => region.persistence.modelled)
      .map((region, index) => ({
        region: region.name,
        ...region.persistence.powerFail({ seed: (options.seed ?? 0) + index }),
      }))
  }

  async stop(): Promise<void> {
    // The end of a session, not an unbind: kmem's memory stays as the runtime state recorded it.
    this.kmem.bindings.clear()
    this.memory.resources.length = 0
    this.memory.firmwareEntries.length = 0
    for (const slot of [...this.slots].reverse()) {
      for (const bus of [...slot.buses].reverse()) await this.unregisterBus(slot, bus)
      this.unregisterHmem(slot)
      await slot.provider.remove()
    }
    this.slots = []
    this.state = 'stopped'
  }

  /** What to hand to the next start() so the system comes back as an administrator left it. */
  runtimeState(): RuntimeState {
    const state: RuntimeState & Required<Pick<RuntimeState, 'dimms' | 'regions' | 'namespaces'>> = {
      dimms: {},
      regions: {},
      namespaces: {},
    }
    if (this.boot) state.boot = this.boot
    if (this.kernel) state.kernel = this.kernel
    if (this.powerLost) state.powerLost = true
    if (Object.keys(this.firmware).length) state.firmware = structuredClone(this.firmware)
    for (const [device, { uuid, memory }] of this.kmem.bindings) {
      const online = Object.fromEntries(
        memory.blocks.filter((block) => block.zone).map((block) => [block.name, block.zone!]),
      )
      state.kmem = { ...state.kmem, [device]: { ...(uuid ? { uuid } : {}), online } }
    }
    if (this.daxctlConfigApplied) state.daxctlConfigApplied = true
    for (const dimm of this.dimms) {
      if (!dimm.enabled && !dimm.probeError) state.dimms[dimm.name] = { enabled: false }
    }
    for (const region of this.regions) {
      const entry: { enabled?: boolean; align?: bigint } = {}
      // A probe failure (a locked dimm) is not a choice to keep either.
      if (!region.enabled && !region.probeError) entry.enabled = false
      if (region.align !== region.defaultAlign) entry.align = region.align
      if (Object.keys(entry).length) state.regions[region.name] = entry
      for (const namespace of region.namespaces) {
        // A probe failure is not a choice to keep: the next start probes again.
        if (!namespace.active && !namespace.probeError) state.namespaces[namespace.name] = { enabled: false }
        const overrides = this.ctx.daxAttributes.overrides.get(namespace.name)
        if (overrides) state.namespaces[namespace.name] = { ...state.namespaces[namespace.name], ...overrides }
        const claim = namespace.claim
        if (claim instanceof NdPfn && claim.kind === 'dax' && claim.mode === 'none' && claim.enabled && claim.uuid) {
          const namespaceUuid = namespace instanceof NamespacePmem ? namespace.uuid : undefined
          state.namespaces[namespace.name] = {
            ...state.namespaces[namespace.name],
            devdaxNone: { uuid: claim.uuid, align: claim.align, ...(namespaceUuid ? { namespaceUuid } : {}) },
          }
        }
      }
    }
    return state
  }

  private registerSoftReserved(slot: ProviderSlot, input: SoftReservedDescriptor): void {
    const descriptor = validateDescriptor(
      softReservedSchema,
      input,
      `Soft Reserved range of ${slot.provider?.name ?? 'provider'}`,
    ) as SoftReservedDescriptor
    // memregion_alloc(): the same id space as nd regions.
    slot.hmem.push(new HmemRegion(this.ctx.regionIda.get(), descriptor, this.ctx))
  }

  private unregisterHmem(slot: ProviderSlot): void {
    for (const region of slot.hmem.splice(0)) this.ctx.regionIda.put(region.id)
  }

  private registerBus(slot: ProviderSlot, input: BusDescriptor): BusHandle {
    const descriptor = validateDescriptor(
      busDescriptorSchema,
      input,
      `bus descriptor of ${slot.provider?.name ?? 'provider'}`,
    ) as BusDescriptor
    const bus = new Bus(this.ctx, this.ctx.busIda.get(), slot.provider, descriptor)
    slot.buses.push(bus)
    this.emit('bus:add', bus)
    return {
      name: bus.name,
      createDimm: (dimm) => this.createDimm(slot, bus, dimm),
      createRegion: (region) => this.createRegion(slot, bus, region),
      addBadrange: (spa, length) => addBadrange(bus, spa, length),
      notifyHealth: (ref, condition) => {
        const dimm = bus.dimms.find((candidate) => candidate.name === ref.name)
        if (dimm) this.emit('dimm:health-event', dimm, condition)
      },
      unregister: () => this.unregisterBus(slot, bus),
    }
  }

  private createDimm(slot: ProviderSlot, bus: Bus, input: DimmDescriptor): Dimm {
    this.checkRegistered(bus)
    const descriptor = validateDescriptor(
      dimmDescriptorSchema,
      input,
      `dimm descriptor on ${bus.name}`,
    ) as DimmDescriptor
    const dimm = new Dimm(bus, this.ctx.dimmIda.get(), descriptor)
    bus.dimms.push(dimm)
    this.emit('dimm:add', dimm)
    if (slot.probed) void this.probeNewDimm(dimm)
    else slot.pendingDimms.push(dimm)
    return dimm
  }

  private async probeNewDimm(dimm: Dimm): Promise<void> {
    await initDimmSecurity(dimm)
    if (this.ctx.restore.dimms?.[dimm.name]?.enabled === false) return
    await dimm.enable()
  }

  private createRegion(slot: ProviderSlot, bus: Bus, input: RegionDescriptor): Region {
    this.checkRegistered(bus)
    const descriptor = validateDescriptor(
      regionDescriptorSchema,
      input,
      `region descriptor on ${bus.name}`,
    ) as RegionDescriptor
    const mappings: Mapping[] = descriptor.mappings.map((mapping, index) => {
      const dimm = mapping.dimm
      if (!(dimm instanceof Dimm) || dimm.bus !== bus || !bus.dimms.includes(dimm)) {
        throw new NvdimmError(
          'EINVAL',
          `invalid region descriptor on ${bus.name}: mappings.${index}: the dimm is not on this bus`,
        )
      }
      return { dimm, start: mapping.start, size: mapping.size, position: mapping.position }
    })
    const region = new Region(bus, this.ctx.regionIda.get(), descriptor, mappings)
    if (this.cacheModel) region.persistence.enableModel()
    const align = this.ctx.restore.regions?.[region.name]?.align
    if (align !== undefined) region.align = align
    bus.regions.push(region)
    this.emit('region:add', region)
    if (slot.probed) void this.probeNewRegion(region)
    else slot.pendingRegions.push(region)
    return region
  }

  private async probeNewRegion(region: Region): Promise<void> {
    if (this.ctx.restore.regions?.[region.name]?.enabled === false) return
    try {
      await probeRegion(region, this.ctx.restore)
    } catch (error) {
      // A region that fails to probe stays registered and disabled, as in the kernel.
      if (!isNvdimmError(error)) throw error
      region.probeError = error
    }
  }

  private async unregisterBus(slot: ProviderSlot, bus: Bus): Promise<void> {
    const index = slot.buses.indexOf(bus)
    if (index < 0) return
    for (const region of [...bus.regions].reverse()) {
      await region.disable()
      this.ctx.regionIda.put(region.id)
      this.emit('region:remove', region)
    }
    bus.regions.length = 0
    for (const dimm of [...bus.dimms].reverse()) {
      dimm.enabled = false
      dimm.drvdata = undefined
      this.ctx.dimmIda.put(dimm.id)
      this.emit('dimm:remove', dimm)
    }
    bus.dimms.length = 0
    slot.buses.splice(index, 1)
    this.ctx.busIda.put(bus.id)
    this.emit('bus:remove', bus)
  }

  private checkRegistered(bus: Bus): void {
    if (!this.buses.includes(bus)) throw new NvdimmError('ENXIO', `${bus.name} is no longer registered`)
  }
}

function lookup<T extends { readonly name: string }>(devices: readonly T[], name: string, kind: string): T {
  const device = devices.find((candidate) => candidate.name === name)
  if (!device) {
    const known = devices.map((candidate) => candidate.name).join(', ') || 'none'
    throw new NvdimmError('ENXIO', `no ${kind} named '${name}' (present: ${known})`)
  }
  return device
}

/** Compose the subsystem from provider factories: `createNvdimm({ providers: [e820({ … })] })`. */
export function createNvdimm(options: CreateNvdimmOptions): Nvdimm {
  return new Nvdimm(options)
}
