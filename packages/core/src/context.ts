import type { EventEmitter } from 'eventemitter3'
import type { ArchProfile } from './arch.js'
import type { DaxAttributes } from './dax/dax-attributes.js'
import type { Kmem } from './dax/kmem.js'
import type { Dimm } from './dimm/dimm.js'
import type { MemoryHotplug } from './memory/memory-hotplug.js'
import type { Namespace } from './namespace/namespace.js'
import type { Region } from './region/region.js'
import type { NvdimmEvents } from './events.js'
import type { Logger } from './provider/types.js'
import type { RuntimeState } from './runtime-state.js'
import { Ida } from './util/ida.js'

/**
 * The drivers that bind to each kind of device. Device objects reach them through here, so the
 * object files never import the driver files (the kernel's split of dimm_devs.c and dimm.c).
 */
export interface Drivers {
  enableDimm(dimm: Dimm): Promise<void>
  disableDimm(dimm: Dimm): Promise<void>
  enableRegion(region: Region): Promise<void>
  disableRegion(region: Region): Promise<void>
  enableNamespace(namespace: Namespace): Promise<void>
  disableNamespace(namespace: Namespace): Promise<void>
}

/** What every device of one subsystem shares: the arch, the log, the event bus and the id allocators. */
export interface SubsystemContext {
  readonly arch: ArchProfile
  readonly logger: Logger
  readonly events: EventEmitter<NvdimmEvents>
  /** The state to restore on probe: which devices were disabled, region align overrides. */
  readonly restore: RuntimeState
  readonly busIda: Ida
  readonly dimmIda: Ida
  readonly regionIda: Ida
  readonly drivers: Drivers
  /** Memory added after boot, and the dax devices kmem turned into it. */
  readonly memory: MemoryHotplug
  readonly kmem: Kmem
  readonly daxAttributes: DaxAttributes
}
