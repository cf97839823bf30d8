import { describe, expect, it } from 'vitest'
import { createNvdimm, MemoryMedia, ndctlCreateNamespace, type Media, type NamespaceMode } from '../../src/index.js'
import { legacyRange } from '../fixtures.js'
import { forEachMediaCrashPoint } from '../../src/testing/index.js'

const MiB = 1n << 20n

async function modeAfterBoot(media: Media): Promise<{ mode: NamespaceMode; active: boolean }> {
  const nd = legacyRange(media)
  await nd.start()
  const ns = nd.namespace('namespace0.0')
  const state = { mode: ns.mode, active: ns.active }
  await nd.stop()
  return state
}

async function reconfigure(media: Media, mode: string): Promise<void> {
  const nd = legacyRange(media)
  await nd.start()
  const outcome = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode, force: true })
  if (outcome.errors.length) throw outcome.errors[0]
  await nd.stop()
}

/** A copy of `media` to start each crash run from. */
function snapshot(media: MemoryMedia): () => MemoryMedia {
  const head = new Uint8Array(Number(8n * MiB))
  const tail = new Uint8Array(Number(8n * MiB))
  media.read(0n, head)
  media.read(media.size - BigInt(tail.length), tail)
  return () => {
    const copy = new MemoryMedia(media.size)
    copy.write(0n, head)
    copy.write(media.size - BigInt(tail.length), tail)
    return copy
  }
}

describe('a crash while a personality is set up', () => {
  it('fsdax on a fresh namespace: the info block is the only write, and a torn one reads as none', async () => {
    const writes = await forEachMediaCrashPoint({
      setup: () => new MemoryMedia(64n * MiB),
      operation: (media) => reconfigure(media, 'fsdax'),
      check: async (crashedAt, media) => {
        const state = await modeAfterBoot(media)
        expect(state.active).toBe(true)
        // Old (memory mode, map mem, no pfn) or new (fsdax with its pfn device).
        expect(state.mode).toBe('fsdax')
      },
    })
    expect(writes).toBe(1)
  })

  it('devdax to fsdax (-e): old, or zeroed and not yet written (ndctl reconfigures by destroy then create), or new', async () => {
    const start = new MemoryMedia(64n * MiB)
    await reconfigure(start, 'devdax')
    expect(await modeAfterBoot(start)).toEqual({ mode: 'devdax', active: true })
    const fresh = snapshot(start)
    const seen = new Set<string>()
    const writes = await forEachMediaCrashPoint({
      setup: fresh,
      operation: (media) => reconfigure(media, 'fsdax'),
      check: async (crashedAt, media) => {
        const state = await modeAfterBoot(media)
        expect(state.active).toBe(true)
        expect(['devdax', 'fsdax']).toContain(state.mode)
        seen.add(`${crashedAt}:${state.mode}`)
      },
    })
    expect(writes).toBe(2)
    expect([...seen].sort()).toEqual(['0:devdax', '1:fsdax', 'undefined:fsdax'])
  })

  it('sector to devdax (-e): a crash in the zeroing leaves the BTT, a later one never a torn personality', async () => {
    const start = new MemoryMedia(64n * MiB)
    await reconfigure(start, 'sector')
    const fresh = snapshot(start)
    const writes = await forEachMediaCrashPoint({
      setup: fresh,
      operation: (media) => reconfigure(media, 'devdax'),
      check: async (crashedAt, media) => {
        const state = await modeAfterBoot(media)
        expect(state.active).toBe(true)
        if (crashedAt === 0) expect(state.mode).toBe('sector')
        else if (crashedAt === undefined) expect(state.mode).toBe('devdax')
        else expect(state.mode).toBe('fsdax')
      },
    })
    expect(writes).toBe(2)
  })
})
