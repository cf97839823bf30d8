import { Badrange } from '../badblocks/badrange.js'
import type { SubsystemContext } from '../context.js'
import type { Dimm } from '../dimm/dimm.js'
import type { BusOps } from '../provider/bus-ops.js'
import type { BusDescriptor, Provider } from '../provider/types.js'
import type { Region } from '../region/region.js'

/** An nvdimm bus (ndbusN): one per registration by a provider. */
export class Bus {
  readonly name: string
  readonly providerName: string
  readonly cmdMask: ReadonlySet<number>
  readonly dimmFamilyMask: ReadonlySet<number>
  readonly dimms: Dimm[] = []
  readonly regions: Region[] = []
  /** nvdimm_bus->badrange: the poison the platform reported, in system-physical addresses. */
  readonly badrange = new Badrange()

  constructor(
    readonly ctx: SubsystemContext,
    readonly id: number,
    readonly provider: Provider,
    readonly descriptor: BusDescriptor,
  ) {
    this.name = `ndbus${id}`
    this.providerName = descriptor.providerName
    this.cmdMask = new Set(descriptor.cmdMask ?? [])
    this.dimmFamilyMask = new Set(descriptor.dimmFamilyMask ?? [])
  }

  /** What the bus can do about media errors (scrub, clear, inject, translate). */
  get ops(): BusOps {
    return this.descriptor.ops ?? {}
  }

  toString(): string {
    return this.name
  }
}
