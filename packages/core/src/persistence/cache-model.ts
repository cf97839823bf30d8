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
 *
 * Every store lands on the media at once (it is what the CPU reads back); what is not yet
 * durable is kept as the stores in flight, each with the bytes it overwrote, so a power
 * failure can roll a line back to any version. Lines are worked out only when asked.
 */

/** Where a store is on its way to the media. */
type Stage = 'cached' | 'written-back' | 'controller'

interface Pending {
  offset: number
  /** The bytes this store overwrote. */
  before: Uint8Array
  stage: Stage
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

/** A store in flight, as it is saved between sessions: where, how far it got, what it overwrote. */
export interface InFlightStore {
  offset: number
  stage: 'cached' | 'written-back' | 'controller'
  before: Uint8Array
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

const SLAB_SIZE = 1 << 20

function toOffset(offset: bigint): number {
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NvdimmError('EINVAL', `offset ${offset} is outside what the cache model tracks`)
  }
  return Number(offset)
}

export class CpuCacheModel {
  readonly lineSize: number
  readonly domain: PersistenceDomain
  private readonly media: Media
  /** Stores not yet durable, oldest first. */
  private pending: Pending[] = []
  private writtenBack = 0
  private recording: PersistenceOp[] | undefined
  /**
   * Where the overwritten bytes of stores in flight are kept: views into one slab, reused once
   * nothing is in flight (allocating every store's copy costs more than the store).
   */
  private slab = new Uint8Array(SLAB_SIZE)
  private slabUsed = 0
  /** While recording: every store's overwritten bytes, to rebuild the image recording began on. */
  private overwritten: { offset: bigint; data: Uint8Array }[] = []

  constructor(media: Media, lineSize: number, domain: PersistenceDomain) {
    if (!Number.isInteger(lineSize) || lineSize <= 0 || (lineSize & (lineSize - 1)) !== 0) {
      throw new NvdimmError('EINVAL', `a cache line of ${lineSize} bytes is not a power of two`)
    }
    this.media = media
    this.lineSize = lineSize
    this.domain = domain
  }

  /** Start keeping every operation, for exploring crash states later (best on a fenced, quiet region). */
  record(): void {
    this.recording = []
    this.overwritten = []
  }

  /** The operations since record(); recording stops. */
  takeTrace(): PersistenceOp[] {
    return this.takeRecording().trace
  }

  /**
   * The operations since record(), and what the bytes they stored to held when recording began
   * (apply the pieces in order); recording stops.
   */
  takeRecording(): { trace: PersistenceOp[]; originals: { offset: bigint; data: Uint8Array }[] } {
    const trace = this.recording ?? []
    const originals = this.overwritten.reverse()
    this.recording = undefined
    this.overwritten = []
    return { trace, originals }
  }

  /** Lines whose latest contents a power failure could still lose. */
  get uncertainLines(): number {
    return this.pendingLines().size
  }

  /** A cached store: the CPU (and every reader) sees it at once; the media may not. */
  store(offset: bigint, data: Uint8Array): void {
    this.recording?.push({ kind: 'store', offset, data: data.slice() })
    this.put(offset, data, 'cached')
  }

  /** memcpy_flushcache(): past the cache, waiting only for the fence. */
  storeNonTemporal(offset: bigint, data: Uint8Array): void {
    this.recording?.push({ kind: 'store-nt', offset, data: data.slice() })
    // A non-temporal store to a line the cache holds dirty pushes that line out with it.
    if (this.pending.length) this.markWrittenBack(toOffset(offset), data.length)
    this.put(offset, data, 'written-back')
  }

  /** clwb / dcbstps over every line of the range: what they hold starts toward the controller. */
  writeback(offset: bigint, length: number): void {
    this.recording?.push({ kind: 'writeback', offset, length })
    if (length > 0 && this.pending.length) this.markWrittenBack(toOffset(offset), length)
  }

