import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Btt } from '../../src/btt/btt.js'
import { checkBtt } from '../../src/btt/btt-check.js'
import { decodeBttInfoBlock } from '../../src/btt/btt-info-block.js'
import { decodeLogGroup } from '../../src/btt/btt-log.js'
import { FileMedia } from '../../src/media/file-media.js'
import { MediaWindow } from '../../src/media/media-window.js'
import { MemoryMedia } from '../../src/media/memory-media.js'
import { NULL_UUID } from '../../src/util/uuid.js'
import { firstDifference, goldenBytes, goldenText, hasGolden } from '../golden.js'
import { padCompatMedia, readAll, recordingLogger, unxz } from './helpers.js'

const MiB = 1n << 20n
const absent = 'golden data absent (../shared/golden)'

describe('ndctl btt-pad-compat.xxd: an old-format (0,2) BTT 2.0', () => {
  const uuid = 'f0d64d51-7ad4-44e2-8757-6b8e8e4f7500'

  it('attaches as 2.0 with log index (0,2) and reads LBA 0 from block 0x3eef', (ctx) => {
    if (!hasGolden) ctx.skip(absent)
    const media = padCompatMedia()
    expect(Btt.probe(media, '2.0', NULL_UUID)).toMatchObject({ uuid, versionMajor: 2, externalNlba: 16105 })
    expect(Btt.probe(media, '1.1', NULL_UUID)).toBeUndefined()
    const logger = recordingLogger()
    const btt = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid: NULL_UUID, logger })
    expect(logger.lines).toEqual([])
    expect(btt.nlba).toBe(16105n)
    expect(btt.size).toBe(65966080n)
    expect(btt.arenas[0]!.logIndex).toEqual([0, 2])
    const sector = new Uint8Array(4096)
    btt.readSector(0n, sector)
    expect(sector.subarray(0, 16)).toEqual(readAll(media, 0x3ef0000n, 16))
    expect(sector.subarray(0, 16).some((b) => b !== 0)).toBe(true)
    expect(sector.subarray(16).every((b) => b === 0)).toBe(true)
    // The free list the kernel builds (btt.md §5.1).
    expect(btt.freeEntry(0, 6)).toEqual({ block: 0, sub: 0, seq: 3, hasErr: false })
    for (const lane of [0, 5, 7, 255]) {
      expect(btt.freeEntry(0, lane)).toEqual({ block: 16105 + lane, sub: 1, seq: 2, hasErr: false })
    }
  })

  it('checks clean; rewrite-log + repair converts it to (0,1), which checks clean too', (ctx) => {
    if (!hasGolden) ctx.skip(absent)
    const media = padCompatMedia()
    const clean = checkBtt(media, { parentUuid: NULL_UUID, devname: 'namespace1.0' })
    expect(clean.rc).toBe('OK')
    expect(clean.messages.filter((m) => m.level === 'err')).toEqual([])
    expect(clean.arenas[0]!.logIndex).toEqual([0, 2])
    expect(clean.startOffset).toBe(0n)

    const rewritten = checkBtt(media, {
      parentUuid: NULL_UUID,
      repair: true,
      rewriteLog: true,
      devname: 'namespace1.0',
    })
    expect(rewritten.rc).toBe('OK')
    expect(rewritten.messages.map((m) => `${m.fn}: ${m.text}`)).toEqual([
      'namespace_check: WARNING: interruption may cause unrecoverable metadata corruption',
      'namespace_check: checking namespace1.0',
      'btt_discover_arenas: found 1 BTT arena',
      'log_set_indices: arena[0]: log_index_0 = 0',
      'log_set_indices: arena[0]: log_index_1 = 2',
      'btt_check_arenas: checking arena 0',
      'btt_rewrite_log: arena 0: rewriting log',
    ])
    // Lane 6 now holds its newer entry in slot 0 with seq 1 (btt.md §5.1).
    expect(decodeLogGroup(readAll(media, 0x3ffb180n, 64))).toEqual([
      { lba: 0, oldMap: 0, newMap: 16111, seq: 1 },
      { lba: 0, oldMap: 0, newMap: 0, seq: 0 },
      { lba: 0, oldMap: 0, newMap: 0, seq: 0 },
      { lba: 0, oldMap: 0, newMap: 0, seq: 0 },
    ])
    const after = checkBtt(media, { parentUuid: NULL_UUID })
    expect(after.rc).toBe('OK')
    expect(after.arenas[0]!.logIndex).toEqual([0, 1])

    const btt = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid: NULL_UUID })
    expect(btt.arenas[0]!.logIndex).toEqual([0, 1])
    expect(btt.freeEntry(0, 6)).toEqual({ block: 0, sub: 1, seq: 2, hasErr: false })
    const sector = new Uint8Array(4096)
    btt.readSector(0n, sector)
    expect(sector.subarray(0, 16)).toEqual(readAll(media, 0x3ef0000n, 16))
  })
})

