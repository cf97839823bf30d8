import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** ../shared/golden, relative to the project root; tests that need it skip where it is absent. */
export const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/golden')
export const hasGolden = fs.existsSync(GOLDEN)

export function goldenBytes(...parts: string[]): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(GOLDEN, ...parts)))
}

export function goldenText(...parts: string[]): string {
  return fs.readFileSync(path.join(GOLDEN, ...parts), 'utf8')
}

/** Where two byte strings first differ, or -1: quicker and clearer than a deep equality on 128 KiB. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const view = (x: Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)
  if (view(a).equals(view(b))) return -1
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : length
}

/** Whether `xz` is installed, to unpack the compressed golden images. */
export function hasXz(): boolean {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A compressed golden file, unpacked through a temporary file (sparse images stay cheap). */
export function goldenXzBytes(...parts: string[]): Uint8Array {
  const out = path.join(os.tmpdir(), `nvdimm-golden-${process.pid}-${parts.join('-')}`)
  execFileSync('sh', ['-c', 'xz -dc "$0" > "$1"', path.join(GOLDEN, ...parts), out])
  try {
    return new Uint8Array(fs.readFileSync(out))
  } finally {
    fs.rmSync(out)
  }
}
