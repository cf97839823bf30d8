import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Btt } from '../../src/btt/btt.js'
import { checkBtt } from '../../src/btt/btt-check.js'
import {
  BTT_INFO_SIZE,
  bttInfoBlockIsValid,
  decodeBttInfoBlock,
  encodeBttInfoBlock,
} from '../../src/btt/btt-info-block.js'
import { decodeLogEntry, decodeLogGroup, encodeLogGroup, logGetOld, logSetIndices } from '../../src/btt/btt-log.js'
import { NvdimmError } from '../../src/errors.js'
import { MemoryMedia } from '../../src/media/memory-media.js'
import { fuzzRuns } from '../../src/testing/index.js'
import { pattern, RecordingMedia, recordingLogger, restore, snapshot } from './helpers.js'

/** Garbage in: a value or a typed NvdimmError out, never a TypeError or RangeError. */
function decodesOrRefuses<T>(decode: () => T): T | undefined {
  try {
    return decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return undefined
  }
}

const MiB = 1n << 20n
const SIZE = 16n * MiB
const uuid = '684a835c-25fc-46a1-ac15-10211cc8cf70'
const parentUuid = '1c83ef9a-15ea-4b33-a0ae-24895b8b75d1'

/** A small 2.0 BTT that has seen some writes on a few lanes. */
const base = (() => {
  const media = new MemoryMedia(SIZE)
  const btt = Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid })
  for (let i = 0; i < 12; i++) btt.writeSector(BigInt((i * 37) % 50), pattern(4096, i, i), i % 3)
  return { image: snapshot(media), arena: btt.arenas[0]!, nlba: btt.nlba }
})()

const { arena } = base
const REGIONS = {
  info: [0n, 4096n],
  map: [arena.mapoff, arena.logoff],
  log: [arena.logoff, arena.info2off],
  info2: [arena.info2off, arena.info2off + 4096n],
  data: [arena.dataoff, arena.dataoff + 64n * 4096n],
} as const

type Region = keyof typeof REGIONS
const FIELDS = [
  'flags',
  'versionMajor',
  'externalLbasize',
  'externalNlba',
  'internalLbasize',
  'internalNlba',
  'nfree',
  'nextoff',
  'dataoff',
  'mapoff',
  'logoff',
  'info2off',
] as const
type Damage =
  | { kind: 'bytes'; region: Region; at: number; bytes: Uint8Array }
  | { kind: 'field'; field: (typeof FIELDS)[number]; value: number }

/** A damage to the image: bytes somewhere in one area, or a field of the primary re-checksummed. */
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    region: fc.constantFrom(...(Object.keys(REGIONS) as Region[])),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
  }),
  fc.record({
    kind: fc.constant('field' as const),
    field: fc.constantFrom(...FIELDS),
    value: fc.oneof(
      fc.integer({ min: 0, max: 20000 }),
      fc.constantFrom(0, 1, 255, 256, 257, 4095, 4096, 0x3fffffff, 0x40000000, 0x7fffffff, 0xffffffff),
    ),
  }),
)

function damaged(changes: Damage[]): MemoryMedia {
  const media = restore(base.image)
  for (const change of changes) {
    if (change.kind === 'bytes') {
      const [start, end] = REGIONS[change.region]
      const span = Number(end - start)
      const at = start + BigInt(change.at % span)
      const room = Number(SIZE - at)
      media.write(at, change.bytes.subarray(0, room))
    } else {
      const bytes = new Uint8Array(BTT_INFO_SIZE)
      media.read(0n, bytes)
      const info = decodeBttInfoBlock(bytes)
      const big = typeof info[change.field] === 'bigint'
      const value = big ? BigInt(change.value) * 4096n : change.value
      media.write(0n, encodeBttInfoBlock({ ...info, [change.field]: value }))
    }
  }
  return media
}

/** Writes attach may make on an existing BTT: roll-forward map entries, zeroing a bad free block. */
function documented(write: { offset: bigint; length: number }): boolean {
  const map = write.length === 4
  const clear = write.length === 4096
  return map || clear
}

