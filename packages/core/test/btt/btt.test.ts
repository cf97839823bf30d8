import { describe, expect, it } from 'vitest'
import { Btt } from '../../src/btt/btt.js'
import { checkBtt } from '../../src/btt/btt-check.js'
import { MAP_ERR_MASK, MAP_TRIM_MASK } from '../../src/btt/btt-info-block.js'
import { bttCapacity, type BttVersion, bttInitialOffset } from '../../src/btt/btt-layout.js'
import { decodeLogGroup, encodeLogEntry } from '../../src/btt/btt-log.js'
import { NvdimmError } from '../../src/errors.js'
import { MemoryMedia } from '../../src/media/memory-media.js'
import { NULL_UUID } from '../../src/util/uuid.js'
import {
  patchInfoBlock,
  pattern,
  readAll,
  RecordingMedia,
  recordingLogger,
  writeTwoArenaLayout,
  ZeroSkippingMedia,
} from './helpers.js'

const MiB = 1n << 20n
const GiB = 1n << 30n
const uuid = '32967cad-eeaa-4902-a3de-78fd9db160b0'
const parentUuid = 'cca44728-857a-4648-9abe-b4d85e010717'

function fresh(size = 32n * MiB, version: BttVersion = '2.0', lbasize = 4096) {
  const media = new MemoryMedia(size)
  const btt = Btt.attach(media, { version, lbasize, uuid, parentUuid })
  return { media, btt }
}

function reattach(media: MemoryMedia | RecordingMedia, version: BttVersion = '2.0', lbasize = 4096) {
  return Btt.attach(media, { version, lbasize, uuid, parentUuid })
}

function sectorAt(btt: Btt, lba: bigint): Uint8Array {
  const sector = new Uint8Array(btt.sectorSize)
  btt.readSector(lba, sector)
  return sector
}

function u32(media: MemoryMedia, offset: bigint): number {
  return new DataView(readAll(media, offset, 4).buffer).getUint32(0, true)
}

function putU32(media: MemoryMedia, offset: bigint, value: number): void {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true)
  media.write(offset, bytes)
}

