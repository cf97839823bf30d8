import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { PersistenceDomain } from '../region/region.js'
import { OverlayMedia } from '../media/overlay-media.js'
import {
  CpuCacheModel,
  type InFlightStore,
  type PersistenceOp,
  type PowerFailOptions,
  type PowerFailReport,
} from './cache-model.js'
import { type ConsistencyCheck, explorePowerFailures } from './explore.js'

/**
 * A region's media as the CPU reaches it. Without the cache model (the default) every write is
 * on the media at once. With it, the kernel's own writes (the pmem driver's and nsio's
 * memcpy_flushcache) are non-temporal stores, sync() is pmem_wmb(), nvdimm_flush() adds the deep
 * flush, and a program's cached stores, write-backs and fences go through store() and friends;
 * powerFail() then decides, by the region's persistence domain, what the media keeps.
 */
export class RegionPersistence implements Media {
  private model: CpuCacheModel | undefined

  constructor(
    private readonly inner: Media,
    readonly lineSize: number,
    readonly domain: PersistenceDomain,
  ) {}

  get size(): bigint {
    return this.inner.size
  }

  /** Whether stores go through the cache model. */
  get modelled(): boolean {
    return this.model !== undefined
  }

  /** Route every store through the cache model from now on. */
  enableModel(): void {
    this.model ??= new CpuCacheModel(this.inner, this.lineSize, this.domain)
  }

  /** Stop modelling; what is pending is taken as written (a clean shutdown flushes the caches). */
  disableModel(): void {
    this.model?.drain()
    this.model = undefined
  }

  read(offset: bigint, target: Uint8Array): void {
    this.inner.read(offset, target)
  }

  /** A kernel write: memcpy_flushcache(). */
  write(offset: bigint, source: Uint8Array): void {
    if (this.model) this.model.storeNonTemporal(offset, source)
    else this.inner.write(offset, source)
  }

  /** pmem_wmb(), and the host's durability point. */
  sync(): void {
    this.model?.barrier()
    this.inner.sync()
  }

  close(): void {
    this.inner.close()
  }

  /** A program's cached store through a DAX mapping. */
  store(offset: bigint, data: Uint8Array): void {
    this.requireModel().store(offset, data)
  }

  storeNonTemporal(offset: bigint, data: Uint8Array): void {
    this.requireModel().storeNonTemporal(offset, data)
  }

  /** clwb / dcbstps over the range. */
  writeback(offset: bigint, length: number): void {
    this.requireModel().writeback(offset, length)
  }

  /** pmem_wmb() alone. */
  barrier(): void {
    this.sync()
  }

  /** The deep-flush half of nvdimm_flush(). */
  deepFlush(): void {
    this.model?.deepFlush()
  }

  get uncertainLines(): number {
    return this.model?.uncertainLines ?? 0
  }

  record(): void {
    this.requireModel().record()
  }

  takeTrace(): PersistenceOp[] {
    return this.requireModel().takeTrace()
  }

  /**
   * Check every state a power failure during the recorded workload could have left (a seeded
   * sample where there are too many) with `check`, which sees the region's media as it would be
   * found after that failure. The real media are not touched. Recording stops.
   */
  explore(check: ConsistencyCheck, options: { maxStates?: number; sample?: number; seed?: number } = {}) {
    const { trace, originals } = this.requireModel().takeRecording()
    const image = new OverlayMedia(this.inner)
    for (const { offset, data } of originals) image.write(offset, data)
    return explorePowerFailures({ ...options, image, trace, lineSize: this.lineSize, domain: this.domain, check })
  }

  inFlight(): InFlightStore[] {
    return this.model?.inFlight() ?? []
  }

  restoreInFlight(stores: readonly InFlightStore[]): void {
    this.requireModel().restoreInFlight(stores)
  }

  powerFailPlan(options: PowerFailOptions = {}) {
    return this.model?.powerFailPlan(options) ?? { lines: [], report: { uncertainLines: 0, linesLost: 0 } }
  }

  /** Bytes that are durable whatever the model holds (a power failure being carried out). */
  writeDurable(offset: bigint, data: Uint8Array): void {
    this.inner.write(offset, data)
  }

  /** The power fails now: what the domain does not guarantee is kept or lost by the seed. */
  powerFail(options: PowerFailOptions = {}): PowerFailReport {
    const report = this.model?.powerFail(options) ?? { uncertainLines: 0, linesLost: 0 }
    this.inner.sync()
    return report
  }

  private requireModel(): CpuCacheModel {
    if (!this.model) {
      throw new NvdimmError('ENXIO', 'the cache model is off for this region: enableModel() first')
    }
    return this.model
  }
}
