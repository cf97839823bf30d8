import { describe, expect, it } from 'vitest'
import {
  BTT_INFO_SIZE,
  BTT_SIG,
  type BttInfoBlock,
  bttInfoBlockChecksum,
  bttInfoBlockIsValid,
  decodeBttInfoBlock,
  encodeBttInfoBlock,
} from '../../src/btt/btt-info-block.js'
import { bttArenaPlan, bttCapacity, bttInitialOffset } from '../../src/btt/btt-layout.js'
import {
  type BttLogEntry,
  decodeLogEntry,
  decodeLogGroup,
  encodeLogEntry,
  encodeLogGroup,
  logGetOld,
  logSetIndices,
  nextSeq,
  UNKNOWN_PADDING_SCHEME,
} from '../../src/btt/btt-log.js'
import { NvdimmError } from '../../src/errors.js'
import { NULL_UUID } from '../../src/util/uuid.js'

const MiB = 1n << 20n
const GiB = 1n << 30n

const sample: BttInfoBlock = {
  uuid: 'f0d64d51-7ad4-44e2-8757-6b8e8e4f7500',
  parentUuid: NULL_UUID,
  flags: 0,
  versionMajor: 2,
  versionMinor: 0,
  externalLbasize: 4096,
  externalNlba: 16105,
  internalLbasize: 4096,
  internalNlba: 16361,
  nfree: 256,
  infosize: 4096,
  nextoff: 0n,
  dataoff: 0x1000n,
  mapoff: 0x3feb000n,
  logoff: 0x3ffb000n,
  info2off: 0x3fff000n,
  checksum: 0n,
}

describe('BTT info block', () => {
  it('encodes the btt-pad-compat block with its checksum 0x29d8a903ca55b75d', () => {
    const bytes = encodeBttInfoBlock(sample)
    expect(bytes.length).toBe(BTT_INFO_SIZE)
    expect([...bytes.subarray(0, 16)]).toEqual([...BTT_SIG])
    const decoded = decodeBttInfoBlock(bytes)
    expect(decoded).toEqual({ ...sample, checksum: 0x29d8a903ca55b75dn })
    expect(bttInfoBlockChecksum(bytes)).toBe(0x29d8a903ca55b75dn)
    expect(bytes.subarray(120, 4088).every((b) => b === 0)).toBe(true)
  })

  it('round-trips any field values', () => {
    const info: BttInfoBlock = {
      ...sample,
      uuid: '32967cad-eeaa-4902-a3de-78fd9db160b0',
      parentUuid: 'cca44728-857a-4648-9abe-b4d85e010717',
      flags: 1,
      versionMajor: 1,
      versionMinor: 1,
      nextoff: 0x8000000000n,
      info2off: 0xffffffffffffffffn,
    }
    const decoded = decodeBttInfoBlock(encodeBttInfoBlock(info))
    expect({ ...decoded, checksum: 0n }).toEqual({ ...info, checksum: 0n })
  })

  it('refuses a block of the wrong length with EINVAL', () => {
    expect(() => decodeBttInfoBlock(new Uint8Array(4095))).toThrow(NvdimmError)
    expect(() => decodeBttInfoBlock(new Uint8Array(4097))).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(bttInfoBlockIsValid(new Uint8Array(10), NULL_UUID)).toBe(false)
  })

  it('validates like nd_btt_arena_is_valid: signature, parent uuid unless null, checksum', () => {
    const parent = 'cca44728-857a-4648-9abe-b4d85e010717'
    const own = encodeBttInfoBlock({ ...sample, parentUuid: parent })
    expect(bttInfoBlockIsValid(own, parent)).toBe(true)
    expect(bttInfoBlockIsValid(own, parent.toUpperCase())).toBe(true)
    expect(bttInfoBlockIsValid(own, NULL_UUID)).toBe(false)
    expect(bttInfoBlockIsValid(own, '1c83ef9a-15ea-4b33-a0ae-24895b8b75d1')).toBe(false)
    // A null parent matches any namespace ("sticky" images).
    const nullParent = encodeBttInfoBlock(sample)
    expect(bttInfoBlockIsValid(nullParent, parent)).toBe(true)
    expect(bttInfoBlockIsValid(nullParent, NULL_UUID)).toBe(true)
    const badSum = nullParent.slice()
    badSum[4088]! ^= 1
    expect(bttInfoBlockIsValid(badSum, NULL_UUID)).toBe(false)
    const badSig = nullParent.slice()
    badSig[0] = 0x41
    expect(bttInfoBlockIsValid(badSig, NULL_UUID)).toBe(false)
    // Version, sizes and flags are not looked at.
    expect(bttInfoBlockIsValid(encodeBttInfoBlock({ ...sample, versionMajor: 7, flags: 1, nfree: 0 }), NULL_UUID)).toBe(
      true,
    )
  })
})