describe('linux-6.1-qemu: a new sector namespace, byte for byte', () => {
  interface NamespaceRecord {
    uuid: string
    info_uuid: string
    mode: string
    dimm: string
    rawsize: number
    head_file: string
    tail_file: string
  }
  const cases = [
    ['nmem0', 'cca44728', '1.1'],
    ['nmem1', '1c83ef9a', '2.0'],
  ] as const
  for (const [dimm, short, version] of cases) {
    it(`${dimm} ${short}: a fresh 32 MiB layout (BTT ${version}) matches the kernel's head and tail`, (ctx) => {
      if (!hasGolden) ctx.skip(absent)
      const records = JSON.parse(goldenText('linux-6.1-qemu', 'media', 'namespaces.json')) as NamespaceRecord[]
      const record = records.find((r) => r.uuid.startsWith(short) && r.mode === 'sector')!
      expect(record.dimm).toBe(dimm)
      const size = BigInt(record.rawsize)
      expect(size).toBe(32n * MiB)
      const media = new MemoryMedia(size)
      const logger = recordingLogger()
      const btt = Btt.attach(media, {
        version,
        lbasize: 4096,
        uuid: record.info_uuid,
        parentUuid: record.uuid,
        logger,
      })
      expect(logger.lines).toContain('info: No existing arenas')
      expect(btt.size).toBe(version === '1.1' ? 32440320n : 32444416n)
      const head = goldenBytes('linux-6.1-qemu', 'media', record.head_file)
      const tail = goldenBytes('linux-6.1-qemu', 'media', record.tail_file)
      expect(firstDifference(readAll(media, 0n, head.length), head)).toBe(-1)
      expect(firstDifference(readAll(media, size - BigInt(tail.length), tail.length), tail)).toBe(-1)
      // and ndctl would find it clean
      expect(checkBtt(media, { parentUuid: record.uuid }).rc).toBe('OK')
    })
  }
})

describe('linux-6.1-qemu-data: two sector writes through the kernel', () => {
  const NS_SIZE = 64n * MiB
  const uuid = '8d6cbf1f-53ce-4295-b9ea-1fbc1d7bc85d'
  const parentUuid = '0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e'
  let image: string | undefined

  beforeAll(() => {
    if (hasGolden) image = unxz('linux-6.1-qemu-data', 'img0-256M+128K.xz')
  })
  afterAll(() => {
    if (image) fs.rmSync(path.dirname(image), { recursive: true, force: true })
  })

  /** What s07-write-sector wrote: the text, padded with zeros to a 4096-byte block (dd conv=sync). */
  function written(lba: number): Uint8Array {
    const argv = goldenText('linux-6.1-qemu-data', 's07-write-sector.argv')
    const match = new RegExp(`printf "([^"]+)" \\| dd of=/dev/pmem0s bs=4096 seek=${lba} `).exec(argv)
    expect(match).not.toBeNull()
    const block = new Uint8Array(4096)
    block.set(new TextEncoder().encode(match![1]!))
    return block
  }

  it('the 64 MiB namespace at image offset 0 attaches (1.1) and reads LBA 7 and 4000 back', (ctx) => {
    if (!hasGolden) ctx.skip(absent)
    if (!image) ctx.skip('xz is not installed')
    const file = new FileMedia(image!, { readOnly: true })
    try {
      const media = new MediaWindow(file, 0n, NS_SIZE)
      expect(Btt.probe(media, '1.1', parentUuid)).toMatchObject({ uuid, parentUuid })
      const btt = Btt.attach(media, { version: '1.1', lbasize: 4096, uuid, parentUuid, readOnly: true })
      expect(btt.size).toBe(65961984n)
      expect(btt.arenas[0]!.logIndex).toEqual([0, 1])
      const sector = new Uint8Array(4096)
      btt.readSector(7n, sector)
      expect(sector).toEqual(written(7))
      btt.readSector(4000n, sector)
      expect(sector).toEqual(written(4000))
      expect(new TextDecoder().decode(sector.subarray(0, 22))).toBe(
        goldenText('linux-6.1-qemu-data', 's09-readback.stdout').split('\n')[0],
      )
      // lane 0's free block is 4000, the one the second write freed (btt.md §5.3)
      expect(btt.freeEntry(0, 0)).toEqual({ block: 4000, sub: 1, seq: 1, hasErr: false })
      expect(checkBtt(media, { parentUuid }).rc).toBe('OK')
    } finally {
      file.close()
    }
  })

  it("replaying the kernel's two writes on a fresh layout gives the same namespace, byte for byte", (ctx) => {
    if (!hasGolden) ctx.skip(absent)
    if (!image) ctx.skip('xz is not installed')
    const media = new MemoryMedia(NS_SIZE)
    const btt = Btt.attach(media, { version: '1.1', lbasize: 4096, uuid, parentUuid })
    btt.writeSector(7n, written(7))
    btt.writeSector(4000n, written(4000))
    const file = new FileMedia(image!, { readOnly: true })
    try {
      const golden = new MediaWindow(file, 0n, NS_SIZE)
      // the log group of lane 0 and the two map entries first, for a readable failure
      expect(decodeLogGroup(readAll(media, 0x3ffb000n, 64))).toEqual(decodeLogGroup(readAll(golden, 0x3ffb000n, 64)))
      expect(readAll(media, 0x3feb01cn, 4)).toEqual(readAll(golden, 0x3feb01cn, 4))
      expect(readAll(media, 0x3feee80n, 4)).toEqual(readAll(golden, 0x3feee80n, 4))
      expect(decodeBttInfoBlock(readAll(media, 0x1000n, 4096))).toEqual(
        decodeBttInfoBlock(readAll(golden, 0x1000n, 4096)),
      )
      const step = 1 << 20
      for (let at = 0n; at < NS_SIZE; at += BigInt(step)) {
        const ours = readAll(media, at, step)
        const theirs = readAll(golden, at, step)
        const difference = firstDifference(ours, theirs)
        expect(difference === -1 ? -1 : at + BigInt(difference)).toBe(-1)
      }
    } finally {
      file.close()
    }
  })
})