describe('Btt: a new layout', () => {
  it('exposes the geometry: nlba, sector size, size, version, arenas', () => {
    const { btt } = fresh(32n * MiB, '1.1')
    expect(btt).toMatchObject({
      nlba: 7920n,
      sectorSize: 4096,
      lbasize: 4096,
      size: 32440320n,
      uuid,
      parentUuid,
      version: '1.1',
      initialOffset: 4096n,
    })
    expect(btt.arenas).toHaveLength(1)
    expect(btt.arenas[0]).toMatchObject({
      index: 0,
      internalNlba: 8176,
      externalNlba: 7920,
      nfree: 256,
      logIndex: [0, 1],
    })
    expect(btt.freeEntry(0, 0)).toEqual({ block: 7920, sub: 1, seq: 2, hasErr: false })
  })

  it('writes the layout in the kernel order: map zeros, log zeros, slot 0 entries, info2, primary', () => {
    const media = new RecordingMedia(new MemoryMedia(32n * MiB))
    const logger = recordingLogger()
    Btt.attach(media, { version: '1.1', lbasize: 4096, uuid, parentUuid, logger })
    expect(logger.lines).toEqual(['info: No existing arenas', 'debug: init: 1 arenas for 33550336 rawsize'])
    const base = 4096n
    const w = media.writes
    expect(w[0]).toEqual({ offset: base + 0x1ff2000n, length: 0x8000 })
    expect(w.slice(1, 5)).toEqual(
      [0, 1, 2, 3].map((i) => ({ offset: base + 0x1ffa000n + BigInt(i) * 4096n, length: 4096 })),
    )
    for (let lane = 0; lane < 256; lane++) {
      expect(w[5 + lane]).toEqual({ offset: base + 0x1ffa000n + BigInt(lane * 64), length: 16 })
    }
    expect(w.slice(261)).toEqual([
      { offset: base + 0x1ffe000n, length: 4096 },
      { offset: base, length: 4096 },
    ])
  })

  it('refuses a namespace too small for one arena (ENXIO) and unsupported sector sizes (EINVAL)', () => {
    const small = new MemoryMedia(16n * MiB)
    expect(() => Btt.attach(small, { version: '1.1', lbasize: 4096, uuid, parentUuid })).toThrowError(
      expect.objectContaining({ errno: 'ENXIO' }),
    )
    expect(() => Btt.attach(small, { version: '2.0', lbasize: 1000, uuid, parentUuid })).toThrowError(
      expect.objectContaining({ errno: 'EINVAL' }),
    )
    expect(Btt.attach(small, { version: '2.0', lbasize: 4096, uuid, parentUuid }).nlba).toBe(
      bttCapacity(16n * MiB, '2.0', 4096).nlba,
    )
  })

  it('on a read-only region: no layout is written (EROFS), and an existing BTT refuses writes', () => {
    const media = new RecordingMedia(new MemoryMedia(32n * MiB))
    const logger = recordingLogger()
    expect(() =>
      Btt.attach(media, {
        version: '2.0',
        lbasize: 4096,
        uuid,
        parentUuid,
        readOnly: true,
        logger,
        regionName: 'region1',
      }),
    ).toThrowError(expect.objectContaining({ errno: 'EROFS' }))
    expect(logger.lines).toContain('warn: region1 is read-only, unable to init btt metadata')
    expect(media.writes).toEqual([])
    Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid })
    const ro = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, readOnly: true })
    expect(() => ro.writeSector(0n, new Uint8Array(4096))).toThrowError(expect.objectContaining({ errno: 'EROFS' }))
    expect(sectorAt(ro, 0n).every((b) => b === 0)).toBe(true)
  })

  it('probe() finds only a valid block of exactly the asked version', () => {
    const { media } = fresh(32n * MiB, '2.0')
    expect(Btt.probe(media, '2.0', parentUuid)).toMatchObject({ uuid, parentUuid, versionMajor: 2, versionMinor: 0 })
    expect(Btt.probe(media, '1.1', parentUuid)).toBeUndefined()
    expect(Btt.probe(media, '2.0', NULL_UUID)).toBeUndefined()
    patchInfoBlock(media, 0n, { versionMinor: 1 })
    expect(Btt.probe(media, '2.0', parentUuid)).toBeUndefined()
    expect(Btt.probe(new MemoryMedia(1000n), '2.0', parentUuid)).toBeUndefined()
  })
})