describe('BTT log', () => {
  const entry: BttLogEntry = { lba: 6, oldMap: 0xc0003eef, newMap: 16111, seq: 2 }

  it('round-trips entries and groups', () => {
    const bytes = encodeLogEntry(entry)
    expect([...bytes]).toEqual([6, 0, 0, 0, 0xef, 0x3e, 0, 0xc0, 0xef, 0x3e, 0, 0, 2, 0, 0, 0])
    expect(decodeLogEntry(bytes)).toEqual(entry)
    const zero = { lba: 0, oldMap: 0, newMap: 0, seq: 0 }
    const group = [entry, zero, { ...entry, seq: 3 }, zero]
    expect(decodeLogGroup(encodeLogGroup(group))).toEqual(group)
    expect(() => decodeLogGroup(new Uint8Array(63))).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => decodeLogEntry(new Uint8Array(16), 1)).toThrow(NvdimmError)
    expect(() => encodeLogGroup([entry])).toThrow(NvdimmError)
  })

  it('nd_inc_seq: 1 → 2 → 3 → 1, 0 stays 0', () => {
    expect([0, 1, 2, 3].map(nextSeq)).toEqual([0, 2, 3, 1])
  })

  it('btt_log_get_old picks the older slot from the sequence numbers', () => {
    const group = (s0: number, s1: number, slot1 = 1) => {
      const entries = [0, 1, 2, 3].map(() => ({ lba: 0, oldMap: 0, newMap: 0, seq: 0 }))
      entries[0]!.seq = s0
      entries[slot1]!.seq = s1
      return entries
    }
    // (seq of slot 0, seq of slot 1) → which is new
    const newer = (s0: number, s1: number) => 1 - logGetOld(group(s0, s1), [0, 1])!
    expect(newer(1, 0)).toBe(0)
    expect(newer(1, 2)).toBe(1)
    expect(newer(3, 2)).toBe(0)
    expect(newer(3, 1)).toBe(1)
    expect(newer(2, 1)).toBe(0)
    expect(newer(2, 3)).toBe(1)
    expect(newer(1, 3)).toBe(0)
    expect(logGetOld(group(0, 3), [0, 1])).toBe(0)
    expect(logGetOld(group(2, 2), [0, 1])).toBeUndefined()
    expect(logGetOld(group(3, 3), [0, 1])).toBeUndefined()
    expect(logGetOld(group(2, 4), [0, 1])).toBeUndefined()
    expect(logGetOld(group(1, 2, 2), [0, 2])).toBe(0)
    // ndctl's copy accepts what the kernel rejects
    expect(logGetOld(group(2, 2), [0, 1], false)).toBe(0)
    expect(logGetOld(group(2, 4), [0, 1], false)).toBe(1)
  })

  function lanes(nfree: number, at: (lane: number) => Partial<Record<number, Partial<BttLogEntry>>>) {
    return (lane: number) =>
      [0, 1, 2, 3].map((slot) => {
        const base = slot === 0 ? { lba: lane, oldMap: 100 + lane, newMap: 100 + lane, seq: 1 } : undefined
        const override = at(lane)[slot]
        return { lba: 0, oldMap: 0, newMap: 0, seq: 0, ...base, ...override }
      })
  }

  it('log_set_indices: initial state → (0,1); a used lane decides (0,1) or (0,2)', () => {
    expect(
      logSetIndices(
        256,
        lanes(256, () => ({})),
      ),
    ).toEqual([0, 1])
    expect(
      logSetIndices(
        256,
        lanes(256, (l) => (l === 6 ? { 1: { lba: 3, seq: 2 } } : {})),
      ),
    ).toEqual([0, 1])
    expect(
      logSetIndices(
        256,
        lanes(256, (l) => (l === 6 ? { 2: { newMap: 9, seq: 2 } } : {})),
      ),
    ).toEqual([0, 2])
  })

  it('log_set_indices: anything else is ENXIO, "Found an unknown padding scheme" only for bad indices', () => {
    const unknown = () =>
      logSetIndices(
        4,
        lanes(4, (l) => (l === 1 ? { 3: { seq: 2 } } : {})),
      )
    expect(unknown).toThrowError(expect.objectContaining({ errno: 'ENXIO', message: UNKNOWN_PADDING_SCHEME }))
    // a padding slot written after the indices were set
    const stray = () =>
      logSetIndices(
        4,
        lanes(4, (l) => (l === 1 ? { 1: { seq: 2 } } : l === 2 ? { 2: { seq: 3 } } : {})),
      )
    expect(stray).toThrowError(expect.objectContaining({ errno: 'ENXIO' }))
    expect(stray).not.toThrowError(UNKNOWN_PADDING_SCHEME)
    // an empty live slot 0 after the indices were set
    const empty = () =>
      logSetIndices(
        4,
        lanes(4, (l) => (l === 1 ? { 1: { seq: 2 } } : l === 2 ? { 0: { seq: 0, lba: 0, oldMap: 0, newMap: 0 } } : {})),
      )
    expect(empty).toThrowError(expect.objectContaining({ errno: 'ENXIO' }))
    // a whole log of zeros: index 0 never found
    expect(() => logSetIndices(2, () => decodeLogGroup(new Uint8Array(64)))).toThrowError(UNKNOWN_PADDING_SCHEME)
  })
})

