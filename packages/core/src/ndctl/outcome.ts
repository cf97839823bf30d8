import type { NvdimmError } from '../errors.js'

/** What an ndctl command did and says: its output, its stderr lines, its exit code. */
export interface NdctlOutcome {
  /** What goes to stdout: JSON text, or raw bytes (read-labels without -j). */
  stdout?: string | Uint8Array
  /** Failures met on the way, one per device. */
  errors: NvdimmError[]
  /** ndctl's own lines on stderr, in order ("initialized 1 nmem"). */
  messages: string[]
  exitCode: number
}

/** ndctl exits with its negative return code as a byte: -EINVAL is 234. */
export function exitCodeOfRc(rc: number): number {
  return rc < 0 ? (256 + rc) & 0xff : 0
}

/** "%d nmem%s": ndctl's plural only beyond one. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count > 1 ? 's' : ''}`
}
