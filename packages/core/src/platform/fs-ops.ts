import * as fs from 'node:fs'
import * as path from 'node:path'
import { FileMedia } from '../media/file-media.js'

/**
 * Every file-system change the platform store makes goes through this interface, so a test
 * can stop the world at any single write (see crashAfter() in @nvdimm/core/testing) and check
 * that what is left on disk is the old state or the new one.
 */
export interface FsOps {
  mkdir(dir: string): void
  /** Create `file` with `data`, flushed to disk; fails with EEXIST when `exclusive` and it exists. */
  writeDurable(file: string, data: string | Uint8Array, exclusive?: boolean): void
  /** Create or extend a sparse file to `size` bytes. */
  createSparse(file: string, size: bigint): void
  rename(from: string, to: string): void
  link(existing: string, newPath: string): void
  unlink(file: string): void
  rmrf(target: string): void
  /** Make a directory's entries (renames, creations) durable. */
  fsyncDir(dir: string): void
}

export const realFs: FsOps = {
  mkdir(dir) {
    fs.mkdirSync(dir, { recursive: true })
  },
  writeDurable(file, data, exclusive = false) {
    const fd = fs.openSync(file, exclusive ? 'wx' : 'w')
    try {
      fs.writeFileSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  },
  createSparse(file, size) {
    FileMedia.create(file, size)
  },
  rename(from, to) {
    fs.renameSync(from, to)
  },
  link(existing, newPath) {
    fs.linkSync(existing, newPath)
  },
  unlink(file) {
    fs.unlinkSync(file)
  },
  rmrf(target) {
    fs.rmSync(target, { recursive: true, force: true })
  },
  fsyncDir(dir) {
    const fd = fs.openSync(dir, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  },
}

/** Replace `file` atomically: write a sibling, flush it, rename it over, flush the directory. */
export function writeFileAtomic(ops: FsOps, file: string, data: string): void {
  const temporary = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  try {
    ops.writeDurable(temporary, data)
    ops.rename(temporary, file)
  } catch (error) {
    try {
      fs.rmSync(temporary, { force: true })
    } catch {
      // the temporary file is swept on the next open
    }
    throw error
  }
  ops.fsyncDir(path.dirname(file))
}
