import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** ../shared/golden, relative to the project root; tests that need it skip where it is absent. */
export const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/golden')
export const hasGolden = fs.existsSync(GOLDEN)

export function golden(...parts: string[]): string {
  return fs.readFileSync(path.join(GOLDEN, ...parts), 'utf8')
}
