import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Media } from '../../src/media/media.js'
import { MemoryMedia } from '../../src/media/memory-media.js'
import { type BttInfoBlock, decodeBttInfoBlock, encodeBttInfoBlock } from '../../src/btt/btt-info-block.js'
import {
  allocArena,
  type BttArenaPlan,
  bttInitialOffset,
  type BttVersion,
  bttVersionNumbers,
} from '../../src/btt/btt-layout.js'
import { encodeLogEntry } from '../../src/btt/btt-log.js'
import { GOLDEN, goldenText } from '../golden.js'

/**
 * `xxd -r` for the dumps in the golden folder: lines "OFFSET: hex groups  ascii"; a "*" line
 * stands for repeats of the line before it up to the next line's offset.
 */
export function xxdReverse(text: string, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let previous: { offset: number; data: number[] } | undefined
  let pendingRepeat = false
  for (const line of text.split('\n')) {
    if (line.trim() === '*') {
      pendingRepeat = true
      continue
    }
    const match = /^([0-9a-fA-F]+):\s((?:[0-9a-fA-F]{2,4}\s?)+)/.exec(line)
    if (!match) continue
    const offset = Number.parseInt(match[1]!, 16)
    const hexDigits = match[2]!.slice(0, 40).replace(/\s+/g, '')
    const data = hexDigits.match(/../g)!.map((pair) => Number.parseInt(pair, 16))
    if (pendingRepeat && previous) {
      for (let at = previous.offset + previous.data.length; at < offset; at += previous.data.length) {
        bytes.set(previous.data.slice(0, Math.min(previous.data.length, offset - at)), at)
      }
    }
    pendingRepeat = false
    bytes.set(data, offset)
    previous = { offset, data }
  }
  return bytes
}

export const PAD_COMPAT_SIZE = 64 * 1024 * 1024

/** The btt-pad-compat image as a 64 MiB namespace (MemoryMedia). */
export function padCompatMedia(): MemoryMedia {
  const bytes = xxdReverse(goldenText('ndctl-label-compat', 'btt-pad-compat.xxd'), PAD_COMPAT_SIZE)
  const media = new MemoryMedia(BigInt(PAD_COMPAT_SIZE))
  // Only the chunks that hold something: the image is sparse.
  const CHUNK = 1 << 16
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const chunk = bytes.subarray(at, at + CHUNK)
    if (chunk.some((b) => b !== 0)) media.write(BigInt(at), chunk)
  }
  return media
}

/** Decompress a golden .xz into a temp file with the system's xz; undefined when xz is missing. */
export function unxz(...parts: string[]): string | undefined {
  const source = path.join(GOLDEN, ...parts)
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-btt-'))
  const target = path.join(dir, path.basename(source).replace(/\.xz$/, ''))
  const fd = fs.openSync(target, 'w')
  try {
    execFileSync('xz', ['-dc', source], { stdio: ['ignore', fd, 'inherit'], maxBuffer: 1 << 30 })
  } finally {
    fs.closeSync(fd)
  }
  return target
}

/** A sector of `size` bytes whose content says which LBA and which write it is. */
export function pattern(size: number, lba: number, generation: number): Uint8Array {
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i + 8 <= size; i += 8) {
    view.setUint32(i, lba, true)
    view.setUint32(i + 4, (generation * 0x9e3779b1 + i) >>> 0, true)
  }
  return bytes
}

export function readAll(media: Media, offset: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  media.read(offset, bytes)
  return bytes
}

/** A logger that keeps every line, with its level. */
export function recordingLogger(): {
  lines: string[]
  debug(m: string): void
  info(m: string): void
  warn(m: string): void
  error(m: string): void
} {
  const lines: string[] = []
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  }
}

/** Media that remembers every write (offset and length), in order. */
export class RecordingMedia implements Media {
  readonly writes: { offset: bigint; length: number }[] = []

  constructor(readonly inner: Media) {}

  get size(): bigint {
    return this.inner.size
  }

  read(offset: bigint, target: Uint8Array): void {
    this.inner.read(offset, target)
  }

  write(offset: bigint, source: Uint8Array): void {
    this.writes.push({ offset, length: source.length })
    this.inner.write(offset, source)
  }

