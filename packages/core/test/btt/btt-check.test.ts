import { describe, expect, it } from 'vitest'
import { Btt } from '../../src/btt/btt.js'
import { type BttCheckResult, checkBtt, formatBttCheckMessage } from '../../src/btt/btt-check.js'
import type { BttVersion } from '../../src/btt/btt-layout.js'
import { encodeLogEntry } from '../../src/btt/btt-log.js'
import { MemoryMedia } from '../../src/media/memory-media.js'
import { patchInfoBlock, pattern, readAll, RecordingMedia, writeTwoArenaLayout } from './helpers.js'

const MiB = 1n << 20n
const uuid = '32967cad-eeaa-4902-a3de-78fd9db160b0'
const parentUuid = 'cca44728-857a-4648-9abe-b4d85e010717'
const SIZE = 32n * MiB

function fresh(version: BttVersion = '1.1', lbasize = 4096) {
  const media = new MemoryMedia(SIZE)
  const btt = Btt.attach(media, { version, lbasize, uuid, parentUuid })
  return { media, btt }
}

/** The lines as ndctl -v prints them (stdout ones marked). */
function lines(result: BttCheckResult): string[] {
  return result.messages.map((m) => (m.stream === 'stdout' ? `stdout: ${m.text}` : `${m.level} ${m.fn}: ${m.text}`))
}

const HEAD = ['info namespace_check: checking namespace0.1']
const CLEAN_ARENA = [
  'info btt_discover_arenas: found 1 BTT arena',
  'info log_set_indices: arena[0]: log_index_0 = 0',
  'info log_set_indices: arena[0]: log_index_1 = 1',
  'info btt_check_arenas: checking arena 0',
]

function check(media: MemoryMedia | RecordingMedia, options: { repair?: boolean; rewriteLog?: boolean } = {}) {
  return checkBtt(media, { parentUuid, devname: 'namespace0.1', ...options })
}

describe('checkBtt: a clean BTT', () => {
  for (const version of ['1.1', '2.0'] as const) {
    it(`${version}: OK, with the verbose lines and no writes`, () => {
      const { media, btt } = fresh(version)
      btt.writeSector(3n, pattern(4096, 3, 1))
      btt.writeSector(3n, pattern(4096, 3, 2), 9)
      const recording = new RecordingMedia(media)
      const result = check(recording)
      expect(result.rc).toBe('OK')
      expect(lines(result)).toEqual([...HEAD, ...CLEAN_ARENA])
      expect(result.startOffset).toBe(version === '1.1' ? 4096n : 0n)
      expect(result.arenas[0]).toMatchObject({ infooff: result.startOffset, externalNlba: btt.arenas[0]!.externalNlba })
      expect(recording.writes).toEqual([])
      expect(formatBttCheckMessage('namespace0.1', result.messages[0]!)).toBe(
        'namespace0.1: namespace_check: checking namespace0.1',
      )
    })
  }

  it('--rewrite-log without --repair: EINVAL before anything else', () => {
    const { media } = fresh()
    const result = check(media, { rewriteLog: true })
    expect(result.rc).toBe('EINVAL')
    expect(lines(result)).toEqual(['err namespace_check: --rewrite-log also requires --repair'])
  })

  it('two arenas: "found 2 BTT arenas", each checked', () => {
    const media = new MemoryMedia(40n * MiB)
    writeTwoArenaLayout(media, { version: '2.0', uuid, parentUuid, firstSize: 20n * MiB })
    const result = check(media)
    expect(result.rc).toBe('OK')
    expect(lines(result)).toEqual([
      ...HEAD,
      'info btt_discover_arenas: found 2 BTT arenas',
      'info log_set_indices: arena[0]: log_index_0 = 0',
      'info log_set_indices: arena[0]: log_index_1 = 1',
      'info log_set_indices: arena[1]: log_index_0 = 0',
      'info log_set_indices: arena[1]: log_index_1 = 1',
      'info btt_check_arenas: checking arena 0',
      'info btt_check_arenas: checking arena 1',
    ])
    expect(result.arenas.map((a) => a.infooff)).toEqual([0n, 20n * MiB])
  })
})

