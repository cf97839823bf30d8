import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { decodeNfit } from '../../src/table/nfit-decode.js'
import { checkNfitReferences } from '../../src/table/nfit-references.js'
import type { NfitSubtable, NfitTable } from '../../src/table/nfit-types.js'
import { GOLDEN_SKIP_NOTE, goldenBytes, hasGolden } from '../golden.js'
import { everyTypeTable, manyDimmsTable } from './fixtures.js'

function refusal(table: NfitTable): string {
  try {
    checkNfitReferences(table)
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return (error as NvdimmError).message
  }
  throw new Error('expected EINVAL, but the references were accepted')
}

/** everyTypeTable() with sub-table `index` changed. */
function changed(index: number, change: Partial<NfitSubtable>): NfitTable {
  const table = everyTypeTable()
  table.subtables[index] = { ...table.subtables[index], ...change } as NfitSubtable
  return table
}

describe('checkNfitReferences', () => {
  it.skipIf(!hasGolden)(`accepts QEMU's table${GOLDEN_SKIP_NOTE}`, () => {
    expect(() => checkNfitReferences(decodeNfit(goldenBytes('linux-6.1-qemu', 'nfit.bin')).table)).not.toThrow()
  })

  it('accepts the hand-built table, an unmapped DIMM (range index 0) and unknown sub-tables', () => {
    expect(() => checkNfitReferences(everyTypeTable())).not.toThrow()
    const table = changed(4, { rangeIndex: 0, interleaveIndex: 0 })
    table.subtables.push({ type: 40, unknown: true, data: new Uint8Array(2) })
    expect(() => checkNfitReferences(table)).not.toThrow()
  })

  it('refuses a memory device whose range index names no SPA', () => {
    expect(refusal(changed(4, { rangeIndex: 9 }))).toBe(
      'NFIT: memory device at 0x108 (handle 0x101): range index 9 names no SPA range',
    )
  })

  it('refuses a memory device whose region index names no control region', () => {
    expect(refusal(changed(3, { regionIndex: 7 }))).toBe(
      'NFIT: memory device at 0xd8 (handle 0x1): region index 7 names no control region',
    )
  })

  it('refuses a memory device whose interleave index names no interleave sub-table', () => {
    expect(refusal(changed(5, { interleaveIndex: 5 }))).toBe(
      'NFIT: memory device at 0x138 (handle 0x1): interleave index 5 names no interleave sub-table',
    )
  })

  it('refuses flush hints for a handle no memory device has', () => {
    expect(refusal(changed(12, { deviceHandle: 0x1001 }))).toBe(
      'NFIT: flush hint address at 0x254: device handle 0x1001 names no memory device',
    )
  })

  it('refuses duplicate SPA range indexes and duplicate control-region indexes', () => {
    expect(refusal(changed(2, { rangeIndex: 1 }))).toBe(
      'NFIT: SPA range at 0xa0 repeats range index 1 of the SPA range at 0x28',
    )
    expect(refusal(changed(9, { regionIndex: 1 }))).toBe(
      'NFIT: control region at 0x1bc repeats region index 1 of the one at 0x19c',
    )
  })

  it('checks a table of 1,024 DIMMs', () => {
    expect(() => checkNfitReferences(manyDimmsTable(1024))).not.toThrow()
  })
})
