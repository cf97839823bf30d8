import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { findNodeByPath, walkNodes } from '../../src/device-tree/dt-node.js'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import { cellsValue, stringValue } from '../../src/device-tree/dt-property.js'
import { decodeFdt, decodeFdtHeader } from '../../src/device-tree/fdt-decode.js'
import { encodeFdt } from '../../src/device-tree/fdt-encode.js'
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
} from '../../src/device-tree/fdt-layout.js'
import { GOLDEN_SKIP_NOTE, VARIANTS, goldenDtb, goldenDts, hasGolden } from './golden.js'

/** A blob around hand-written structure words: header, an empty reservation map, struct, strings. */
function rawBlob(struct: (number | string)[], strings = ''): Uint8Array {
  const structBytes: number[] = []
  for (const word of struct) {
    if (typeof word === 'number')
      structBytes.push((word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff)
    else {
      structBytes.push(...Array.from(word, (c) => c.charCodeAt(0)), 0)
      while (structBytes.length % 4 !== 0) structBytes.push(0)
    }
  }
  const stringBytes = Array.from(strings, (c) => c.charCodeAt(0))
  const offStruct = 40 + 16
  const offStrings = offStruct + structBytes.length
  const bytes = new Uint8Array(offStrings + stringBytes.length)
  const view = new DataView(bytes.buffer)
  view.setUint32(FDT_HEADER.magic, FDT_MAGIC)
  view.setUint32(FDT_HEADER.totalsize, bytes.length)
  view.setUint32(FDT_HEADER.offDtStruct, offStruct)
  view.setUint32(FDT_HEADER.offDtStrings, offStrings)
  view.setUint32(FDT_HEADER.offMemRsvmap, 40)
  view.setUint32(FDT_HEADER.version, 17)
  view.setUint32(FDT_HEADER.lastCompVersion, 16)
  view.setUint32(FDT_HEADER.sizeDtStrings, stringBytes.length)
  view.setUint32(FDT_HEADER.sizeDtStruct, structBytes.length)
  bytes.set(structBytes, offStruct)
  bytes.set(stringBytes, offStrings)
  return bytes
}

function setU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice()
  new DataView(copy.buffer).setUint32(offset, value)
  return copy
}

function fault(bytes: Uint8Array): NvdimmError {
  try {
    decodeFdt(bytes)
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    return error as NvdimmError
  }
  throw new Error('decoded without a fault')
}

function expectFault(bytes: Uint8Array, offset: number, text: RegExp): void {
  const error = fault(bytes)
  expect(error.message).toMatch(new RegExp(`^FDT byte ${offset} \\(0x${offset.toString(16)}\\): `))
  expect(error.message).toMatch(text)
}

const sample: DtNode = {
  name: '',
  properties: [{ name: 'compatible', value: stringValue('test') }],
  children: [{ name: 'child@1', properties: [{ name: 'reg', value: cellsValue(1) }], children: [] }],
}

describe('decodeFdt on the QEMU pseries blobs' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden).each(VARIANTS)('%s: v17 header, no reservations, every node of the dts', (variant) => {
    const bytes = goldenDtb(variant)
    const decoded = decodeFdt(bytes)
    expect(decoded.version).toBe(17)
    expect(decoded.lastCompVersion).toBe(16)
    expect(decoded.bootCpuidPhys).toBe(0)
    expect(decoded.memReserve).toEqual([])
    expect(decoded.header.totalsize).toBe(bytes.length)
    expect(decoded.stringsBlock.length).toBe(decoded.header.sizeDtStrings)
    expect(decoded.tree.name).toBe('')
    const dts = goldenDts(variant)
    expect([...walkNodes(decoded.tree)].length).toBe(dts.split('\n').filter((line) => line.endsWith(' {')).length)
    const properties = [...walkNodes(decoded.tree)].reduce((sum, { node }) => sum + node.properties.length, 0)
    expect(properties).toBe(dts.split('\n').filter((line) => /^\t+[^\t].*;$/.test(line) && !line.endsWith('};')).length)
  })

  it.skipIf(!hasGolden)('default: the pmem container and its nodes in blob order', () => {
    const { tree } = decodeFdt(goldenDtb('default'))
    const container = findNodeByPath(tree, '/ibm,persistent-memory')!
    expect(container.children.map((child) => child.name)).toEqual(['ibm,pmemory@90000001', 'ibm,pmemory@90000000'])
    expect(container.properties.map((property) => property.name)).toEqual([
      'device_type',
      '#size-cells',
      '#address-cells',
    ])
  })
})

