import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { PersistenceDomain } from '../region/region.js'

/**
 * What the CPU caches do to stores on their way to persistent memory, per cache line:
 * - a cached store dirties the line; it reaches the memory controller only when written back
 *   (clwb / clflushopt / clflush on x86, dcbstps / dcbfps / dcbf on POWER) and fenced
 *   (pmem_wmb(): sfence, phwsync on POWER10, hwsync before), or when the cache evicts it;
 * - a non-temporal store (memcpy_flushcache) bypasses the cache: only the fence is missing;
 * - a deep flush (nvdimm_flush(): flush-hint writes, or the provider's flush) pushes what the
 *   memory controller holds to the media.
 * The region's persistence domain says which of those stages a power failure keeps
 * (Documentation/ABI, persistence_domain): cpu_cache every store, memory_controller what
 * reached the controller, unknown only what a deep flush covered. Anything later may or may not
 * have been evicted in time: a line then holds its durable contents or any later version.
 */

/** Where a version of a line is on its way to the media. */
type Stage = 'cached' | 'written-back' | 'controller'

interface LineVersion {
  data: Uint8Array
  stage: Stage
}

interface LineState {
  /** What survives for sure. */
  durable: Uint8Array
  /** Later versions, oldest first, none of them durable yet. */
  versions: LineVersion[]
}

export type PersistenceOp =
  | { kind: 'store'; offset: bigint; data: Uint8Array }
  | { kind: 'store-nt'; offset: bigint; data: Uint8Array }
  | { kind: 'writeback'; offset: bigint; length: number }
  | { kind: 'barrier' }
  | { kind: 'deep-flush' }

/** A line that is not durable in its latest version: what a power failure may leave in it. */
export interface UncertainLine {
  offset: bigint
  /** Index 0 is the durable contents; then each later version, oldest first. */
  candidates: readonly Uint8Array[]
}

export interface PowerFailOptions {
  /** Which version each uncertain line keeps is drawn from this seed (mulberry32). */
  seed?: number
  /** Or the caller decides, per line: the candidate index. */
  choose?: (line: UncertainLine) => number
}

export interface PowerFailReport {
  /** Lines whose latest version was not yet durable. */
  uncertainLines: number
  /** Of those, lines that lost their latest version. */
  linesLost: number
}