  sync(): void {
    this.inner.sync()
  }

  close(): void {
    this.inner.close()
  }
}

/**
 * A fresh sparse medium that drops large all-zero writes: the map zeroing of a 512 GiB arena
 * would otherwise make MemoryMedia hold half a gigabyte of zeros it already reads as zero.
 */
export class ZeroSkippingMedia extends MemoryMedia {
  private zeros = Buffer.alloc(0)

  override write(offset: bigint, source: Uint8Array): void {
    if (source.length >= 1 << 16) {
      if (this.zeros.length !== source.length) this.zeros = Buffer.alloc(source.length)
      if (this.zeros.equals(source)) return
    }
    super.write(offset, source)
  }
}

/** The non-zero 64 KiB pieces of a medium, to rebuild copies of it quickly. */
export interface MediaSnapshot {
  size: bigint
  pieces: { offset: bigint; bytes: Uint8Array }[]
}

export function snapshot(media: Media): MediaSnapshot {
  const CHUNK = 1n << 16n
  const pieces: MediaSnapshot['pieces'] = []
  for (let at = 0n; at < media.size; at += CHUNK) {
    const length = media.size - at < CHUNK ? Number(media.size - at) : Number(CHUNK)
    const part = new Uint8Array(length)
    media.read(at, part)
    if (part.some((b) => b !== 0)) pieces.push({ offset: at, bytes: part })
  }
  return { size: media.size, pieces }
}

export function restore(image: MediaSnapshot): MemoryMedia {
  const media = new MemoryMedia(image.size)
  for (const piece of image.pieces) media.write(piece.offset, piece.bytes)
  return media
}

/**
 * A BTT with two small arenas (the kernel only makes a second one past 512 GiB): arena 0 of
 * `firstSize` bytes, arena 1 the rest, laid out as btt_arena_write_layout() would.
 */
export function writeTwoArenaLayout(
  media: Media,
  options: { version: BttVersion; uuid: string; parentUuid: string; firstSize: bigint; lbasize?: number },
): BttArenaPlan[] {
  const lbasize = options.lbasize ?? 4096
  const initial = bttInitialOffset(options.version)
  const rawsize = media.size - initial
  const first = allocArena(options.firstSize, lbasize, 0n, 0n)
  first.nextoff = options.firstSize
  const second = allocArena(rawsize - options.firstSize, lbasize, options.firstSize, BigInt(first.externalNlba))
  const { major, minor } = bttVersionNumbers(options.version)
  for (const plan of [first, second]) {
    media.write(initial + plan.mapoff, new Uint8Array(Number(plan.logoff - plan.mapoff)))
    media.write(initial + plan.logoff, new Uint8Array(Number(plan.info2off - plan.logoff)))
    for (let lane = 0; lane < plan.nfree; lane++) {
      const block = plan.externalNlba + lane
      const entry = encodeLogEntry({ lba: lane, oldMap: block, newMap: block, seq: 1 })
      media.write(initial + plan.logoff + BigInt(lane * 64), entry)
    }
    const info = encodeBttInfoBlock({
      uuid: options.uuid,
      parentUuid: options.parentUuid,
      flags: 0,
      versionMajor: major,
      versionMinor: minor,
      externalLbasize: plan.externalLbasize,
      externalNlba: plan.externalNlba,
      internalLbasize: plan.internalLbasize,
      internalNlba: plan.internalNlba,
      nfree: plan.nfree,
      infosize: 4096,
      nextoff: plan.nextoff,
      dataoff: plan.dataoff - plan.infooff,
      mapoff: plan.mapoff - plan.infooff,
      logoff: plan.logoff - plan.infooff,
      info2off: plan.info2off - plan.infooff,
      checksum: 0n,
    })
    media.write(initial + plan.info2off, info)
    media.write(initial + plan.infooff, info)
  }
  return [first, second]
}

/** Rewrite an info block in place with some fields changed and a correct checksum. */
export function patchInfoBlock(media: Media, offset: bigint, change: Partial<BttInfoBlock>): void {
  const current = decodeBttInfoBlock(readAll(media, offset, 4096))
  media.write(offset, encodeBttInfoBlock({ ...current, ...change }))
}
