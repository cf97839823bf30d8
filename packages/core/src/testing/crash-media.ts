import type { Media } from '../media/media.js'
import { SimulatedCrash } from './crash.js'

/**
 * Media that loses power at its `crashAt`-th write (0-based). Persistent memory guarantees
 * only aligned 8-byte stores (what BTT's NVDIMM_IO_ATOMIC writes rely on), so the crashing
 * write is torn that way: one of at most 8 bytes at an 8-byte-aligned offset does not happen
 * at all; anything else lands only its first half, rounded down to a multiple of 8 bytes.
 * Then SimulatedCrash is thrown, and so is every later write. Reads keep working (they are
 * how a test looks at what survived). With crashAt = Infinity nothing crashes and `writes`
 * counts the writes an operation makes.
 */
export function crashingMedia(media: Media, crashAt: number): Media & { readonly writes: number } {
  let writes = 0
  let crashed = false
  return {
    get size() {
      return media.size
    },
    get writes() {
      return writes
    },
    read(offset: bigint, target: Uint8Array): void {
      media.read(offset, target)
    },
    write(offset: bigint, source: Uint8Array): void {
      if (crashed) throw new SimulatedCrash(crashAt)
      if (writes++ !== crashAt) {
        media.write(offset, source)
        return
      }
      crashed = true
      const atomic = source.length <= 8 && offset % 8n === 0n
      const landed = atomic ? 0 : Math.floor(source.length / 2 / 8) * 8
      if (landed > 0) media.write(offset, source.subarray(0, landed))
      throw new SimulatedCrash(crashAt)
    },
    sync(): void {
      if (crashed) throw new SimulatedCrash(crashAt)
      media.sync()
    },
    close(): void {
      media.close()
    },
  }
}

/**
 * forEachCrashPoint() for Media: run `operation` once on a fresh medium from `setup` to count
 * its writes, then once per write with a crash there; `check` gets the crash point (undefined
 * for the clean run) and the medium as the crash left it. Returns the number of writes.
 */
export async function forEachMediaCrashPoint(options: {
  setup: () => Promise<Media> | Media
  operation: (media: Media) => Promise<void> | void
  check: (crashedAt: number | undefined, media: Media) => Promise<void> | void
  /** Test only these crash points (a sample), instead of every one. */
  sample?: (writes: number) => number[]
}): Promise<number> {
  const clean = await options.setup()
  const counter = crashingMedia(clean, Number.POSITIVE_INFINITY)
  await options.operation(counter)
  await options.check(undefined, clean)
  const writes = counter.writes
  const points = options.sample ? options.sample(writes) : [...Array(writes).keys()]
  for (const point of points) {
    const media = await options.setup()
    try {
      await options.operation(crashingMedia(media, point))
      throw new Error(`the operation finished although it should have crashed at write ${point}`)
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error
    }
    await options.check(point, media)
  }
  return writes
}