describe('Btt: reads and writes', () => {
  it('reads back what was written, overwrites, and keeps data across a re-attach', () => {
    const { media, btt } = fresh()
    const model = new Map<bigint, Uint8Array>()
    let generation = 0
    for (const lba of [0n, 7n, 4000n, 7n, btt.nlba - 1n, 0n, 123n, 7n]) {
      const data = pattern(4096, Number(lba), ++generation)
      btt.writeSector(lba, data, generation % 3)
      model.set(lba, data)
    }
    for (const [lba, data] of model) expect(sectorAt(btt, lba)).toEqual(data)
    const again = reattach(media)
    for (const [lba, data] of model) expect(sectorAt(again, lba)).toEqual(data)
    for (const lane of [0, 1, 2]) expect(again.freeEntry(0, lane)).toEqual(btt.freeEntry(0, lane))
    // never-written LBAs read the media under their identity block: zeros on a fresh medium
    expect(sectorAt(again, 5n).every((b) => b === 0)).toBe(true)
    expect(checkBtt(media, { parentUuid }).rc).toBe('OK')
  })

  it('a never-written LBA returns whatever the media holds at its own block (no zeroing)', () => {
    const { media, btt } = fresh()
    const stale = pattern(4096, 5, 99)
    media.write(4096n + 5n * 4096n, stale)
    expect(sectorAt(btt, 5n)).toEqual(stale)
  })

  it('makes exactly the kernel writes for a sector: data, log entry, map entry', () => {
    const { media } = fresh(32n * MiB, '2.0')
    const recording = new RecordingMedia(media)
    const btt = reattach(recording)
    recording.writes.length = 0
    btt.writeSector(9n, pattern(4096, 9, 1), 3)
    const free = 7921 + 3
    expect(recording.writes).toEqual([
      { offset: 4096n + BigInt(free) * 4096n, length: 4096 },
      { offset: 0x1ffb000n + 3n * 64n + 16n, length: 16 },
      { offset: 0x1ff3000n + 9n * 4n, length: 4 },
    ])
    expect(decodeLogGroup(readAll(media, 0x1ffb000n + 3n * 64n, 64))[1]).toEqual({
      lba: 9,
      oldMap: 9,
      newMap: free,
      seq: 2,
    })
    expect(u32(media, 0x1ff3000n + 36n)).toBe((0xc0000000 | free) >>> 0)
    expect(btt.freeEntry(0, 3)).toEqual({ block: 9, sub: 0, seq: 3, hasErr: false })
  })

  it('reads and writes several sectors at once', () => {
    const { btt } = fresh()
    const data = new Uint8Array(3 * 4096)
    data.set(pattern(4096, 10, 1), 0)
    data.set(pattern(4096, 11, 1), 4096)
    data.set(pattern(4096, 12, 1), 8192)
    btt.write(10n, data)
    const back = new Uint8Array(3 * 4096)
    btt.read(10n, back)
    expect(back).toEqual(data)
    expect(() => btt.read(10n, new Uint8Array(5000))).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    btt.read(0n, new Uint8Array(0))
  })

  it('refuses LBAs beyond the end (EIO), wrong buffer sizes (EINVAL) and lanes outside 0..255', () => {
    const { btt } = fresh()
    const sector = new Uint8Array(4096)
    for (const lba of [btt.nlba, btt.nlba + 100n, -1n]) {
      expect(() => btt.readSector(lba, sector)).toThrowError(
        expect.objectContaining({ errno: 'EIO', message: expect.stringContaining('beyond the end') }),
      )
      expect(() => btt.writeSector(lba, sector)).toThrowError(expect.objectContaining({ errno: 'EIO' }))
    }
    expect(() => btt.write(btt.nlba - 1n, new Uint8Array(8192))).toThrowError(expect.objectContaining({ errno: 'EIO' }))
    expect(() => btt.readSector(0n, new Uint8Array(512))).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => btt.writeSector(0n, new Uint8Array(4104))).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => btt.writeSector(0n, sector, 256)).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => btt.writeSector(0n, sector, 1.5)).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    btt.writeSector(0n, sector, 255)
  })

  for (const lbasize of [512, 520, 528, 4104, 4160, 4224]) {
    it(`lbasize ${lbasize}: ${lbasize >= 4096 ? 4096 : 512}-byte sectors at internal blocks of ${Math.ceil(lbasize / 64) * 64} bytes`, () => {
      const { media, btt } = fresh(32n * MiB, '2.0', lbasize)
      const sectorSize = lbasize >= 4096 ? 4096 : 512
      const internal = Math.ceil(lbasize / 64) * 64
      expect(btt.sectorSize).toBe(sectorSize)
      expect(btt.size).toBe(btt.nlba * BigInt(sectorSize))
      expect(btt.arenas[0]!.internalLbasize).toBe(internal)
      const data = pattern(sectorSize, 3, 1)
      btt.writeSector(3n, data)
      const block = btt.arenas[0]!.externalNlba // lane 0's first free block
      expect(readAll(media, 4096n + BigInt(block * internal), sectorSize)).toEqual(data)
      // the integrity bytes after the sector are left alone
      expect(
        readAll(media, 4096n + BigInt(block * internal + sectorSize), internal - sectorSize).every((b) => b === 0),
      ).toBe(true)
      expect(sectorAt(reattach(media, '2.0', lbasize), 3n)).toEqual(data)
    })
  }
})

