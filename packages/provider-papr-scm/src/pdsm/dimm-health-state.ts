import { NvdimmError } from '@nvdimm/core'
import { PaprPmemHealth } from './health-bitmap.js'
import { HealthMutex } from './health-mutex.js'
import { type HealthClock, MEM_LIFE_STAT_ID, type PaprHealthSource } from './health-source.js'
import type { NdPaprPdsmHealth } from './pdsm-health-payload.js'
import { pdsmHealthOf } from './pdsm-health-translate.js'
import { type NdPaprPdsmSmartInject, PdsmSmartInjectFlag } from './pdsm-smart-inject-payload.js'

/** MIN_HEALTH_QUERY_INTERVAL (60 s): how long the sysfs view trusts the last H_SCM_HEALTH. */
export const MIN_HEALTH_QUERY_INTERVAL_MS = 60_000

const U64 = (1n << 64n) - 1n

export interface PaprScmDimmHealthOptions {
  source: PaprHealthSource
  /** ibm,persistence-failed-count from the device tree; the driver uses 0 when it is absent. */
  dirtyShutdownCounter?: bigint
  /**
   * health_bitmap_inject_mask to start from. The kernel starts at 0 each boot; a platform that
   * restores a running boot passes what it saved.
   */
  injectMask?: bigint
  clock?: HealthClock
  /** Runs after an injection changed the mask, so the platform can save it. */
  changed?: () => void
}

function u64(value: bigint, what: string): bigint {
  if (value < 0n || value > U64) throw new NvdimmError('EINVAL', `${what} ${value} is not a u64`)
  return value
}

/**
 * One dimm's health as the papr_scm driver keeps it (struct papr_scm_priv): the last bitmap
 * and when it was read, the injection mask laid over every hypervisor answer, and the dirty
 * shutdown counter read once at probe.
 */
export class PaprScmDimmHealth {
  readonly dirtyShutdownCounter: bigint
  private readonly source: PaprHealthSource
  private readonly clock: HealthClock
  private readonly changed: (() => void) | undefined
  private readonly mutex = new HealthMutex()
  private bitmap = 0n
  private mask: bigint
  /** lasthealth_jiffies; undefined until the first query and after an injection. */
  private lastQuery: number | undefined

  constructor(options: PaprScmDimmHealthOptions) {
    this.source = options.source
    this.clock = options.clock ?? (() => performance.now())
    this.changed = options.changed
    this.dirtyShutdownCounter = u64(options.dirtyShutdownCounter ?? 0n, 'dirty shutdown counter')
    this.mask = u64(options.injectMask ?? 0n, 'health bitmap inject mask')
  }

  /** health_bitmap: the last bitmap read (valid bits, injections applied); 0 before any query. */
  get healthBitmap(): bigint {
    return this.bitmap
  }

  /** health_bitmap_inject_mask: bits forced on over the hypervisor's answer. */
  get injectMask(): bigint {
    return this.mask
  }

  /** __drc_pmem_query_health() under the lock: always asks the hypervisor. */
  queryBitmap(): Promise<bigint> {
    return this.mutex.run(() => this.query())
  }

  /** drc_pmem_query_health(): the last bitmap while it is under 60 s old, else a fresh one (papr/flags). */
  cachedBitmap(): Promise<bigint> {
    return this.mutex.run(async () => {
      const last = this.lastQuery
      if (last === undefined || this.clock() > last + MIN_HEALTH_QUERY_INTERVAL_MS) return this.query()
      return this.bitmap
    })
  }

  /**
   * papr_pdsm_health(): a fresh bitmap (never the cache) turned into the PDSM payload, with
   * the fuel gauge when the hypervisor reports it and the dirty shutdown counter always.
   * Rejects ENXIO when H_SCM_HEALTH fails.
   */
  async pdsmHealth(): Promise<NdPaprPdsmHealth> {
    const bitmap = await this.queryBitmap()
    const fuelGauge = await this.fuelGauge()
    return pdsmHealthOf(bitmap, {
      ...(fuelGauge === undefined ? {} : { fuelGauge }),
      dirtyShutdownCounter: this.dirtyShutdownCounter,
    })
  }

  /**
   * papr_pdsm_smart_inject(): for each flag in the request, set (enable non-zero) or clear
   * its bit in the inject mask; the cache is dropped so the next read shows it. Returns the
   * flags acted on (unknown flags are dropped), as the kernel writes them back.
   */
  inject(request: NdPaprPdsmSmartInject): Promise<number> {
    let supported = 0
    let set = 0n
    let clear = 0n
    if (request.flags & PdsmSmartInjectFlag.HEALTH_FATAL) {
      supported |= PdsmSmartInjectFlag.HEALTH_FATAL
      if (request.fatalEnable) set |= PaprPmemHealth.HEALTH_FATAL
      else clear |= PaprPmemHealth.HEALTH_FATAL
    }
    if (request.flags & PdsmSmartInjectFlag.BAD_SHUTDOWN) {
      supported |= PdsmSmartInjectFlag.BAD_SHUTDOWN
      if (request.unsafeShutdownEnable) set |= PaprPmemHealth.SHUTDOWN_DIRTY
      else clear |= PaprPmemHealth.SHUTDOWN_DIRTY
    }
    return this.mutex.run(async () => {
      const next = (this.mask & ~clear) | set
      this.lastQuery = undefined
      if (next !== this.mask) {
        this.mask = next
        this.changed?.()
      }
      return supported
    })
  }

  private async query(): Promise<bigint> {
    let reply
    try {
      reply = await this.source.health()
    } catch (cause) {
      // The cached bitmap and its age stay as they were.
      throw new NvdimmError('ENXIO', 'papr_scm: failed to query health information (H_SCM_HEALTH)', { cause })
    }
    // H_FUNCTION: a hypervisor without the hcall is taken to report nothing wrong.
    let bitmap = reply ? reply.bitmap & reply.valid & U64 : 0n
    this.lastQuery = this.clock()
    if (this.mask) bitmap = (bitmap & ~this.mask) | this.mask
    this.bitmap = bitmap
    return bitmap
  }

  /** papr_pdsm_fuel_gauge(): the "MemLife " stat; any failure just leaves the gauge out. */
  private async fuelGauge(): Promise<bigint | undefined> {
    if (!this.source.performanceStats) return undefined
    try {
      const stats = await this.source.performanceStats()
      return stats.get(MEM_LIFE_STAT_ID)
    } catch {
      return undefined
    }
  }
}