describe('checkBtt: info blocks', () => {
  it('info2 wiped: reported, exit 0 without --repair; restored (stdout) with it', () => {
    const { media } = fresh()
    const primary = readAll(media, 4096n, 4096)
    media.write(SIZE - 4096n, new Uint8Array(4096))
    const report = check(media)
    expect(report.rc).toBe('OK')
    expect(lines(report)).toEqual([
      ...HEAD,
      ...CLEAN_ARENA,
      'err btt_copy_to_info2: Arena 0: BTT info2 needs to be restored',
      'info repair_msg:   Run with --repair to make the changes',
    ])
    const repaired = check(media, { repair: true })
    expect(repaired.rc).toBe('OK')
    expect(lines(repaired)).toEqual([...HEAD, ...CLEAN_ARENA, 'stdout: Arena 0: Restoring BTT info2'])
    expect(repaired.messages.at(-1)!.stream).toBe('stdout')
    expect(readAll(media, SIZE - 4096n, 4096)).toEqual(primary)
    expect(lines(check(media))).toEqual([...HEAD, ...CLEAN_ARENA])
  })

  it('1.1 with the first 8 KiB wiped: ENXIO without --repair (btt-check.sh test_bad_info), restored with it', () => {
    const { media } = fresh('1.1')
    const primary = readAll(media, 4096n, 4096)
    media.write(0n, new Uint8Array(8192))
    const recording = new RecordingMedia(media)
    const report = check(recording)
    expect(report.rc).toBe('ENXIO')
    const recovery = [
      'info __btt_recover_first_sb: estimated arenas: 1, remaining bytes: 0',
      'info __btt_recover_first_sb: Attempting recover info-block from end-of-arena offset 0x1fff000',
    ]
    expect(lines(report)).toEqual([
      ...HEAD,
      ...recovery,
      'err btt_write_info: BTT info block at offset 0x1000 needs to be restored',
      'info repair_msg:   Run with --repair to make the changes',
      ...recovery,
      'err namespace_check: Unable to recover any BTT info blocks',
      'err namespace_check: This may not be a sector mode namespace',
    ])
    expect(recording.writes).toEqual([])
    const repaired = check(media, { repair: true })
    expect(repaired.rc).toBe('OK')
    expect(lines(repaired)).toEqual([
      ...HEAD,
      ...recovery,
      'info btt_write_info: Restoring BTT info block at offset 0x1000',
      ...CLEAN_ARENA,
    ])
    expect(readAll(media, 4096n, 4096)).toEqual(primary)
    expect(Btt.probe(media, '1.1', parentUuid)).toBeDefined()
  })

  it('2.0 with the first 8 KiB wiped: EIO without --repair, the restore offset printed as 0', () => {
    const { media } = fresh('2.0')
    media.write(0n, new Uint8Array(8192))
    const report = check(media)
    expect(report.rc).toBe('EIO')
    expect(lines(report)).toEqual([
      ...HEAD,
      'info __btt_recover_first_sb: estimated arenas: 1, remaining bytes: 0',
      'info __btt_recover_first_sb: Attempting recover info-block from end-of-arena offset 0x1fff000',
      'info __btt_recover_first_sb: estimated arenas: 1, remaining bytes: 0',
      'info __btt_recover_first_sb: Attempting recover info-block from end-of-arena offset 0x1fff000',
      'err btt_write_info: BTT info block at offset 0 needs to be restored',
      'info repair_msg:   Run with --repair to make the changes',
      'err namespace_check: Unable to recover any BTT info blocks',
      'err namespace_check: This may not be a sector mode namespace',
    ])
    expect(check(media, { repair: true }).rc).toBe('OK')
    expect(check(media).rc).toBe('OK')
  })

  it('no BTT at all: ENXIO after trying info2off (zero) as a last resort', () => {
    const result = check(new MemoryMedia(SIZE))
    expect(result.rc).toBe('ENXIO')
    expect(lines(result).slice(-2)).toEqual([
      'err namespace_check: Unable to recover any BTT info blocks',
      'err namespace_check: This may not be a sector mode namespace',
    ])
    expect(result.arenas).toEqual([])
  })

  it('a damaged later arena is restored from the end of the namespace', () => {
    const media = new MemoryMedia(40n * MiB)
    writeTwoArenaLayout(media, { version: '2.0', uuid, parentUuid, firstSize: 20n * MiB })
    const primary = readAll(media, 20n * MiB, 4096)
    media.write(20n * MiB, new Uint8Array(4096))
    const report = check(media)
    expect(report.rc).toBe('EIO')
    expect(lines(report).slice(1)).toEqual([
      'info btt_discover_arenas: Arena 1: Attempting recover info-block using info2',
      'err btt_write_info: BTT info block at offset 0x1400000 needs to be restored',
      'info repair_msg:   Run with --repair to make the changes',
      'err btt_discover_arenas: Restoration of the info block failed: Input/output error (-5)',
    ])
    expect(check(media, { repair: true }).rc).toBe('OK')
    expect(readAll(media, 20n * MiB, 4096)).toEqual(primary)
  })

  it('the info-block error flag and internal ≠ external lbasize: "Problem parsing arena[0] metadata"', () => {
    const flagged = fresh().media
    patchInfoBlock(flagged, 4096n, { flags: 1 })
    const result = check(flagged)
    expect(result.rc).toBe('ENXIO')
    expect(lines(result).slice(1)).toEqual([
      'err btt_parse_meta: Info block error flag is set, aborting',
      'err btt_discover_arenas: Problem parsing arena[0] metadata',
    ])
    const odd = fresh('1.1', 520).media
    const parsed = check(odd)
    expect(parsed.rc).toBe('ENXIO')
    expect(lines(parsed).slice(1)).toEqual(['err btt_discover_arenas: Problem parsing arena[0] metadata'])
    // 4160 is already a multiple of 64: it passes
    expect(check(fresh('1.1', 4160).media).rc).toBe('OK')
  })
})