describe('BTT layout (btt.md §1.5)', () => {
  it('puts the first info block at +4096 for 1.1 and +0 for 2.0', () => {
    expect(bttInitialOffset('1.1')).toBe(4096n)
    expect(bttInitialOffset('2.0')).toBe(0n)
  })

  const rows: [bigint, '1.1' | '2.0', number, number, number, bigint[] | undefined, bigint][] = [
    [32n * MiB, '1.1', 4096, 8176, 7920, [0x1ff2000n, 0x1ffa000n, 0x1ffe000n], 32440320n],
    [32n * MiB, '2.0', 4096, 8177, 7921, [0x1ff3000n, 0x1ffb000n, 0x1fff000n], 32444416n],
    [64n * MiB, '1.1', 4096, 16360, 16104, [0x3fea000n, 0x3ffa000n, 0x3ffe000n], 65961984n],
    [64n * MiB, '2.0', 4096, 16361, 16105, [0x3feb000n, 0x3ffb000n, 0x3fff000n], 65966080n],
    [128n * MiB, '1.1', 4096, 32728, 32472, [0x7fda000n, 0x7ffa000n, 0x7ffe000n], 133005312n],
    [32n * MiB, '1.1', 512, 64964, 64708, undefined, 33130496n],
    [32n * MiB, '1.1', 520, 57795, 57539, undefined, 29459968n],
    [32n * MiB, '1.1', 4160, 8050, 7794, undefined, 31924224n],
  ]
  for (const [size, version, lbasize, internal, external, offsets, usable] of rows) {
    it(`${size / MiB} MiB, BTT ${version}, lbasize ${lbasize}: ${internal}/${external} blocks, ${usable} bytes`, () => {
      const [arena, ...more] = bttArenaPlan(size, version, lbasize)
      expect(more).toEqual([])
      expect(arena!.internalNlba).toBe(internal)
      expect(arena!.externalNlba).toBe(external)
      expect(arena!.dataoff).toBe(4096n)
      expect(arena!.nextoff).toBe(0n)
      expect(arena!.info2off + 4096n).toBe(arena!.size - (arena!.size % 4096n))
      if (offsets) expect([arena!.mapoff, arena!.logoff, arena!.info2off]).toEqual(offsets)
      expect(bttCapacity(size, version, lbasize).size).toBe(usable)
    })
  }

  it('600 GiB, 2.0: a 512 GiB arena and an 88 GiB one', () => {
    const [a0, a1, ...more] = bttArenaPlan(600n * GiB, '2.0', 4096)
    expect(more).toEqual([])
    expect(a0).toMatchObject({
      size: 512n * GiB,
      nextoff: 0x8000000000n,
      internalNlba: 134086776,
      externalNlba: 134086520,
      mapoff: 0x7fe007b000n,
      logoff: 0x7fffffb000n,
      info2off: 0x7ffffff000n,
    })
    expect(a1).toMatchObject({
      size: 88n * GiB,
      infooff: 0x8000000000n,
      externalLbaStart: 134086520n,
      nextoff: 0n,
      internalNlba: 23046158,
      externalNlba: 23045902,
    })
    expect(bttCapacity(600n * GiB, '2.0', 4096)).toEqual({ nlba: 157132422n, sectorSize: 4096, size: 643614400512n })
  })

  it('512 GiB + 10 MiB: the tail below 16 MiB stays unused', () => {
    const arenas = bttArenaPlan(512n * GiB + 10n * MiB, '2.0', 4096)
    expect(arenas).toHaveLength(1)
    expect(arenas[0]!.nextoff).toBe(0n)
    expect(arenas[0]!.size).toBe(512n * GiB)
  })

  it('a 512 GiB arena of 512-byte sectors still fits 30 bits of map LBA', () => {
    const [arena] = bttArenaPlan(512n * GiB, '2.0', 512)
    expect(arena!.internalNlba).toBe(1065418188)
    expect(arena!.internalNlba).toBeLessThan(2 ** 30)
  })

  it('refuses a namespace below 16 MiB of raw space (ENXIO) and unsupported sector sizes (EINVAL)', () => {
    expect(() => bttCapacity(16n * MiB, '1.1', 4096)).toThrowError(
      expect.objectContaining({ errno: 'ENXIO', message: expect.stringContaining('at least 16781312 bytes') }),
    )
    expect(bttCapacity(16n * MiB, '2.0', 4096).nlba).toBeGreaterThan(0n)
    expect(() => bttCapacity(32n * MiB, '2.0', 1024)).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(bttCapacity(16n * MiB + 4096n, '1.1', 4096).nlba).toBeGreaterThan(0n)
  })
})
