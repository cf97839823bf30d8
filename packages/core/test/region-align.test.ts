import { describe, expect, it } from 'vitest'
import { defaultRegionAlign, SZ_16M, SZ_4K, SZ_64K } from '../src/index.js'

describe('default_align()', () => {
  it('is 16 MiB, or PAGE_SIZE below 16 MiB', () => {
    expect(defaultRegionAlign(30n << 20n, 0, SZ_4K)).toBe(SZ_16M)
    expect(defaultRegionAlign(8n << 20n, 0, SZ_4K)).toBe(SZ_4K)
    expect(defaultRegionAlign(8n << 20n, 1, SZ_64K)).toBe(SZ_64K)
  })

  it('multiplies by the ways only when they do not divide it', () => {
    expect(defaultRegionAlign(1n << 30n, 4, SZ_4K)).toBe(SZ_16M)
    expect(defaultRegionAlign(1n << 30n, 3, SZ_4K)).toBe(3n * SZ_16M)
    expect(defaultRegionAlign(1n << 30n, 6, SZ_4K)).toBe(6n * SZ_16M)
  })
})
