import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** ../shared/golden, relative to the project root; tests that need it skip where it is absent. */
export const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/golden')
export const hasGolden = fs.existsSync(GOLDEN)

/** Why golden tests were skipped, for the test names. */
export const GOLDEN_SKIP_NOTE = hasGolden ? '' : ` (skipped: ${GOLDEN} is absent)`

export function goldenBytes(...parts: string[]): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(GOLDEN, ...parts)))
}

export function goldenText(...parts: string[]): string {
  return fs.readFileSync(path.join(GOLDEN, ...parts), 'utf8')
}
