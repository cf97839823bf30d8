import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import type { PersistenceDomain } from '../region/region.js'
import { CpuCacheModel, type PersistenceOp, seededRandom, type UncertainLine } from './cache-model.js'

/**
 * Crash-state exploration, what PMDK's pmreorder does: replay a recorded trace of stores,
 * write-backs, fences and deep flushes, and at every point between two operations check each
 * image a power failure could leave (every uncertain line in each of its possible versions; a
 * seeded sample when there are too many) against the caller's consistency check.
 */

export interface CrashState {
  /** The power failed after this many operations. */
  after: number
  /** Per uncertain line: which version it kept (0 = its durable contents) of how many. */
  lines: readonly { offset: bigint; version: number; of: number }[]
}

/** true (or undefined) when the image is consistent; false or a reason when it is not. */
export type ConsistencyCheck = (
  image: Media,
  state: CrashState,
) => boolean | string | undefined | Promise<boolean | string | undefined>

export interface ExploreOptions {
  /** Scratch media holding the contents before the trace: the explorer writes each crash image into it. */
  image: Media
  trace: readonly PersistenceOp[]
  lineSize: number
  domain: PersistenceDomain
  check: ConsistencyCheck
  /** Above this many states at one point, a sample of `sample` states is checked (default 4096 / 512). */
  maxStates?: number
  sample?: number
  seed?: number
}

export interface ExploreReport {
  crashPoints: number
  statesChecked: number
  /** Every state of every point was checked. */
  exhaustive: boolean
  /** The first inconsistent state, with the operations that led to it. */
  failure?: CrashState & { reason: string; ops: readonly PersistenceOp[] }
}

function stateCount(lines: readonly UncertainLine[]): number {
  return lines.reduce((count, line) => count * line.candidates.length, 1)
}

/** The choices of state number `index` in mixed radix, the last line fastest. */
function choicesOf(lines: readonly UncertainLine[], index: number): number[] {
  const choices = new Array<number>(lines.length)
  for (let i = lines.length - 1; i >= 0; i--) {
    const radix = lines[i]!.candidates.length
    choices[i] = index % radix
    index = Math.floor(index / radix)
  }
  return choices
}

export async function explorePowerFailures(options: ExploreOptions): Promise<ExploreReport> {
  const { image, trace, check } = options
  const maxStates = options.maxStates ?? 4096
  const sample = options.sample ?? 512
  if (!Number.isInteger(maxStates) || maxStates < 1 || !Number.isInteger(sample) || sample < 1) {
    throw new NvdimmError('EINVAL', 'maxStates and sample are whole numbers of at least 1')
  }
  const random = seededRandom(options.seed ?? 0)
  const model = new CpuCacheModel(image, options.lineSize, options.domain)
  let statesChecked = 0
  let exhaustive = true
  let changedSinceCheck = true
  for (let after = 0; after <= trace.length; after++) {
    const lines = model.uncertain()
    // A point that only fenced an image with nothing uncertain looks like the one before it.
    if (changedSinceCheck || lines.length > 0) {
      const total = stateCount(lines)
      const exhaustiveHere = Number.isSafeInteger(total) && total <= maxStates
      if (!exhaustiveHere) exhaustive = false
      // A sample always has the two ends: nothing uncertain kept, and everything kept.
      const indices = exhaustiveHere
        ? Array.from({ length: total }, (_, i) => i)
        : [-2, -3, ...Array.from({ length: Math.max(0, sample - 2) }, () => -1)]
      for (const index of indices) {
        const choices =
          index >= 0
            ? choicesOf(lines, index)
            : lines.map((line) =>
                index === -2
                  ? 0
                  : index === -3
                    ? line.candidates.length - 1
                    : Math.floor(random() * line.candidates.length),
              )
        lines.forEach((line, i) => image.write(line.offset, line.candidates[choices[i]!]!))
        const state: CrashState = {
          after,
          lines: lines.map((line, i) => ({ offset: line.offset, version: choices[i]!, of: line.candidates.length })),
        }
        let verdict: boolean | string | undefined
        try {
          verdict = await check(image, state)
        } catch (error) {
          verdict = error instanceof Error ? error.message : String(error)
        } finally {
          // Back to the live image: every line in its latest version.
          for (const line of lines) image.write(line.offset, line.candidates.at(-1)!)
        }
        statesChecked++
        if (verdict !== true && verdict !== undefined) {
          const reason = typeof verdict === 'string' ? verdict : 'the check found the image inconsistent'
          return {
            crashPoints: after + 1,
            statesChecked,
            exhaustive,
            failure: { ...state, reason, ops: trace.slice(0, after) },
          }
        }
      }
    }
    const op = trace[after]
    if (!op) break
    model.apply(op)
    // Unchanged only if nothing was uncertain here and the operation stored nothing.
    changedSinceCheck = lines.length > 0 || op.kind === 'store' || op.kind === 'store-nt'
  }
  return { crashPoints: trace.length + 1, statesChecked, exhaustive }
}
