import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
/** The built CLI, as a user runs it. */
export const BIN = path.resolve(here, '../dist/bin.js')
export const GOLDEN = path.resolve(here, '../../../../shared/golden')
export const hasGolden = fs.existsSync(GOLDEN)

export interface Run {
  stdout: string
  stderr: string
  rc: number
}

/** A private HOME and state directory, so the per-user default platform is the test's own. */
export function sandbox(): { env: NodeJS.ProcessEnv; root: string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-cli-'))
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: root, XDG_STATE_HOME: path.join(root, 'state') }
  delete env.NVDIMM_PLATFORM
  return { env, root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) }
}

export function nvdimm(args: readonly string[], env: NodeJS.ProcessEnv): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' })
  return { stdout: result.stdout, stderr: result.stderr, rc: result.status ?? -1 }
}

export function nvdimmAsync(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ stdout, stderr, rc: code ?? -1 }))
  })
}
