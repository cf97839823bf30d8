import type { Bus } from '../bus/bus.js'
import type { Health } from '../health/health.js'
import { HEALTH_UNSUPPORTED } from '../health/health.js'
import type { DimmDescriptor, DimmFlag, DimmRef } from '../provider/types.js'

/** An nvdimm (nmemN), as __nvdimm_create() makes it. */
export class Dimm implements DimmRef {
  readonly name: string
  readonly flags: ReadonlySet<DimmFlag>
  readonly cmdMask: ReadonlySet<number>
  /** The nvdimm driver is bound. */
  enabled = true
  /** Version of the current label index, once the label area has been read and found valid. */
  labelIndexVersion: { major: number; minor: number } | undefined

  constructor(
    readonly bus: Bus,
    readonly id: number,
    readonly descriptor: DimmDescriptor,
  ) {
    this.name = `nmem${id}`
    this.flags = new Set(descriptor.flags)
    this.cmdMask = new Set(descriptor.cmdMask)
  }

  get providerData(): unknown {
    return this.descriptor.providerData
  }

  /** The unique id ndctl prints as "id", when the provider has one. */
  get uniqueId(): string | undefined {
    return this.descriptor.id
  }

  get handle(): number | undefined {
    return this.descriptor.handle
  }

  get physId(): number | undefined {
    return this.descriptor.physId
  }

  /** The common health model; every field absent when the provider reports none. */
  async health(): Promise<Health> {
    return this.descriptor.health ? this.descriptor.health() : { ...HEALTH_UNSUPPORTED }
  }

  toString(): string {
    return this.name
  }
}
