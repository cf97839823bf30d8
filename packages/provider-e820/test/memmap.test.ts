import { describe, expect, it } from 'vitest'
import { parseMemmap } from '../src/index.js'

const G = 1n << 30n
const M = 1n << 20n

describe('memmap= (arch/x86/kernel/e820.c parse_memmap_one)', () => {
  it('reads nn!ss ranges, comma-separated or repeated, in address order', () => {
    expect(parseMemmap('memmap=4G!20G,4G!12G')).toEqual([
      { start: 12n * G, size: 4n * G, type: 12, source: 'memmap=4G!12G' },
      { start: 20n * G, size: 4n * G, type: 12, source: 'memmap=4G!20G' },
    ])
    expect(parseMemmap('memmap=128M!512M memmap=64M!768M').map((r) => [r.start, r.size])).toEqual([
      [512n * M, 128n * M],
      [768n * M, 64n * M],
    ])
    expect(parseMemmap('0x1000000!0x40000000')).toEqual([
      { start: G, size: 16n * M, type: 12, source: 'memmap=0x1000000!0x40000000' },
    ])
  })

  it('reads the memmap= parameters of a whole kernel command line', () => {
    const cmdline = 'console=ttyS0 panic=-1 oops=panic quiet memmap=30M!901M'
    expect(parseMemmap(cmdline)).toEqual([{ start: 901n * M, size: 30n * M, type: 12, source: 'memmap=30M!901M' }])
  })

  it('takes nn%ss+7 and +12 as pmem and checks the other forms without making ranges', () => {
    expect(parseMemmap('1G%4G-1+12,1G%8G+7').map((r) => [r.start, r.type])).toEqual([
      [4n * G, 12],
      [8n * G, 7],
    ])
    expect(parseMemmap('exactmap,1G@4G,64M#1G,64M$2G,2G')).toEqual([])
  })

  it('takes Soft Reserved from nn%ss+0xefffffff and from efi_fake_mem=…:0x40000 (EFI_MEMORY_SP)', () => {
    expect(parseMemmap('memmap=1G%4G+0xefffffff').map((r) => [r.start, r.type])).toEqual([[4n * G, 0xefffffff]])
    expect(parseMemmap('quiet efi_fake_mem=2G@8G:0x40000,1G@16G:0x1 memmap=128M!512M')).toEqual([
      { start: 512n * M, size: 128n * M, type: 12, source: 'memmap=128M!512M' },
      { start: 8n * G, size: 2n * G, type: 0xefffffff, source: 'efi_fake_mem=2G@8G:0x40000' },
    ])
    expect(() => parseMemmap('efi_fake_mem=2G@8G')).toThrow(/expected nn@ss:attr/)
  })

  it('refuses garbage, zero sizes, wrap-around and overlaps with EINVAL naming the range', () => {
    const refusal = (text: string) => {
      try {
        parseMemmap(text)
      } catch (error) {
        return `${(error as { errno: string }).errno}: ${(error as Error).message}`
      }
      return 'accepted'
    }
    expect(refusal('memmap=4G!12G,4G!14G')).toBe(
      'EINVAL: memmap=4G!14G [mem 0x380000000-0x47fffffff] overlaps memmap=4G!12G [mem 0x300000000-0x3ffffffff]',
    )
    expect(refusal('memmap=0!12G')).toBe('EINVAL: memmap=0!12G: the range has zero size')
    expect(refusal('memmap=2G!0xffffffffc0000000')).toBe(
      'EINVAL: memmap=2G!0xffffffffc0000000: the range wraps past the end of the address space',
    )
    expect(refusal('memmap=4G?12G')).toMatch(/EINVAL: memmap=4G\?12G: unexpected '\?'/)
    expect(refusal('memmap=4G!')).toMatch(/expected a start address/)
    expect(refusal('memmap=4G!12Gx')).toMatch(/unexpected 'x' at the end/)
    expect(refusal('memmap=!12G')).toMatch(/expected a size/)
    expect(refusal('memmap=4G!12G,')).toMatch(/empty item/)
    expect(refusal('')).toMatch(/no ranges given/)
  })
})