describe('decodeFdt', () => {
  it('reads what the encoder writes, reservations and boot cpu included', () => {
    const memReserve = [{ address: 0x1000n, size: 0x2000n }]
    const decoded = decodeFdt(encodeFdt(sample, { memReserve, bootCpuidPhys: 3 }))
    expect(decoded.tree).toEqual(sample)
    expect(decoded.memReserve).toEqual(memReserve)
    expect(decoded.bootCpuidPhys).toBe(3)
  })

  it('skips FDT_NOP tokens anywhere', () => {
    const bytes = rawBlob(
      [FDT_NOP, FDT_BEGIN_NODE, '', FDT_NOP, FDT_PROP, 4, 0, 7, FDT_NOP, FDT_END_NODE, FDT_NOP, FDT_END],
      'x\0',
    )
    expect(decodeFdt(bytes).tree).toEqual({ name: '', properties: [{ name: 'x', value: cellsValue(7) }], children: [] })
  })

  it('reads a version 16 blob, whose header has no structure size', () => {
    const bytes = setU32(encodeFdt(sample), FDT_HEADER.version, 16)
    const decoded = decodeFdt(bytes)
    expect(decoded.version).toBe(16)
    expect(decoded.header.sizeDtStruct).toBeUndefined()
    expect(decoded.tree).toEqual(sample)
  })

  it('ignores bytes past totalsize, as a buffer larger than its blob may hold', () => {
    const bytes = encodeFdt(sample)
    const padded = new Uint8Array(bytes.length + 64)
    padded.set(bytes)
    expect(decodeFdt(padded).tree).toEqual(sample)
  })

  it('stops the reservation map at the first entry of size 0, as libfdt and dtc do', () => {
    const bytes = encodeFdt(sample, { memReserve: [{ address: 0x10n, size: 0x20n }] })
    // The terminator's address need not be 0.
    const decoded = decodeFdt(setU32(bytes, 40 + 16 + 4, 0xabc))
    expect(decoded.memReserve).toEqual([{ address: 0x10n, size: 0x20n }])
  })
})

