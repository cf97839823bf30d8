import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import { EMPTY_VALUE, cellsValue, stringListValue, stringValue } from '../../src/device-tree/dt-property.js'
import { formatDts, formatDtsProperty } from '../../src/device-tree/dts-format.js'
import { decodeFdt } from '../../src/device-tree/fdt-decode.js'
import { arbitraryMemReserve, arbitraryTree } from './arbitrary-tree.js'
import { encodeFdt } from '../../src/device-tree/fdt-encode.js'
import { DTC_SKIP_NOTE, GOLDEN_SKIP_NOTE, VARIANTS, goldenDtb, goldenDts, hasDtc, hasGolden, runDtc } from './golden.js'

function line(name: string, value: Uint8Array): string {
  return formatDtsProperty({ name, value })
}

describe('formatDts against dtc 1.6.1' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden).each(VARIANTS)('%s: the golden .dts, character for character', (variant) => {
    const decoded = decodeFdt(goldenDtb(variant))
    expect(formatDts(decoded.tree, { memReserve: decoded.memReserve })).toBe(goldenDts(variant))
  })
})

describe('formatDtsProperty guesses types as dtc does', () => {
  it('an empty value is a bare name', () =>
    expect(line('ibm,cache-flush-required', EMPTY_VALUE)).toBe('ibm,cache-flush-required;'))

  it('text and string lists', () => {
    expect(line('compatible', stringValue('ibm,pmemory'))).toBe('compatible = "ibm,pmemory";')
    expect(line('compatible', stringListValue(['a', 'b']))).toBe('compatible = "a\\0b";')
    expect(line('s', stringValue('tab\there "q" back\\slash\n'))).toBe('s = "tab\\there \\"q\\" back\\\\slash\\n";')
  })

  it('cells when the length is a multiple of 4 and the bytes are not text', () => {
    expect(line('reg', cellsValue(0x90000000))).toBe('reg = <0x90000000>;')
    expect(line('ibm,number-of-blocks', cellsValue(0, 4))).toBe('ibm,number-of-blocks = <0x00 0x04>;')
    // "\0\0\0" has more NULs than other bytes: not text.
    expect(line('z', new Uint8Array(4))).toBe('z = <0x00>;')
    // Text without its final NUL is not text either.
    expect(line('t', new Uint8Array([0x61, 0x62, 0x63, 0x64]))).toBe('t = <0x61626364>;')
  })

  it('bytes otherwise', () => {
    expect(line('ibm,architecture-vec-5', new Uint8Array([0, 0]))).toBe('ibm,architecture-vec-5 = [00 00];')
    expect(line('b', new Uint8Array([1, 0xab, 0x10]))).toBe('b = [01 ab 10];')
  })

  it('the text escapes dtc accepts as text', () => {
    expect(line('e', new Uint8Array([0x07, 0x08, 0x0b, 0x0c, 0x0d, 0x41, 0]))).toBe('e = "\\a\\b\\v\\f\\rA";')
  })
})

describe('formatDts layout', () => {
  const tree: DtNode = {
    name: '',
    properties: [{ name: 'model', value: stringValue('m') }],
    children: [
      {
        name: 'a@1',
        properties: [{ name: 'x', value: EMPTY_VALUE }],
        children: [{ name: 'b', properties: [], children: [] }],
      },
      { name: 'c', properties: [], children: [] },
    ],
  }

  it('tabs per level, a blank line before each child, memreserve lines before the root', () => {
    const text = formatDts(tree, { memReserve: [{ address: 0x1000n, size: 0x20n }] })
    expect(text).toBe(
      [
        '/dts-v1/;',
        '',
        '/memreserve/\t0x0000000000001000 0x0000000000000020;',
        '/ {',
        '\tmodel = "m";',
        '',
        '\ta@1 {',
        '\t\tx;',
        '',
        '\t\tb {',
        '\t\t};',
        '\t};',
        '',
        '\tc {',
        '\t};',
        '};',
        '',
      ].join('\n'),
    )
  })
})

describe('formatDts against dtc on random trees' + DTC_SKIP_NOTE, () => {
  it.skipIf(!hasDtc)('prints what dtc -I dtb -O dts prints', () => {
    fc.assert(
      fc.property(arbitraryTree, arbitraryMemReserve, (root, memReserve) => {
        const dtc = runDtc(['-I', 'dtb', '-O', 'dts', '-q', '-f'], encodeFdt(root, { memReserve }))
        expect(dtc.status).toBe(0)
        expect(formatDts(root, { memReserve })).toBe(dtc.stdout.toString('latin1'))
      }),
      { numRuns: 40 },
    )
  })
})