describe('checkBtt: log and map', () => {
  const LOG = 4096n + 0x1ffa000n // 1.1, 32 MiB
  const MAP = 4096n + 0x1ff2000n

  it('a map update that did not land: needs --repair, which writes map[lba] like the kernel would', () => {
    const { media, btt } = fresh()
    btt.writeSector(5n, pattern(4096, 5, 1))
    const newEntry = readAll(media, MAP + 20n, 4)
    media.write(MAP + 20n, new Uint8Array(4)) // the lost W3: back to the identity entry
    const report = check(media)
    // Without --repair the stale map also trips the bitmap check.
    expect(report.rc).toBe('ENXIO')
    expect(lines(report).slice(1 + CLEAN_ARENA.length)).toEqual([
      "info btt_check_log_map: arena 0: log[0].new_map (0x1ef0) doesn't match map[0x5] (0x5)",
      'err btt_map_write: Arena 0: map[0x5] needs to be updated to 0x1ef0',
      'info repair_msg:   Run with --repair to make the changes',
      'info btt_check_bitmap: arena 0: internal block 0x5 is referenced by two map/log entries',
      'err btt_xlat_status: arena 0: bitmap error: internal blocks are incorrectly referenced',
    ])
    const repaired = check(media, { repair: true })
    expect(repaired.rc).toBe('OK')
    expect(lines(repaired).slice(1 + CLEAN_ARENA.length)).toEqual([
      "info btt_check_log_map: arena 0: log[0].new_map (0x1ef0) doesn't match map[0x5] (0x5)",
      'info btt_map_write: Arena 0: Updating map[0x5] to 0x1ef0',
    ])
    expect(readAll(media, MAP + 20n, 4)).toEqual(newEntry)
  })

  it('the end of the map scribbled with 0xc0001e1e (btt-check.sh test_bitmap): bitmap error', () => {
    const { media } = fresh()
    const scribble = new Uint8Array(4096)
    for (let i = 0; i < 4096; i += 4) scribble.set([0x1e, 0x1e, 0x00, 0xc0], i)
    media.write(4096n + 0x1ffa000n - 4096n, scribble)
    const result = check(media)
    expect(result.rc).toBe('ENXIO')
    expect(lines(result).slice(-2)).toEqual([
      'info btt_check_bitmap: arena 0: internal block 0x1e1e is referenced by two map entries',
      'err btt_xlat_status: arena 0: bitmap error: internal blocks are incorrectly referenced',
    ])
  })

  it('log defects, each reported by btt_xlat_status', () => {
    const cases: [string, (media: MemoryMedia) => void][] = [
      [
        'arena 0: found a pair of log entries with the same sequence number',
        (m) => m.write(LOG + 16n, encodeLogEntry({ lba: 0, oldMap: 1, newMap: 2, seq: 1 })),
      ],
      [
        'arena 0: found a log entry with an out of bounds sequence number',
        (m) => m.write(LOG + 3n * 64n + 16n, encodeLogEntry({ lba: 0, oldMap: 1, newMap: 2, seq: 5 })),
      ],
      [
        'arena 0: found a log entry with an out of bounds LBA',
        (m) => m.write(LOG + 16n, encodeLogEntry({ lba: 7920, oldMap: 1, newMap: 2, seq: 2 })),
      ],
      [
        "arena 0: found a log entry with an out of bounds 'old' mapping",
        (m) => m.write(LOG + 16n, encodeLogEntry({ lba: 1, oldMap: 0x40000001, newMap: 2, seq: 2 })),
      ],
      [
        "arena 0: found a log entry with an out of bounds 'new' mapping",
        (m) => m.write(LOG + 16n, encodeLogEntry({ lba: 1, oldMap: 1, newMap: 8176, seq: 2 })),
      ],
      [
        'arena 0: found a map entry that is out of bounds',
        (m) => m.write(MAP + 8n, Uint8Array.from([0xf0, 0x1f, 0, 0xc0])),
      ],
    ]
    for (const [text, damage] of cases) {
      const { media } = fresh()
      damage(media)
      const result = check(media)
      expect(result.rc).toBe('ENXIO')
      expect(lines(result).at(-1)).toBe(`err btt_xlat_status: ${text}`)
    }
  })

  it('an unknown padding scheme: "Unable to deduce log/padding indices"', () => {
    const { media } = fresh()
    media.write(LOG + 64n + 48n, encodeLogEntry({ lba: 1, oldMap: 1, newMap: 7, seq: 2 }))
    const result = check(media)
    expect(result.rc).toBe('ENXIO')
    expect(lines(result).slice(-2)).toEqual([
      'err log_set_indices: Found an unknown padding scheme',
      'err namespace_check: Unable to deduce log/padding indices',
    ])
  })

  it('metadata past the end of the namespace: SIGBUS, EFAULT', () => {
    const { media } = fresh()
    patchInfoBlock(media, 4096n, { logoff: 1n << 40n, info2off: (1n << 40n) + 16384n })
    patchInfoBlock(media, SIZE - 4096n, {}) // keep info2 as it was (valid)
    const result = check(media)
    expect(result.rc).toBe('EFAULT')
    expect(lines(result).slice(-2)).toEqual([
      'err namespace_check: Received a SIGBUS',
      'err namespace_check: Metadata corruption found, recovery is not possible',
    ])
  })

  it('an empty data area fails its mmap: EINVAL', () => {
    const { media } = fresh()
    patchInfoBlock(media, 4096n, { mapoff: 0x1000n })
    const result = check(media)
    expect(result.rc).toBe('EINVAL')
    expect(lines(result).at(-1)).toBe(
      'err btt_create_mappings: mmap arena[0].data [sz = 0, off = 0x2000] failed: Invalid argument',
    )
  })
})