describe('decodeFdt refuses, with the byte offset', () => {
  const good = encodeFdt(sample)

  it('a buffer too short for a header', () => {
    expectFault(new Uint8Array(2), 0, /truncated: 2 bytes/)
    expectFault(good.subarray(0, 30), 0, /truncated: 30 bytes/)
    expectFault(good.subarray(0, 38), 0, /truncated: 38 bytes, a version 17 header is 40/)
  })

  it('a bad magic', () => expectFault(setU32(good, 0, 0x12345678), 0, /bad magic 0x12345678, expected 0xd00dfeed/))

  it('a version below 16, a last_comp_version above 17, a version below its last_comp_version', () => {
    expectFault(setU32(good, FDT_HEADER.version, 15), 20, /version 15 is older than 16/)
    expectFault(setU32(good, FDT_HEADER.lastCompVersion, 18), 24, /last_comp_version 18/)
    const v16 = setU32(setU32(good, FDT_HEADER.version, 16), FDT_HEADER.lastCompVersion, 17)
    expectFault(v16, 20, /version 16 is below its own last_comp_version 17/)
  })

  it('a truncated blob: totalsize past the buffer, blocks past totalsize', () => {
    expectFault(good.subarray(0, good.length - 1), 4, /truncated: totalsize \d+ but only \d+ bytes/)
    expectFault(setU32(good, FDT_HEADER.totalsize, 20), 4, /totalsize 20 is smaller than the 40-byte header/)
    expectFault(setU32(good, FDT_HEADER.sizeDtStruct, good.length), 36, /truncated structure block/)
    expectFault(setU32(good, FDT_HEADER.sizeDtStrings, good.length), 32, /truncated strings block/)
    expectFault(
      setU32(good, FDT_HEADER.offDtStrings, good.length + 4),
      12,
      /off_dt_strings 0x[0-9a-f]+ is past totalsize/,
    )
  })

  it('a block starting inside the header, a misaligned structure block', () => {
    expectFault(setU32(good, FDT_HEADER.offMemRsvmap, 8), 16, /off_mem_rsvmap 0x8 points into the 40-byte header/)
    expectFault(setU32(good, FDT_HEADER.offDtStruct, 58), 8, /off_dt_struct 0x3a is not 4-byte aligned/)
  })

  it('overlapping blocks', () => {
    const view = new DataView(good.buffer)
    const offStruct = view.getUint32(FDT_HEADER.offDtStruct)
    const overlapping = setU32(good, FDT_HEADER.offDtStrings, offStruct + 8)
    const error = fault(overlapping)
    expect(error.message).toMatch(/overlaps the structure block/)
    expect(error.message).toMatch(new RegExp(`^FDT byte ${offStruct + 8} `))
    // The structure block starting inside the reservation map (one entry and the terminator at 40).
    const withMap = encodeFdt(sample, { memReserve: [{ address: 1n, size: 1n }] })
    expectFault(
      setU32(withMap, FDT_HEADER.offDtStruct, 56),
      56,
      /structure block .* overlaps the memory reservation map/,
    )
  })

  it('a reservation map without its terminating entry', () => {
    const bytes = new Uint8Array(good.length)
    bytes.set(good)
    const view = new DataView(bytes.buffer)
    const offStrings = view.getUint32(FDT_HEADER.offDtStrings)
    // Point the map at the last 8 bytes: no room for an entry.
    view.setUint32(FDT_HEADER.offMemRsvmap, bytes.length - 8)
    expect(offStrings).toBeLessThan(bytes.length)
    expectFault(bytes, bytes.length - 8, /truncated memory reservation map/)
  })

  it('tokens out of place', () => {
    expectFault(rawBlob([FDT_PROP, 0, 0, FDT_END], 'x\0'), 56, /FDT_PROP outside any node/)
    expectFault(rawBlob([FDT_END_NODE, FDT_END]), 56, /FDT_END_NODE with no node open/)
    expectFault(rawBlob([FDT_BEGIN_NODE, '', FDT_END]), 64, /FDT_END inside \/, before its FDT_END_NODE/)
    expectFault(rawBlob([FDT_END]), 56, /FDT_END before any node/)
    expectFault(
      rawBlob([FDT_BEGIN_NODE, '', FDT_END_NODE, FDT_BEGIN_NODE, '', FDT_END_NODE, FDT_END]),
      68,
      /a second root/,
    )
    expectFault(
      rawBlob([FDT_BEGIN_NODE, '', FDT_BEGIN_NODE, 'a', FDT_END_NODE, FDT_PROP, 0, 0, FDT_END_NODE, FDT_END], 'x\0'),
      76,
      /FDT_PROP in \/ after its child nodes/,
    )
    expectFault(rawBlob([FDT_BEGIN_NODE, '', 0x7, FDT_END_NODE, FDT_END]), 64, /unknown token 0x7/)
  })

  it('a structure block without FDT_END, or with bytes after it', () => {
    expectFault(rawBlob([FDT_BEGIN_NODE, '', FDT_END_NODE]), 68, /ends at 0x44 without FDT_END/)
    expectFault(rawBlob([FDT_BEGIN_NODE, '', FDT_END_NODE, FDT_END, FDT_NOP]), 72, /leaves 4 bytes of the 20-byte/)
  })

  it('a property name offset outside the strings block, an unterminated property name', () => {
    expectFault(
      rawBlob([FDT_BEGIN_NODE, '', FDT_PROP, 0, 2, FDT_END_NODE, FDT_END], 'x\0'),
      72,
      /name offset 2 is outside the 2-byte strings block/,
    )
    // The strings block is 'ab' with no NUL: the name at 0 runs off its end (strings start at 84).
    expectFault(
      rawBlob([FDT_BEGIN_NODE, '', FDT_PROP, 0, 0, FDT_END_NODE, FDT_END], 'ab'),
      84,
      /unterminated property name at strings offset 0/,
    )
  })

  it('an unterminated node name, a value past the structure block', () => {
    const noNul = rawBlob([FDT_BEGIN_NODE, 0x61616161])
    expectFault(noNul, 60, /unterminated node name/)
    expectFault(
      rawBlob([FDT_BEGIN_NODE, '', FDT_PROP, 100, 0, FDT_END_NODE, FDT_END], 'x\0'),
      68,
      /value of 100 bytes runs past/,
    )
  })

  it('nodes nested deeper than the kernel unflattens', () => {
    let deep: DtNode = { name: 'leaf', properties: [], children: [] }
    for (let i = 0; i < 63; i++) deep = { name: `n${i}`, properties: [], children: [deep] }
    expect(() => decodeFdt(encodeFdt(deep))).not.toThrow()
    const words: (number | string)[] = []
    for (let i = 0; i < 65; i++) words.push(FDT_BEGIN_NODE, i === 0 ? '' : 'n')
    const error = fault(rawBlob([...words, FDT_END]))
    expect(error.message).toMatch(/nested deeper than 64/)
  })

  it('decodeFdtHeader alone checks the same header faults', () => {
    expect(() => decodeFdtHeader(setU32(good, 0, 0))).toThrow(/bad magic/)
    expect(decodeFdtHeader(good).totalsize).toBe(good.length)
  })
})
