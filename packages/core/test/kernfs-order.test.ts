import { describe, expect, it } from 'vitest'
import { inNdctlOrder, kernfsNameHash } from '../src/index.js'

const order = (names: string[]) => inNdctlOrder(names.map((name) => ({ name }))).map((entry) => entry.name)

describe("ndctl's listing order (descending kernfs_name_hash)", () => {
  it('reproduces the order ndctl printed on a real kernel', () => {
    // ../shared/golden/linux-6.1-qemu/d01-list-NRDBiv.stdout
    expect(order(['namespace1.0', 'namespace1.1', 'namespace1.2', 'namespace1.3', 'namespace1.4'])).toEqual([
      'namespace1.0',
      'namespace1.2',
      'namespace1.4',
      'namespace1.1',
      'namespace1.3',
    ])
    expect(order(['namespace0.0', 'namespace0.1', 'namespace0.2', 'namespace0.3', 'namespace0.4'])).toEqual([
      'namespace0.2',
      'namespace0.4',
      'namespace0.1',
      'namespace0.3',
      'namespace0.0',
    ])
    expect(order(['region0', 'region1'])).toEqual(['region1', 'region0'])
    expect(order(['nmem0', 'nmem1'])).toEqual(['nmem1', 'nmem0'])
  })

  it('keeps hashes in the range kernfs uses for names', () => {
    for (const name of ['', 'a', 'region0', 'namespace12.3', 'x'.repeat(300)]) {
      const hash = kernfsNameHash(name)
      expect(hash).toBeGreaterThanOrEqual(2)
      expect(hash).toBeLessThan(0x7fffffff)
    }
  })
})
