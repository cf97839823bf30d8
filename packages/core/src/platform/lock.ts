import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import { NvdimmError } from '../errors.js'
import { processAlive } from '../util/process.js'
import { type FsOps, realFs } from './fs-ops.js'

interface LockHolder {
  pid: number
  token: string
  hostname: string
}

/** Tokens of the locks this process holds; a lock of ours with another token was left by a crash. */
const heldTokens = new Set<string>()

export interface PlatformLock {
  release(): void
}

export interface LockOptions {
  /** How long to wait for another process to finish, in milliseconds. */
  timeoutMs?: number
  fs?: FsOps
}

function readHolder(file: string): LockHolder | 'missing' | 'unreadable' {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable'
  }
  try {
    const holder = JSON.parse(text) as LockHolder
    if (typeof holder.pid === 'number' && typeof holder.token === 'string') return holder
  } catch {
    // being written, or torn by a crash
  }
  return 'unreadable'
}

function isStale(holder: LockHolder | 'unreadable'): boolean {
  // The record appears whole (it is linked into place), so an unreadable one is damage.
  if (holder === 'unreadable') return true
  if (holder.hostname !== os.hostname()) return false
  if (holder.pid === process.pid) return !heldTokens.has(holder.token)
  return !processAlive(holder.pid)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * An exclusive inter-process lock: a file, linked into place whole, that names its holder. A lock
 * whose holder died is taken over by renaming it aside and checking that what was renamed is
 * the dead holder's record, so two processes cannot both take over the same stale lock.
 */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<PlatformLock> {
  const ops = options.fs ?? realFs
  const timeoutMs = options.timeoutMs ?? 30_000
  const token = randomUUID()
  const record = JSON.stringify({ pid: process.pid, token, hostname: os.hostname() })
  const deadline = Date.now() + timeoutMs
  let delay = 2
  for (;;) {
    if (tryCreate(ops, file, record)) {
      heldTokens.add(token)
      return { release: () => releaseLock(ops, file, token) }
    }
    const holder = readHolder(file)
    if (holder === 'missing') continue
    if (isStale(holder)) {
      takeOverStale(ops, file, holder, token)
      continue
    }
    if (Date.now() > deadline) {
      const who = holder === 'unreadable' ? 'another process' : `process ${holder.pid}`
      throw new NvdimmError('EBUSY', `${file} is held by ${who}; try again when it has finished`)
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 50)
  }
}

/** Create the lock with its whole record at once: write a private file, then link it into place. */
function tryCreate(ops: FsOps, file: string, record: string): boolean {
  const temporary = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  ops.writeDurable(temporary, record)
  try {
    ops.link(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return false
  } finally {
    try {
      ops.unlink(temporary)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
}

function takeOverStale(ops: FsOps, file: string, holder: LockHolder | 'unreadable', token: string): void {
  const aside = `${file}.stale-${token}`
  try {
    ops.rename(file, aside)
  } catch {
    return // someone else took it over first
  }
  const moved = readHolder(aside)
  const same =
    holder === 'unreadable'
      ? moved === 'unreadable'
      : moved !== 'missing' && moved !== 'unreadable' && moved.token === holder.token
  if (!same) {
    // We moved a fresh lock that replaced the stale one: put it back unless a newer one exists.
    try {
      ops.link(aside, file)
    } catch {
      // a newer lock is in place; the one we moved lost the race anyway
    }
  }
  try {
    ops.unlink(aside)
  } catch {
    // already gone
  }
}

function releaseLock(ops: FsOps, file: string, token: string): void {
  heldTokens.delete(token)
  const holder = readHolder(file)
  if (holder !== 'missing' && holder !== 'unreadable' && holder.token === token) ops.unlink(file)
}
