import { describe, expect, it } from 'vitest'
import {
  CpuCacheModel,
  explorePowerFailures,
  MemoryMedia,
  type Media,
  type PersistenceDomain,
  type PersistenceOp,
} from '../../src/index.js'

const RECORD = 0n
const FLAG = 256n
const record = Uint8Array.from({ length: 64 }, (_, i) => i + 1)

/** The two-line workload: a record, then its valid flag; `careful` flushes and fences the record first. */
function workload(careful: boolean, deepFlush = false): PersistenceOp[] {
  const media = new MemoryMedia(4096n)
  const model = new CpuCacheModel(media, 64, 'memory_controller')
  model.record()
  model.store(RECORD, record)
  if (careful) {
    model.writeback(RECORD, record.length)
    model.barrier()
    if (deepFlush) model.deepFlush()
  }
  model.store(FLAG, Uint8Array.of(1))
  model.writeback(FLAG, 1)
  if (!careful) model.writeback(RECORD, record.length)
  model.barrier()
  if (deepFlush) model.deepFlush()
  return model.takeTrace()
}

/** Consistent: the flag is clear, or the whole record is there. */
function recordBeforeFlag(image: Media): string | true {
  const flag = new Uint8Array(1)
  image.read(FLAG, flag)
  if (flag[0] === 0) return true
  const seen = new Uint8Array(64)
  image.read(RECORD, seen)
  return seen.every((byte, i) => byte === record[i]) || 'the flag is set but the record is not all there'
}

function explore(trace: PersistenceOp[], domain: PersistenceDomain) {
  return explorePowerFailures({ image: new MemoryMedia(4096n), trace, lineSize: 64, domain, check: recordBeforeFlag })
}

describe('the CPU cache model and crash-state exploration', () => {
  it('catches a record written without flush and fence before its flag on memory_controller, not on cpu_cache', async () => {
    const sloppy = workload(false)
    const caught = await explore(sloppy, 'memory_controller')
    expect(caught.failure).toMatchObject({ after: 2, reason: 'the flag is set but the record is not all there' })
    expect(caught.failure!.ops.map((op) => op.kind)).toEqual(['store', 'store'])
    expect(caught.failure!.lines).toEqual([
      { offset: 0n, version: 0, of: 2 },
      { offset: 256n, version: 1, of: 2 },
    ])
    expect((await explore(sloppy, 'cpu_cache')).failure).toBeUndefined()
  })

  it('passes the careful workload on both domains, exhaustively', async () => {
    const careful = workload(true)
    for (const domain of ['memory_controller', 'cpu_cache'] as const) {
      const report = await explore(careful, domain)
      expect(report).toMatchObject({ exhaustive: true, crashPoints: careful.length + 1 })
      expect(report.failure).toBeUndefined()
    }
  })

  it('needs the deep flush in the unknown domain', async () => {
    expect((await explore(workload(true), 'unknown')).failure).toBeDefined()
    expect((await explore(workload(true, true), 'unknown')).failure).toBeUndefined()
  })

  it('keeps on a power failure what the domain guarantees, the rest by the seed', () => {
    const outcomes = new Set<string>()
    for (let seed = 0; seed < 32; seed++) {
      const media = new MemoryMedia(4096n)
      const model = new CpuCacheModel(media, 64, 'memory_controller')
      model.store(0n, Uint8Array.of(7))
      model.writeback(0n, 1)
      model.barrier()
      model.store(128n, Uint8Array.of(9))
      const report = model.powerFail({ seed })
      expect(report.uncertainLines).toBe(1)
      const bytes = new Uint8Array(129)
      media.read(0n, bytes)
      expect(bytes[0]).toBe(7)
      outcomes.add(String(bytes[128]))
      // The same seed makes the same choice.
      const again = new CpuCacheModel(new MemoryMedia(4096n), 64, 'memory_controller')
      again.store(128n, Uint8Array.of(9))
      expect(again.powerFail({ seed }).linesLost).toBe(report.linesLost)
    }
    expect([...outcomes].sort()).toEqual(['0', '9'])
  })

  it('keeps every store on cpu_cache and treats a store spanning lines line by line', () => {
    const media = new MemoryMedia(1024n)
    const cached = new CpuCacheModel(media, 64, 'cpu_cache')
    cached.store(60n, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))
    expect(cached.powerFail({ seed: 3 })).toEqual({ uncertainLines: 0, linesLost: 0 })
    const model = new CpuCacheModel(new MemoryMedia(1024n), 64, 'memory_controller')
    model.store(60n, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))
    expect(model.uncertain().map((line) => line.offset)).toEqual([0n, 64n])
    model.writeback(60n, 4)
    model.barrier()
    expect(model.uncertain().map((line) => line.offset)).toEqual([64n])
    expect(() => new CpuCacheModel(media, 48, 'unknown')).toThrow(/power of two/)
  })

  it('samples with a seed when there are too many states', async () => {
    const media = new MemoryMedia(64n * 64n)
    const model = new CpuCacheModel(media, 64, 'memory_controller')
    model.record()
    for (let line = 0n; line < 20n; line++) model.store(line * 64n, Uint8Array.of(1))
    const trace = model.takeTrace()
    const report = await explorePowerFailures({
      image: new MemoryMedia(64n * 64n),
      trace,
      lineSize: 64,
      domain: 'memory_controller',
      check: () => true,
      maxStates: 1000,
      sample: 10,
    })
    expect(report.exhaustive).toBe(false)
    expect(report.failure).toBeUndefined()
  })
})