describe('Btt: map flags', () => {
  const MAP = 0x1ff3000n // 32 MiB, 2.0

  it('a trimmed (Z) entry reads zeros without touching the media', () => {
    const { media, btt } = fresh()
    btt.writeSector(4n, pattern(4096, 4, 1))
    const block = u32(media, MAP + 16n) & 0x3fffffff
    putU32(media, MAP + 16n, (MAP_TRIM_MASK | block) >>> 0)
    const again = reattach(media)
    expect(sectorAt(again, 4n).every((b) => b === 0)).toBe(true)
    expect(readAll(media, 4096n + BigInt(block) * 4096n, 4096)).toEqual(pattern(4096, 4, 1))
  })

  it('an error (E) entry fails reads with EIO; a write over it logs the E flag and zeroes the bad block', () => {
    const { media, btt } = fresh()
    btt.writeSector(4n, pattern(4096, 4, 1))
    const bad = u32(media, MAP + 16n) & 0x3fffffff
    putU32(media, MAP + 16n, (MAP_ERR_MASK | bad) >>> 0)
    const logger = recordingLogger()
    const again = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })
    expect(() => again.readSector(4n, new Uint8Array(4096))).toThrowError(expect.objectContaining({ errno: 'EIO' }))
    expect(logger.lines).toContain('error: io error in READ sector 32, len 4096,')

    const lane = 5
    const free = again.freeEntry(0, lane)
    again.writeSector(4n, pattern(4096, 4, 2), lane)
    const entries = decodeLogGroup(readAll(media, 0x1ffb000n + BigInt(lane * 64), 64))
    expect(entries[free.sub]).toEqual({ lba: 4, oldMap: (MAP_ERR_MASK | bad) >>> 0, newMap: free.block, seq: free.seq })
    // the bad block was zeroed right away (arena_clear_freelist_error) and is the lane's free block
    expect(readAll(media, 4096n + BigInt(bad) * 4096n, 4096).every((b) => b === 0)).toBe(true)
    expect(again.freeEntry(0, lane)).toMatchObject({ block: bad, hasErr: false })
    expect(sectorAt(again, 4n)).toEqual(pattern(4096, 4, 2))
    // recovery sees the E flag in the log: it clears the block again and starts clean
    media.write(4096n + BigInt(bad) * 4096n, pattern(4096, 0, 7))
    const third = reattach(media)
    expect(third.freeEntry(0, lane)).toMatchObject({ block: bad, hasErr: false })
    expect(readAll(media, 4096n + BigInt(bad) * 4096n, 4096).every((b) => b === 0)).toBe(true)
    expect(sectorAt(third, 4n)).toEqual(pattern(4096, 4, 2))
  })

  it('a media read error marks the map entry E persistently', () => {
    const { media, btt } = fresh()
    btt.writeSector(6n, pattern(4096, 6, 1))
    const block = u32(media, MAP + 24n) & 0x3fffffff
    const failing = new (class extends RecordingMedia {
      override read(offset: bigint, target: Uint8Array): void {
        if (offset === 4096n + BigInt(block) * 4096n) throw new NvdimmError('EIO', 'badblock')
        super.read(offset, target)
      }
    })(media)
    const again = reattach(failing)
    expect(() => again.readSector(6n, new Uint8Array(4096))).toThrowError(expect.objectContaining({ errno: 'EIO' }))
    expect(u32(media, MAP + 24n)).toBe((MAP_ERR_MASK | block) >>> 0)
  })

  it('an arena with the info-block error flag attaches but refuses writes', () => {
    const { media } = fresh()
    patchInfoBlock(media, 0n, { flags: 1 })
    const logger = recordingLogger()
    const btt = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })
    expect(logger.lines).toContain('info: Found arena with an error flag')
    expect(btt.arenas[0]!.flags).toBe(1)
    expect(() => btt.writeSector(0n, new Uint8Array(4096))).toThrowError(expect.objectContaining({ errno: 'EIO' }))
    btt.readSector(0n, new Uint8Array(4096))
  })
})

