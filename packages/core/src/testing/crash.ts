import { type FsOps, realFs } from '../platform/fs-ops.js'

/** The error a simulated crash throws; cleanup code treats it as a dead process would (not at all). */
export class SimulatedCrash extends Error {
  readonly simulatedCrash = true

  constructor(readonly at: number) {
    super(`simulated crash at write ${at}`)
  }
}

/**
 * File-system operations that crash at the `crashAt`-th write (0-based): that write does not
 * happen, except a file being written, which is left with half its bytes and never flushed,
 * and no write after it happens.
 * With crashAt = Infinity nothing crashes and `writes` counts the writes an operation makes.
 */
export function crashingFs(crashAt: number, base: FsOps = realFs): FsOps & { readonly writes: number } {
  let writes = 0
  let crashed = false
  // Once crashed, the process is dead: no later write of its cleanup code happens either.
  const step = (): boolean => {
    if (crashed) throw new SimulatedCrash(crashAt)
    crashed = writes++ === crashAt
    return crashed
  }
  const ops = {
    get writes() {
      return writes
    },
    mkdir(dir: string) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.mkdir(dir)
    },
    writeDurable(file: string, data: string | Uint8Array, exclusive?: boolean) {
      if (step()) {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
        try {
          base.writeDurable(file, bytes.subarray(0, Math.floor(bytes.length / 2)), exclusive)
        } catch {
          // the torn write itself failed: nothing was left
        }
        throw new SimulatedCrash(crashAt)
      }
      base.writeDurable(file, data, exclusive)
    },
    createSparse(file: string, size: bigint) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.createSparse(file, size)
    },
    rename(from: string, to: string) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.rename(from, to)
    },
    link(existing: string, newPath: string) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.link(existing, newPath)
    },
    unlink(file: string) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.unlink(file)
    },
    rmrf(target: string) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.rmrf(target)
    },
    fsyncDir(dir: string) {
      if (step()) throw new SimulatedCrash(crashAt)
      base.fsyncDir(dir)
    },
  }
  return ops
}

/**
 * Run `operation` once to count its writes, then once per write with a crash there,
 * calling `check` after each crash (and after the clean run) to assert what survived.
 * `setup` restores the starting state before every run.
 */
export async function forEachCrashPoint(options: {
  setup: () => Promise<void> | void
  operation: (fs: FsOps) => Promise<void> | void
  check: (crashedAt: number | undefined) => Promise<void> | void
  /** Test only these crash points (a sample), instead of every one. */
  sample?: (writes: number) => number[]
}): Promise<number> {
  await options.setup()
  const counter = crashingFs(Number.POSITIVE_INFINITY)
  await options.operation(counter)
  await options.check(undefined)
  const writes = counter.writes
  const points = options.sample ? options.sample(writes) : [...Array(writes).keys()]
  for (const point of points) {
    await options.setup()
    try {
      await options.operation(crashingFs(point))
      throw new Error(`the operation finished although it should have crashed at write ${point}`)
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error
    }
    await options.check(point)
  }
  return writes
}