describe('BTT decoders fed garbage', () => {
  it('info blocks, log entries and groups', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4100 }), fc.nat({ max: 40 }), (bytes, offset) => {
        decodesOrRefuses(() => decodeBttInfoBlock(bytes))
        decodesOrRefuses(() => bttInfoBlockIsValid(bytes, parentUuid))
        decodesOrRefuses(() => decodeLogEntry(bytes, offset))
        decodesOrRefuses(() => decodeLogGroup(bytes.subarray(0, 64)))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('an encoded info block decodes to itself and is valid', () => {
    const u32 = fc.nat({ max: 0xffffffff })
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
    fc.assert(
      fc.property(
        fc.record({
          flags: u32,
          externalNlba: u32,
          internalNlba: u32,
          nfree: u32,
          nextoff: u64,
          mapoff: u64,
          info2off: u64,
        }),
        (fields) => {
          const info = { ...decodeBttInfoBlock(new Uint8Array(4096)), uuid, parentUuid, ...fields }
          const bytes = encodeBttInfoBlock(info)
          expect({ ...decodeBttInfoBlock(bytes), checksum: 0n }).toEqual({ ...info, checksum: 0n })
          expect(bttInfoBlockIsValid(bytes, parentUuid)).toBe(true)
        },
      ),
      { numRuns: fuzzRuns() },
    )
  })

  it('log_set_indices and btt_log_get_old over random groups', () => {
    const entry = fc.record({
      lba: fc.constantFrom(0, 1, 7),
      oldMap: fc.constantFrom(0, 3),
      newMap: fc.constantFrom(0, 9),
      seq: fc.nat({ max: 5 }),
    })
    const group = fc.array(entry, { minLength: 4, maxLength: 4 })
    fc.assert(
      fc.property(fc.array(group, { minLength: 0, maxLength: 8 }), (groups) => {
        const decoded = groups.map((g) => decodeLogGroup(encodeLogGroup(g)))
        const index = decodesOrRefuses(() => logSetIndices(groups.length, (lane) => decoded[lane]!))
        if (index) {
          expect([1, 2]).toContain(index[1])
          for (const g of decoded) {
            expect([0, 1, undefined]).toContain(logGetOld(g, index))
            expect([0, 1]).toContain(logGetOld(g, index, false))
          }
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })
})

describe('attach and check over damaged images', () => {
  it('attach: a Btt or an NvdimmError, and no writes beyond the documented ones unless it starts over', () => {
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), fc.nat(), (changes, seed) => {
        const media = new RecordingMedia(damaged(changes))
        const logger = recordingLogger()
        const btt = decodesOrRefuses(() =>
          Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid, logger }),
        )
        const startedOver = logger.lines.includes('info: No existing arenas')
        if (!startedOver) for (const write of media.writes) expect(documented(write)).toBe(true)
        if (!btt) return
        // whatever it found, I/O fails only with NvdimmError
        const sector = new Uint8Array(btt.sectorSize)
        for (let i = 0; i < 3; i++) {
          const lba = BigInt((seed + i * 7919) % Number(btt.nlba + 2n))
          decodesOrRefuses(() => btt.readSector(lba, sector))
          decodesOrRefuses(() => btt.writeSector(lba, sector, (seed + i) % 256))
        }
      }),
      { numRuns: fuzzRuns(150) },
    )
  })

  it('check: never throws, never writes without --repair; --repair also never throws', () => {
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), fc.boolean(), (changes, rewriteLog) => {
        const media = new RecordingMedia(damaged(changes))
        const result = checkBtt(media, { parentUuid })
        expect(media.writes).toEqual([])
        expect(result.rc === 'OK' || result.messages.some((m) => m.level === 'err')).toBe(true)
        const repaired = checkBtt(media, { parentUuid, repair: true, rewriteLog })
        expect(typeof repaired.rc).toBe('string')
      }),
      { numRuns: fuzzRuns(150) },
    )
  })

  it('random info blocks (valid checksums, arbitrary geometry) on a zeroed namespace', () => {
    const small = fc.integer({ min: 0, max: 5000 })
    const offset = fc.oneof(
      fc.bigInt({ min: 0n, max: SIZE + 8192n }).map((v) => v & ~0xfffn),
      fc.constantFrom(0n, 4096n, (1n << 63n) - 4096n, (1n << 64n) - 4096n, 1n << 40n),
    )
    fc.assert(
      fc.property(
        fc.record({
          externalNlba: small,
          internalNlba: small,
          nfree: fc.oneof(fc.constantFrom(0, 255, 256, 300, 0xffffffff), fc.integer({ min: 256, max: 320 })),
          internalLbasize: fc.constantFrom(0, 512, 576, 4096, 4160),
          externalLbasize: fc.constantFrom(512, 520, 4096),
          flags: fc.constantFrom(0, 1),
          nextoff: fc.oneof(fc.constant(0n), offset),
          dataoff: offset,
          mapoff: offset,
          logoff: offset,
          info2off: offset,
        }),
        fc.boolean(),
        (fields, repair) => {
          const media = new RecordingMedia(new MemoryMedia(SIZE))
          const info = { ...decodeBttInfoBlock(new Uint8Array(4096)), uuid, parentUuid, versionMajor: 2, ...fields }
          media.write(0n, encodeBttInfoBlock(info))
          media.writes.length = 0
          const btt = decodesOrRefuses(() => Btt.attach(media, { version: '2.0', lbasize: 4096, uuid, parentUuid }))
          if (btt && btt.nlba > 0n) {
            decodesOrRefuses(() => btt.readSector(0n, new Uint8Array(4096)))
            decodesOrRefuses(() => btt.writeSector(btt.nlba - 1n, new Uint8Array(4096)))
          }
          const result = checkBtt(media, { parentUuid, repair })
          expect(typeof result.rc).toBe('string')
        },
      ),
      { numRuns: fuzzRuns(150) },
    )
  })
})