describe('Btt: the old (0,2) log format', () => {
  it('is detected, written in slots 0 and 2, and still detected after a re-attach', () => {
    const { media } = fresh()
    const LOG = 0x1ffb000n
    // an old kernel wrote LBA 0 on lane 6: its slot 2 {0, 0, 7927, 2}, and the map
    media.write(LOG + 6n * 64n + 32n, encodeLogEntry({ lba: 0, oldMap: 0, newMap: 7927, seq: 2 }))
    putU32(media, 0x1ff3000n, (0xc0000000 | 7927) >>> 0)
    const btt = reattach(media)
    expect(btt.arenas[0]!.logIndex).toEqual([0, 2])
    expect(btt.freeEntry(0, 6)).toEqual({ block: 0, sub: 0, seq: 3, hasErr: false })
    expect(btt.freeEntry(0, 0)).toEqual({ block: 7921, sub: 1, seq: 2, hasErr: false })
    btt.writeSector(1n, pattern(4096, 1, 1), 0)
    btt.writeSector(2n, pattern(4096, 2, 1), 6)
    const lane0 = decodeLogGroup(readAll(media, LOG, 64))
    expect(lane0[1]).toEqual({ lba: 0, oldMap: 0, newMap: 0, seq: 0 })
    expect(lane0[2]).toEqual({ lba: 1, oldMap: 1, newMap: 7921, seq: 2 })
    const lane6 = decodeLogGroup(readAll(media, LOG + 6n * 64n, 64))
    expect(lane6[0]).toEqual({ lba: 2, oldMap: 2, newMap: 0, seq: 3 })
    expect(lane6[1]).toEqual({ lba: 0, oldMap: 0, newMap: 0, seq: 0 })
    const again = reattach(media)
    expect(again.arenas[0]!.logIndex).toEqual([0, 2])
    expect(sectorAt(again, 1n)).toEqual(pattern(4096, 1, 1))
    expect(sectorAt(again, 2n)).toEqual(pattern(4096, 2, 1))
    expect(checkBtt(media, { parentUuid }).rc).toBe('OK')
  })
})