/** mulberry32: a small seeded generator, so a power failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class CpuCacheModel {
  readonly lineSize: number
  readonly domain: PersistenceDomain
  private readonly media: Media
  private readonly lines = new Map<bigint, LineState>()
  private recording: PersistenceOp[] | undefined

  constructor(media: Media, lineSize: number, domain: PersistenceDomain) {
    if (!Number.isInteger(lineSize) || lineSize <= 0 || (lineSize & (lineSize - 1)) !== 0) {
      throw new NvdimmError('EINVAL', `a cache line of ${lineSize} bytes is not a power of two`)
    }
    this.media = media
    this.lineSize = lineSize
    this.domain = domain
  }

  /** Start keeping every operation, for exploring crash states later. */
  record(): void {
    this.recording = []
  }

  /** The operations since record(); recording stops. */
  takeTrace(): PersistenceOp[] {
    const trace = this.recording ?? []
    this.recording = undefined
    return trace
  }

  /** Lines whose latest contents a power failure could still lose. */
  get uncertainLines(): number {
    return this.lines.size
  }

  /** A cached store: the CPU (and every reader) sees it at once; the media may not. */
  store(offset: bigint, data: Uint8Array): void {
    this.recording?.push({ kind: 'store', offset, data: data.slice() })
    this.put(offset, data, 'cached')
  }

  /** memcpy_flushcache(): past the cache, waiting only for the fence. */
  storeNonTemporal(offset: bigint, data: Uint8Array): void {
    this.recording?.push({ kind: 'store-nt', offset, data: data.slice() })
    this.put(offset, data, 'written-back')
  }

  /** clwb / dcbstps over every line of the range: their latest versions start toward the controller. */
  writeback(offset: bigint, length: number): void {
    this.recording?.push({ kind: 'writeback', offset, length })
    if (length <= 0) return
    const size = BigInt(this.lineSize)
    for (let line = this.lineOf(offset); line < offset + BigInt(length); line += size) {
      const latest = this.lines.get(line)?.versions.at(-1)
      if (latest?.stage === 'cached') latest.stage = 'written-back'
    }
  }

  /** pmem_wmb(): what was written back reaches the memory controller. */
  barrier(): void {
    this.recording?.push({ kind: 'barrier' })
    for (const [line, state] of this.lines) {
      for (const version of state.versions) if (version.stage === 'written-back') version.stage = 'controller'
      // In the memory_controller domain, reaching the controller is reaching persistence.
      if (this.domain === 'memory_controller') this.settle(line, state)
    }
  }

  /** nvdimm_flush()'s flush-hint writes or provider flush: the controller's queue reaches the media. */
  deepFlush(): void {
    this.recording?.push({ kind: 'deep-flush' })
    for (const [line, state] of this.lines) this.settle(line, state)
  }

  /** Apply one recorded operation. */
  apply(op: PersistenceOp): void {
    switch (op.kind) {
      case 'store':
        return this.store(op.offset, op.data)
      case 'store-nt':
        return this.storeNonTemporal(op.offset, op.data)
      case 'writeback':
        return this.writeback(op.offset, op.length)
      case 'barrier':
        return this.barrier()
      case 'deep-flush':
        return this.deepFlush()
    }
  }

  /** The lines a power failure now would decide, in address order. */
  uncertain(): UncertainLine[] {
    return [...this.lines.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([offset, state]) => ({ offset, candidates: [state.durable, ...state.versions.map((v) => v.data)] }))
  }

  /**
   * The power fails: each uncertain line keeps its durable contents or one later version (the
   * cache evicted it in time), by the seed or the caller's choice; the media holds the result.
   */
  powerFail(options: PowerFailOptions = {}): PowerFailReport {
    const random = seededRandom(options.seed ?? 0)
    const lines = this.uncertain()
    let linesLost = 0
    for (const line of lines) {
      const count = line.candidates.length
      const chosen = options.choose ? options.choose(line) : Math.floor(random() * count)
      if (!Number.isInteger(chosen) || chosen < 0 || chosen >= count) {
        throw new NvdimmError('EINVAL', `line 0x${line.offset.toString(16)} has ${count} candidates, not ${chosen}`)
      }
      if (chosen !== count - 1) linesLost++
      this.media.write(line.offset, line.candidates[chosen]!)
    }
    this.lines.clear()
    return { uncertainLines: lines.length, linesLost }
  }

  /** Forget every pending line as durable (a clean shutdown flushes the caches). */
  drain(): void {
    this.lines.clear()
  }

  private lineOf(offset: bigint): bigint {
    return offset - (offset % BigInt(this.lineSize))
  }

  private put(offset: bigint, data: Uint8Array, stage: Stage): void {
    if (data.length === 0) return
    // In the cpu_cache domain a store is durable once made: nothing to track.
    if (this.domain === 'cpu_cache') {
      this.media.write(offset, data)
      return
    }
    const size = BigInt(this.lineSize)
    const end = offset + BigInt(data.length)
    for (let line = this.lineOf(offset); line < end; line += size) {
      let state = this.lines.get(line)
      if (!state) {
        const durable = new Uint8Array(this.lineLength(line))
        this.media.read(line, durable)
        state = { durable, versions: [] }
        this.lines.set(line, state)
      }
      const previous = state.versions.at(-1)?.data ?? state.durable
      const next = previous.slice()
      const from = line > offset ? line : offset
      const to = line + BigInt(next.length) < end ? line + BigInt(next.length) : end
      next.set(data.subarray(Number(from - offset), Number(to - offset)), Number(from - line))
      state.versions.push({ data: next, stage })
    }
    this.media.write(offset, data)
  }

  /** The last line of the media may be short. */
  private lineLength(line: bigint): number {
    const left = this.media.size - line
    return left < BigInt(this.lineSize) ? Number(left) : this.lineSize
  }

  /** What reached the controller becomes the line's durable contents. */
  private settle(line: bigint, state: LineState): void {
    let last = state.versions.length - 1
    while (last >= 0 && state.versions[last]!.stage !== 'controller') last--
    if (last >= 0) {
      state.durable = state.versions[last]!.data
      state.versions.splice(0, last + 1)
    }
    if (state.versions.length === 0) this.lines.delete(line)
  }
}
