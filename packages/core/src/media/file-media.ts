import * as fs from 'node:fs'
import { NvdimmError } from '../errors.js'
import { checkMediaRange, type Media } from './media.js'

export interface FileMediaOptions {
  /** Open read-only: writes fail with EROFS. */
  readOnly?: boolean
  /**
   * strict (the default, the CLI's): fdatasync at every durability point, so a host crash loses
   * nothing the model made durable. fast (tests, benchmarks): no fdatasync.
   */
  durability?: 'strict' | 'fast'
  /** How a strict durability point reaches the file (fdatasync); tests count the calls. */
  syncFile?: (fd: number) => void
  /** Media that starts `offset` bytes into the file (a label area at the end of a QEMU image). */
  offset?: bigint
  /** Bytes of the file to expose; defaults to the rest of the file. */
  size?: bigint
}

// fs.writeSync silently ignores a bigint position (it writes at the file pointer), so
// positions always travel as numbers; files beyond 2^53 bytes are refused.
function position(start: bigint, done: number): number {
  const at = start + BigInt(done)
  if (at > BigInt(Number.MAX_SAFE_INTEGER)) throw new NvdimmError('EFBIG', `file offset ${at} is beyond 2^53`)
  return Number(at)
}

/** Media backed by a (usually sparse) file, read and written with positional I/O. */
export class FileMedia implements Media {
  readonly size: bigint
  private readonly fd: number
  private readonly base: bigint
  private readonly readOnly: boolean
  private readonly strict: boolean
  private readonly syncFile: (fd: number) => void
  private closed = false

  constructor(
    readonly path: string,
    options: FileMediaOptions = {},
  ) {
    this.readOnly = options.readOnly ?? false
    this.strict = (options.durability ?? 'strict') === 'strict'
    this.syncFile = options.syncFile ?? fs.fdatasyncSync
    try {
      this.fd = fs.openSync(path, this.readOnly ? 'r' : 'r+')
    } catch (error) {
      throw new NvdimmError('ENXIO', `cannot open media file ${path}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    const fileSize = BigInt(fs.fstatSync(this.fd).size)
    this.base = options.offset ?? 0n
    this.size = options.size ?? fileSize - this.base
    if (this.base < 0n || this.size < 0n || this.base + this.size > fileSize) {
      fs.closeSync(this.fd)
      throw new NvdimmError(
        'EINVAL',
        `media file ${path} holds ${fileSize} bytes, fewer than the ${this.base + this.size} it must hold`,
      )
    }
  }

  /** Create (or extend) a sparse file of `size` bytes. */
  static create(path: string, size: bigint): void {
    const fd = fs.openSync(path, 'a')
    try {
      fs.ftruncateSync(fd, Number(size))
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }

  read(offset: bigint, target: Uint8Array): void {
    checkMediaRange(this, offset, target.length, 'read')
    let done = 0
    while (done < target.length) {
      const n = fs.readSync(this.fd, target, done, target.length - done, position(this.base + offset, done))
      if (n === 0) {
        target.fill(0, done)
        return
      }
      done += n
    }
  }

  write(offset: bigint, source: Uint8Array): void {
    if (this.readOnly) throw new NvdimmError('EROFS', `media file ${this.path} is open read-only`)
    checkMediaRange(this, offset, source.length, 'write')
    let done = 0
    while (done < source.length) {
      done += fs.writeSync(this.fd, source, done, source.length - done, position(this.base + offset, done))
    }
  }

  sync(): void {
    if (!this.readOnly && this.strict) this.syncFile(this.fd)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    fs.closeSync(this.fd)
  }
}
