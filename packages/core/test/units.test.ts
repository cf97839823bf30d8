import { describe, expect, it } from 'vitest'
import { alignDown, alignUp, isAligned, isPowerOf2, memparse, parseSize, SZ_16M, SZ_2M } from '../src/index.js'

describe('memparse (lib/cmdline.c)', () => {
  it('reads C numbers with K/M/G/T/P/E suffixes', () => {
    expect(memparse('4G')).toEqual({ value: 4n << 30n, rest: '' })
    expect(memparse('128M!512M')).toEqual({ value: 128n << 20n, rest: '!512M' })
    expect(memparse('0x1000k')).toEqual({ value: 0x1000n << 10n, rest: '' })
    expect(memparse('010')).toEqual({ value: 8n, rest: '' })
    expect(memparse('1e')).toEqual({ value: 1n << 60n, rest: '' })
    expect(memparse('08')).toEqual({ value: 0n, rest: '8' })
  })

  it('finds no number in text without digits', () => {
    expect(memparse('G')).toBeUndefined()
    expect(memparse('')).toBeUndefined()
    expect(memparse('0xg')).toEqual({ value: 0n, rest: 'xg' })
  })
})

describe('parseSize (ndctl util/size.c)', () => {
  it('takes one K/M/G/T suffix and nothing after it', () => {
    expect(parseSize('16M')).toBe(16n << 20n)
    expect(parseSize('0x200000')).toBe(SZ_2M)
    expect(parseSize('1t')).toBe(1n << 40n)
    expect(parseSize('16MB')).toBeUndefined()
    expect(parseSize('1P')).toBeUndefined()
    expect(parseSize('0xE')).toBe(14n)
    expect(parseSize('')).toBeUndefined()
  })
})

describe('alignment helpers', () => {
  it('round and test like ALIGN(), ALIGN_DOWN(), IS_ALIGNED()', () => {
    expect(alignUp(SZ_16M + 1n, SZ_16M)).toBe(2n * SZ_16M)
    expect(alignDown(SZ_16M + 1n, SZ_16M)).toBe(SZ_16M)
    expect(isAligned(0x38400000n, SZ_2M)).toBe(true)
    expect(isAligned(0x38500000n, SZ_2M)).toBe(false)
    expect(isPowerOf2(SZ_16M)).toBe(true)
    expect(isPowerOf2(3n * SZ_2M)).toBe(false)
    expect(isPowerOf2(0n)).toBe(false)
  })
})