  /** pmem_wmb(): what was written back reaches the memory controller. */
  barrier(): void {
    this.recording?.push({ kind: 'barrier' })
    if (this.writtenBack === 0) return
    // The common case: everything in flight was written back and is now durable.
    if (this.domain === 'memory_controller' && this.writtenBack === this.pending.length) {
      this.drain()
      return
    }
    for (const store of this.pending) if (store.stage === 'written-back') store.stage = 'controller'
    this.writtenBack = 0
    // In the memory_controller domain, reaching the controller is reaching persistence.
    if (this.domain === 'memory_controller') this.settle()
  }

  /** nvdimm_flush()'s flush-hint writes or provider flush: the controller's queue reaches the media. */
  deepFlush(): void {
    this.recording?.push({ kind: 'deep-flush' })
    this.settle()
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

  /** The lines a power failure now would decide, in address order, with their possible contents. */
  uncertain(): UncertainLine[] {
    const byLine = new Map<number, Pending[]>()
    for (const store of this.pending) {
      for (const line of this.linesOf(store)) {
        const stores = byLine.get(line)
        if (stores) stores.push(store)
        else byLine.set(line, [store])
      }
    }
    return [...byLine.keys()]
      .sort((a, b) => a - b)
      .map((line) => {
        const touching = byLine.get(line)!
        // The line now is its last version; undoing the stores newest first gives the ones before.
        const current = new Uint8Array(this.lineLength(line))
        this.media.read(BigInt(line), current)
        const versions = [current.slice()]
        for (let i = touching.length - 1; i >= 0; i--) {
          this.undo(touching[i]!, line, current)
          versions.unshift(current.slice())
        }
        return { offset: BigInt(line), candidates: versions }
      })
  }

  /**
   * The power fails: each uncertain line keeps its durable contents or one later version (the
   * cache evicted it in time), by the seed or the caller's choice; the media holds the result.
   */
  powerFail(options: PowerFailOptions = {}): PowerFailReport {
    const { lines, report } = this.powerFailPlan(options)
    for (const line of lines) this.media.write(line.offset, line.data)
    this.drain()
    return report
  }

  /** What powerFail() would leave in each uncertain line, without writing it. */
  powerFailPlan(options: PowerFailOptions = {}): {
    lines: { offset: bigint; data: Uint8Array }[]
    report: PowerFailReport
  } {
    const random = seededRandom(options.seed ?? 0)
    const uncertain = this.uncertain()
    let linesLost = 0
    const lines = uncertain.map((line) => {
      const count = line.candidates.length
      const chosen = options.choose ? options.choose(line) : Math.floor(random() * count)
      if (!Number.isInteger(chosen) || chosen < 0 || chosen >= count) {
        throw new NvdimmError('EINVAL', `line 0x${line.offset.toString(16)} has ${count} candidates, not ${chosen}`)
      }
      if (chosen !== count - 1) linesLost++
      return { offset: line.offset, data: line.candidates[chosen]! }
    })
    return { lines, report: { uncertainLines: uncertain.length, linesLost } }
  }

  /** The stores in flight, oldest first (copies). */
  inFlight(): InFlightStore[] {
    return this.pending.map((store) => ({ offset: store.offset, stage: store.stage, before: store.before.slice() }))
  }

  /** Stores a previous session left in flight: older than any made since. */
  restoreInFlight(stores: readonly InFlightStore[]): void {
    if (this.domain === 'cpu_cache' || stores.length === 0) return
    const restored = stores.map((store) => ({ offset: store.offset, stage: store.stage, before: store.before.slice() }))
    this.pending = [...restored, ...this.pending]
    this.writtenBack = this.pending.filter((store) => store.stage === 'written-back').length
  }

  /** Take every store in flight as durable (a clean shutdown flushes the caches). */
  drain(): void {
    this.pending = []
    this.writtenBack = 0
    // No store in flight holds a view of the slab any more (a recording keeps copies of its own).
    this.slabUsed = 0
  }

  /** Room for `length` overwritten bytes. */
  private keep(length: number): Uint8Array {
    if (this.recording || length > SLAB_SIZE / 4) return new Uint8Array(length)
    if (this.slabUsed + length > SLAB_SIZE) {
      this.slab = new Uint8Array(SLAB_SIZE)
      this.slabUsed = 0
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + length)
    this.slabUsed += length
    return view
  }

  private put(offset: bigint, data: Uint8Array, stage: Stage): void {
    if (data.length === 0) return
    // In the cpu_cache domain a store is durable once made: nothing to keep.
    if (this.domain === 'cpu_cache' && !this.recording) {
      this.media.write(offset, data)
      return
    }
    const before = this.keep(data.length)
    this.media.read(offset, before)
    this.media.write(offset, data)
    if (this.recording) this.overwritten.push({ offset, data: before })
    if (this.domain === 'cpu_cache') return
    this.pending.push({ offset: toOffset(offset), before, stage })
    if (stage === 'written-back') this.writtenBack++
  }

  /** Mark the cached stores on the lines of [offset, offset + length) written back, splitting at line edges. */
  private markWrittenBack(offset: number, length: number): void {
    const start = offset - (offset % this.lineSize)
    const end = Math.ceil((offset + length) / this.lineSize) * this.lineSize
    let split = false
    for (const store of this.pending) {
      const storeEnd = store.offset + store.before.length
      if (store.stage !== 'cached' || storeEnd <= start || store.offset >= end) continue
      if (store.offset >= start && storeEnd <= end) {
        store.stage = 'written-back'
        this.writtenBack++
      } else split = true
    }
    if (!split) return
    // The parts outside the range stay cached; the part inside is written back.
    const next: Pending[] = []
    for (const store of this.pending) {
      const storeEnd = store.offset + store.before.length
      if (store.stage !== 'cached' || storeEnd <= start || store.offset >= end) {
        next.push(store)
        continue
      }
      const from = Math.max(store.offset, start)
      const to = Math.min(storeEnd, end)
      const piece = (a: number, b: number, stage: Stage): Pending => ({
        offset: a,
        before: store.before.subarray(a - store.offset, b - store.offset),
        stage,
      })
      if (store.offset < from) next.push(piece(store.offset, from, 'cached'))
      next.push(piece(from, to, 'written-back'))
      this.writtenBack++
      if (to < storeEnd) next.push(piece(to, storeEnd, 'cached'))
    }
    this.pending = next
  }

  /** What reached the controller is durable; so is every earlier store on its lines. */
  private settle(): void {
    let last = -1
    let prefix = true
    this.pending.forEach((store, index) => {
      if (store.stage !== 'controller') return
      if (index !== last + 1) prefix = false
      last = index
    })
    if (last < 0) return
    if (prefix) {
      // The usual case: the settled stores are the oldest ones.
      this.pending = this.pending.slice(last + 1)
    } else {
      // Writing back a line takes all its earlier stores along, so the stores to keep are those
      // after the last settled one on every line they touch.
      const settledUpTo = new Map<number, number>()
      this.pending.forEach((store, index) => {
        if (store.stage !== 'controller') return
        for (const line of this.linesOf(store)) settledUpTo.set(line, index)
      })
      this.pending = this.pending.filter(
        (store, index) =>
          store.stage !== 'controller' && this.linesOf(store).every((line) => (settledUpTo.get(line) ?? -1) < index),
      )
    }
    this.writtenBack = this.pending.filter((store) => store.stage === 'written-back').length
    if (this.pending.length === 0) this.slabUsed = 0
  }

  private linesOf(store: Pending): number[] {
    const lines: number[] = []
    const first = store.offset - (store.offset % this.lineSize)
    for (let line = first; line < store.offset + store.before.length; line += this.lineSize) lines.push(line)
    return lines
  }

  private pendingLines(): Set<number> {
    const lines = new Set<number>()
    for (const store of this.pending) for (const line of this.linesOf(store)) lines.add(line)
    return lines
  }

  /** Put back, within the line, the bytes `store` overwrote. */
  private undo(store: Pending, line: number, content: Uint8Array): void {
    const from = Math.max(store.offset, line)
    const to = Math.min(store.offset + store.before.length, line + content.length)
    content.set(store.before.subarray(from - store.offset, to - store.offset), from - line)
  }

  /** The last line of the media may be short. */
  private lineLength(line: number): number {
    const left = this.media.size - BigInt(line)
    return left < BigInt(this.lineSize) ? Number(left) : this.lineSize
  }
}
