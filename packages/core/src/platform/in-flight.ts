import * as fs from 'node:fs'
import * as path from 'node:path'
import { z } from 'zod'
import { NvdimmError } from '../errors.js'
import type { InFlightStore } from '../persistence/cache-model.js'
import { type FsOps, writeFileAtomic } from './fs-ops.js'

/**
 * Stores a program left in flight when its session closed (written, not yet fenced or flushed
 * deep enough for the region's domain), kept beside platform.json so a later power failure, even
 * from another process, decides their fate. And the journal of a power failure being carried
 * out: the lines it leaves, and the runtime state after it, so a crash half way is finished on
 * the next try instead of half done.
 */

export const IN_FLIGHT_FILE = 'inflight.json'
export const POWER_FAIL_JOURNAL = 'power-fail.json'

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'bytes are base64')
const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

const inFlightSchema = z.strictObject({
  version: z.literal(1),
  regions: z.record(
    z.string().regex(/^region\d+$/),
    z.array(z.strictObject({ offset, stage: z.enum(['cached', 'written-back', 'controller']), before: base64 })),
  ),
})

const journalSchema = z.strictObject({
  version: z.literal(1),
  regions: z.record(z.string().regex(/^region\d+$/), z.array(z.strictObject({ offset, data: base64 }))),
  /** platform.json's runtime after the failure. */
  runtime: z.record(z.string(), z.unknown()),
})

export type PowerFailJournal = {
  regions: Record<string, { offset: bigint; data: Uint8Array }[]>
  runtime: Record<string, unknown>
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
const fromBase64 = (text: string) => Uint8Array.from(Buffer.from(text, 'base64'))

function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new NvdimmError('EINVAL', `${file}: the ${what} is not JSON; remove it to take every store as durable`)
  }
  const result = schema.safeParse(parsed)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new NvdimmError('EINVAL', `${file}: the ${what} is damaged (${issue.path.join('.')}: ${issue.message})`)
  }
  return result.data
}

export function loadInFlight(dir: string): Map<string, InFlightStore[]> {
  const saved = readJson(path.join(dir, IN_FLIGHT_FILE), inFlightSchema, 'record of stores in flight')
  const regions = new Map<string, InFlightStore[]>()
  for (const [name, stores] of Object.entries(saved?.regions ?? {})) {
    regions.set(
      name,
      stores.map((store) => ({ offset: store.offset, stage: store.stage, before: fromBase64(store.before) })),
    )
  }
  return regions
}

/** Save what is in flight, or remove the file when nothing is. */
export function saveInFlight(ops: FsOps, dir: string, regions: ReadonlyMap<string, readonly InFlightStore[]>): void {
  const file = path.join(dir, IN_FLIGHT_FILE)
  const entries = [...regions].filter(([, stores]) => stores.length > 0)
  if (entries.length === 0) {
    if (fs.existsSync(file)) ops.unlink(file)
    return
  }
  const json = {
    version: 1,
    regions: Object.fromEntries(
      entries.map(([name, stores]) => [
        name,
        stores.map((store) => ({ offset: store.offset, stage: store.stage, before: toBase64(store.before) })),
      ]),
    ),
  }
  writeFileAtomic(ops, file, `${JSON.stringify(json)}\n`)
}

export function loadJournal(dir: string): PowerFailJournal | undefined {
  const saved = readJson(path.join(dir, POWER_FAIL_JOURNAL), journalSchema, 'power-failure journal')
  if (!saved) return undefined
  return {
    runtime: saved.runtime,
    regions: Object.fromEntries(
      Object.entries(saved.regions).map(([name, lines]) => [
        name,
        lines.map((line) => ({ offset: BigInt(line.offset), data: fromBase64(line.data) })),
      ]),
    ),
  }
}

export function saveJournal(ops: FsOps, dir: string, journal: PowerFailJournal): void {
  const json = {
    version: 1,
    runtime: journal.runtime,
    regions: Object.fromEntries(
      Object.entries(journal.regions).map(([name, lines]) => [
        name,
        lines.map((line) => ({ offset: Number(line.offset), data: toBase64(line.data) })),
      ]),
    ),
  }
  writeFileAtomic(ops, path.join(dir, POWER_FAIL_JOURNAL), `${JSON.stringify(json)}\n`)
}
