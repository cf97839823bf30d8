import type { Bus } from '../bus/bus.js'
import type { NvdimmError } from '../errors.js'
import type { Health } from '../health/health.js'
import { indexVersionOf } from '../namespace/label/label-store.js'
import { HEALTH_UNSUPPORTED } from '../health/health.js'
import type { DimmDescriptor, DimmFlag, DimmRef } from '../provider/types.js'
import type { DimmDrvdata } from './dimm-drvdata.js'
import { DimmSecurity } from './dimm-security.js'

/** An nvdimm (nmemN), as __nvdimm_create() makes it. */
export class Dimm implements DimmRef {
  readonly name: string
  /** NDD_* flags: the provider's, plus what the driver learns ('labeling' once a valid index is found). */
  readonly flags: Set<DimmFlag>
  readonly cmdMask: ReadonlySet<number>
  /** The nvdimm driver is bound. */
  enabled = false
  /** The driver's data: the label area and DPA; undefined for a dimm without a label area. */
  drvdata: DimmDrvdata | undefined
  /** Why the last probe failed. */
  probeError: NvdimmError | undefined
  /** Enabled regions using the dimm (nvdimm->busy): label writes from user space are refused while > 0. */
  busy = 0
  /** What the kernel caches of the dimm's security (sysfs security, frozen), from the provider's security ops. */
  readonly security: DimmSecurity
  /** Writes to this dimm's flush-hint addresses so far (generic_nvdimm_flush()), and the last one. */
  flushHintWrites = 0
  lastFlushHint: bigint | undefined

  constructor(
    readonly bus: Bus,
    readonly id: number,
    readonly descriptor: DimmDescriptor,
  ) {
    this.name = `nmem${id}`
    this.flags = new Set(descriptor.flags)
    this.cmdMask = new Set(descriptor.cmdMask)
    this.security = new DimmSecurity(descriptor.ops?.security)
  }

  get providerData(): unknown {
    return this.descriptor.providerData
  }

  /** The unique id ndctl prints as "id", when the provider has one. */
  get uniqueId(): string | undefined {
    return this.descriptor.id
  }

  /** The flush-hint (WPQ flush) addresses the platform gave, none for most providers. */
  get flushHints(): readonly bigint[] {
    return this.descriptor.flushHints ?? []
  }

  get handle(): number | undefined {
    return this.descriptor.handle
  }

  get physId(): number | undefined {
    return this.descriptor.physId
  }

  /** Version of the current label index, when the dimm has one. */
  get labelIndexVersion(): { major: number; minor: number } | undefined {
    const ndd = this.drvdata
    return ndd && ndd.nsCurrent >= 0 ? indexVersionOf(ndd, ndd.nsCurrent) : undefined
  }

  /** sysfs nmemN/flags: "label " when the dimm holds labels, then "lock " when it is locked. */
  get flagsString(): string {
    return `${this.flags.has('labeling') ? 'label ' : ''}${this.flags.has('locked') ? 'lock ' : ''}`
  }

  /** Bind the nvdimm driver: read the label area. */
  enable(): Promise<void> {
    return this.bus.ctx.drivers.enableDimm(this)
  }

  /** Unbind the nvdimm driver; EBUSY while an enabled region uses the dimm. */
  disable(): Promise<void> {
    return this.bus.ctx.drivers.disableDimm(this)
  }

  /** The common health model; every field absent when the provider reports none. */
  async health(): Promise<Health> {
    return this.descriptor.health ? this.descriptor.health() : { ...HEALTH_UNSUPPORTED }
  }

  toString(): string {
    return this.name
  }
}
