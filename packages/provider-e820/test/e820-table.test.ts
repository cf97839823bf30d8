import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseE820Table, readFirmwareMemmap } from '../src/index.js'
import { golden, hasGolden } from './golden.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function firmwareMemmap(entries: [string, string, string][]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-memmap-'))
  dirs.push(dir)
  entries.forEach(([start, end, type], index) => {
    fs.mkdirSync(path.join(dir, String(index)))
    fs.writeFileSync(path.join(dir, String(index), 'start'), `${start}\n`)
    fs.writeFileSync(path.join(dir, String(index), 'end'), `${end}\n`)
    fs.writeFileSync(path.join(dir, String(index), 'type'), `${type}\n`)
  })
  return dir
}

describe('e820 tables as the kernel logs them', () => {
  it('reads persistent (type 7/12) ranges and skips the rest', () => {
    const table = [
      '[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
      '[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x00000004ffffffff] persistent (type 7)',
      'BIOS-e820: [mem 0x0000000600000000-0x00000006ffffffff] persistent (type 12)',
    ].join('\n')
    expect(parseE820Table(table).map((r) => [r.start, r.size, r.type])).toEqual([
      [0x1_0000_0000n, 0x4_0000_0000n, 7],
      [0x6_0000_0000n, 0x1_0000_0000n, 12],
    ])
  })

  it('reads the user-defined map of a real boot log (golden linux-6.1-e820/aligned e12)', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const dmesg = golden('linux-6.1-e820', 'aligned', 'e12-dmesg-full.stdout')
    expect(parseE820Table(dmesg).map((r) => [r.start, r.size, r.type, r.source])).toEqual([
      [0x20000000n, 128n << 20n, 12, expect.stringMatching(/^e820 table line \d+$/)],
      [0x30000000n, 64n << 20n, 12, expect.stringMatching(/^e820 table line \d+$/)],
    ])
  })

  it('refuses text with no table, a reversed range, and overlapping entries', () => {
    expect(() => parseE820Table('hello')).toThrow(/no "\[mem 0x…-0x…\] type" lines/)
    expect(() => parseE820Table('BIOS-e820: [mem 0x2000-0x1000] persistent (type 12)')).toThrow(
      /line 1: end below start/,
    )
    expect(() =>
      parseE820Table(
        'BIOS-e820: [mem 0x0-0x1fff] persistent (type 12)\nBIOS-e820: [mem 0x1000-0x2fff] persistent (type 7)',
      ),
    ).toThrow(/e820 table line 2 \[mem 0x1000-0x2fff\] overlaps e820 table line 1/)
  })
})

describe('/sys/firmware/memmap', () => {
  it('reads legacy and ACPI persistent memory entries', () => {
    const dir = firmwareMemmap([
      ['0x0', '0x9fbff', 'System RAM'],
      ['0x20000000', '0x27ffffff', 'Persistent Memory (legacy)'],
      ['0x100000000', '0x1ffffffff', 'Persistent Memory'],
    ])
    expect(readFirmwareMemmap(dir).map((r) => [r.start, r.size, r.type])).toEqual([
      [0x20000000n, 0x8000000n, 12],
      [0x100000000n, 0x100000000n, 7],
    ])
  })

  it('finds no pmem in the firmware map of a memmap= boot (golden e08)', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const lines = golden('linux-6.1-e820', 'aligned', 'e08-firmware-memmap.stdout').trim().split('\n')
    const entries = lines.map((line) => {
      const [, start, end, ...type] = line.split(' ')
      return [start!, end!, type.join(' ')] as [string, string, string]
    })
    expect(() => readFirmwareMemmap(firmwareMemmap(entries))).not.toThrow()
    expect(readFirmwareMemmap(firmwareMemmap(entries))).toEqual([])
  })

  it('names the entry with a missing or bad attribute', () => {
    const dir = firmwareMemmap([['0x0', '0xfff', 'Persistent Memory']])
    fs.unlinkSync(path.join(dir, '0', 'type'))
    expect(() => readFirmwareMemmap(dir)).toThrow(/0: missing 'type'/)
    const bad = firmwareMemmap([['zero', '0xfff', 'Persistent Memory']])
    expect(() => readFirmwareMemmap(bad)).toThrow(/start and end must be hex/)
    expect(() => readFirmwareMemmap('/nonexistent')).toThrowError(expect.objectContaining({ errno: 'ENXIO' }))
  })
})