describe('Btt: recovery and discovery errors', () => {
  it('rolls a map update forward when the log entry landed but the map write did not', () => {
    const { media, btt } = fresh()
    const before = pattern(4096, 8, 1)
    btt.writeSector(8n, before)
    const oldEntry = u32(media, 0x1ff3000n + 32n)
    btt.writeSector(8n, pattern(4096, 8, 2), 1)
    const newEntry = u32(media, 0x1ff3000n + 32n)
    putU32(media, 0x1ff3000n + 32n, oldEntry) // the lost W3
    expect(sectorAt(btt, 8n)).toEqual(pattern(4096, 8, 2)) // (the cache still has it)
    const recording = new RecordingMedia(media)
    const again = reattach(recording)
    expect(recording.writes).toEqual([{ offset: 0x1ff3000n + 32n, length: 4 }])
    expect(u32(media, 0x1ff3000n + 32n)).toBe(newEntry)
    expect(sectorAt(again, 8n)).toEqual(pattern(4096, 8, 2))
  })

  it('the 600 GiB layout: two arenas, I/O in the second, found again on re-attach', () => {
    const media = new ZeroSkippingMedia(600n * GiB)
    const logger = recordingLogger()
    const btt = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })
    expect(logger.lines).toContain('debug: init: 2 arenas for 644245094400 rawsize')
    expect(btt.nlba).toBe(157132422n)
    expect(btt.size).toBe(643614400512n)
    expect(btt.arenas.map((a) => [a.infooff, a.externalLbaStart, a.externalNlba, a.nextoff])).toEqual([
      [0n, 0n, 134086520, 0x8000000000n],
      [0x8000000000n, 134086520n, 23045902, 0n],
    ])
    const first = 134086520n
    const lbas = [first, first + 5n, btt.nlba - 1n, first - 1n]
    lbas.forEach((lba, i) => btt.writeSector(lba, pattern(4096, i, 1), i))
    // arena 1's lane 0 free block was its block external_nlba: the data went there
    expect(readAll(media, 0x8000000000n + 4096n + 23045902n * 4096n, 4096)).toEqual(pattern(4096, 0, 1))
    const again = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid })
    expect(again.arenas.map((a) => a.infooff)).toEqual([0n, 0x8000000000n])
    lbas.forEach((lba, i) => expect(sectorAt(again, lba)).toEqual(pattern(4096, i, 1)))
  })

  it('two small arenas: discovered in order, LBAs split between them', () => {
    const media = new MemoryMedia(40n * MiB)
    const [a0, a1] = writeTwoArenaLayout(media, { version: '2.0', uuid, parentUuid, firstSize: 20n * MiB })
    const btt = reattach(media)
    expect(btt.arenas.map((a) => [a.infooff, a.size, a.externalNlba, a.nextoff])).toEqual([
      [0n, 20n * MiB, a0!.externalNlba, 20n * MiB],
      [20n * MiB, 20n * MiB, a1!.externalNlba, 0n],
    ])
    expect(btt.nlba).toBe(BigInt(a0!.externalNlba + a1!.externalNlba))
    btt.writeSector(BigInt(a0!.externalNlba), pattern(4096, 1, 1))
    expect(readAll(media, 20n * MiB + 4096n + BigInt(a1!.externalNlba) * 4096n, 4096)).toEqual(pattern(4096, 1, 1))
    expect(checkBtt(media, { parentUuid }).rc).toBe('OK')
  })

  it('a corrupt later arena: ENODEV "Found corrupted metadata!", nothing written', () => {
    const media = new MemoryMedia(40n * MiB)
    writeTwoArenaLayout(media, { version: '2.0', uuid, parentUuid, firstSize: 20n * MiB })
    media.write(20n * MiB, new Uint8Array(16))
    const recording = new RecordingMedia(media)
    const logger = recordingLogger()
    expect(() => Btt.attach(recording, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })).toThrowError(
      expect.objectContaining({ errno: 'ENODEV' }),
    )
    expect(logger.lines).toEqual(['error: Found corrupted metadata!', 'error: init: error in arena_discover: -19'])
    expect(recording.writes).toEqual([])
  })

  it('an unknown padding scheme: ENXIO', () => {
    const { media } = fresh()
    media.write(0x1ffb000n + 64n + 48n, encodeLogEntry({ lba: 1, oldMap: 1, newMap: 7, seq: 2 }))
    const logger = recordingLogger()
    expect(() => Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })).toThrowError(
      expect.objectContaining({ errno: 'ENXIO' }),
    )
    expect(logger.lines).toEqual([
      'error: Found an unknown padding scheme',
      'error: Unable to deduce log/padding indices',
      'error: init: error in arena_discover: -6',
    ])
  })

  it('a log pair with equal sequence numbers: EIO "log corruption"', () => {
    const { media } = fresh()
    media.write(0x1ffb000n + 2n * 64n + 16n, encodeLogEntry({ lba: 3, oldMap: 3, newMap: 7923, seq: 1 }))
    const logger = recordingLogger()
    expect(() => Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })).toThrowError(
      expect.objectContaining({ errno: 'EIO' }),
    )
    expect(logger.lines).toEqual([
      'error: log corruption (-22): lane 2 seq [1, 1]',
      'error: init: error in arena_discover: -5',
    ])
  })

  it('nfree below the lane count: ENODEV', () => {
    const { media } = fresh()
    patchInfoBlock(media, 0n, { nfree: 128 })
    const logger = recordingLogger()
    expect(() => Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })).toThrowError(
      expect.objectContaining({ errno: 'ENODEV' }),
    )
    expect(logger.lines[0]).toBe('error: nfree 128 smaller than lane count 256')
  })

  it('offsets outside the namespace: EFAULT, nothing written', () => {
    const { media } = fresh()
    patchInfoBlock(media, 0n, { logoff: 1n << 40n })
    const recording = new RecordingMedia(media)
    expect(() => reattach(recording)).toThrowError(expect.objectContaining({ errno: 'EFAULT' }))
    expect(recording.writes).toEqual([])
  })

  it('a first info block of another namespace or version means a new layout', () => {
    const { media } = fresh(32n * MiB, '1.1')
    const logger = recordingLogger()
    const btt = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger })
    expect(logger.lines[0]).toBe('info: No existing arenas')
    expect(btt.initialOffset).toBe(bttInitialOffset('2.0'))
  })
})
