import type { EventEmitter } from 'eventemitter3'
import type { ArchProfile } from './arch.js'
import type { NvdimmEvents } from './events.js'
import type { Logger } from './provider/types.js'
import type { RuntimeState } from './runtime-state.js'
import { Ida } from './util/ida.js'

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
}
