import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  findChild,
  findNodeByPath,
  findNodesByCompatible,
  hasProperty,
  isNodeAvailable,
  nodeBaseName,
  nodeUnitAddress,
  propertyCells,
  propertyString,
  propertyStrings,
  propertyU32,
  propertyU64,
  sortedTree,
  walkNodes,
} from '../../src/device-tree/dt-node.js'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import {
  EMPTY_VALUE,
  cellsValue,
  latin1FromBytes,
  latin1ToBytes,
  readCells,
  readString,
  readStringList,
  readU32,
  readU64,
  stringListValue,
  stringValue,
  u64Value,
} from '../../src/device-tree/dt-property.js'

describe('property values', () => {
  it('cells, u64 and strings in the blob byte order', () => {
    expect(cellsValue(0x90000000, 1)).toEqual(new Uint8Array([0x90, 0, 0, 0, 0, 0, 0, 1]))
    expect(u64Value(0x1_0000_0002n)).toEqual(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2]))
    expect(stringValue('ab')).toEqual(new Uint8Array([0x61, 0x62, 0]))
    expect(stringListValue(['a', '', 'b'])).toEqual(new Uint8Array([0x61, 0, 0, 0x62, 0]))
  })

  it('reads as of_property_read_*() does: the first cell, the first string, undefined when too short', () => {
    expect(readU32(cellsValue(7, 8))).toBe(7)
    expect(readU32(new Uint8Array(3))).toBeUndefined()
    expect(readU64(cellsValue(1, 2, 3))).toBe(0x1_0000_0002n)
    expect(readU64(cellsValue(1))).toBeUndefined()
    expect(readCells(cellsValue(1, 2))).toEqual([1, 2])
    expect(readCells(new Uint8Array(5))).toBeUndefined()
    expect(readString(stringListValue(['x', 'y']))).toBe('x')
    expect(readString(EMPTY_VALUE)).toBeUndefined()
    expect(readString(new Uint8Array([0x61]))).toBeUndefined()
    expect(readStringList(stringListValue(['x', 'y']))).toEqual(['x', 'y'])
    expect(readStringList(new Uint8Array([0x61]))).toBeUndefined()
  })

  it('latin1: every byte a char and back; a char above 0xff refused', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(latin1ToBytes(latin1FromBytes(bytes))).toEqual(bytes)
    expect(latin1FromBytes(new Uint8Array(100_000)).length).toBe(100_000)
    expect(() => latin1ToBytes('\u0100')).toThrow(NvdimmError)
    expect(() => stringValue('a\0b')).toThrow(/holds a NUL/)
    expect(() => cellsValue(-1)).toThrow(/32-bit cell/)
    expect(() => u64Value(2n ** 64n)).toThrow(/64-bit/)
  })
})

const tree: DtNode = {
  name: '',
  properties: [{ name: 'compatible', value: stringValue('qemu,pseries') }],
  children: [
    {
      name: 'cpus',
      properties: [],
      children: [
        {
          name: 'cpu@0',
          properties: [{ name: 'compatible', value: stringListValue(['ibm,power9', 'x']) }],
          children: [],
        },
        { name: 'cpu@8', properties: [{ name: 'status', value: stringValue('disabled') }], children: [] },
      ],
    },
    {
      name: 'node',
      properties: [
        { name: 'u', value: cellsValue(5, 6) },
        { name: 'flag', value: EMPTY_VALUE },
        { name: 's', value: stringListValue(['a', 'b']) },
      ],
      children: [],
    },
    { name: 'node@1', properties: [], children: [] },
  ],
}

describe('tree lookups', () => {
  it('paths, with the unit address optional as libfdt allows', () => {
    expect(findNodeByPath(tree, '/')).toBe(tree)
    expect(findNodeByPath(tree, '/cpus/cpu@8')!.name).toBe('cpu@8')
    expect(findNodeByPath(tree, '/cpus/cpu')!.name).toBe('cpu@0')
    // An exact name wins over a unit-address match.
    expect(findNodeByPath(tree, '/node')!.name).toBe('node')
    expect(findNodeByPath(tree, '/node@1')!.name).toBe('node@1')
    expect(findNodeByPath(tree, '/cpus/cpu@4')).toBeUndefined()
    expect(findNodeByPath(tree, 'cpus')).toBeUndefined()
    expect(findChild(tree, 'cpus@0')).toBeUndefined()
  })

  it('walks depth first with %pOF paths; finds by compatible; availability from status', () => {
    expect([...walkNodes(tree)].map(({ path }) => path)).toEqual([
      '/',
      '/cpus',
      '/cpus/cpu@0',
      '/cpus/cpu@8',
      '/node',
      '/node@1',
    ])
    expect(findNodesByCompatible(tree, 'x').map(({ path }) => path)).toEqual(['/cpus/cpu@0'])
    expect(findNodesByCompatible(tree, 'qemu,pseries').map(({ path }) => path)).toEqual(['/'])
    expect(isNodeAvailable(findNodeByPath(tree, '/cpus/cpu@8')!)).toBe(false)
    expect(isNodeAvailable(findNodeByPath(tree, '/cpus/cpu@0')!)).toBe(true)
  })

  it('typed property reads on a node', () => {
    const node = findNodeByPath(tree, '/node')!
    expect(propertyU32(node, 'u')).toBe(5)
    expect(propertyU64(node, 'u')).toBe(0x5_0000_0006n)
    expect(propertyCells(node, 'u')).toEqual([5, 6])
    expect(propertyString(node, 's')).toBe('a')
    expect(propertyStrings(node, 's')).toEqual(['a', 'b'])
    expect(hasProperty(node, 'flag')).toBe(true)
    expect(hasProperty(node, 'absent')).toBe(false)
    expect(propertyU32(node, 'absent')).toBeUndefined()
  })

  it('names and units; a sorted copy', () => {
    expect(nodeBaseName('ibm,pmemory@90000000')).toBe('ibm,pmemory')
    expect(nodeUnitAddress('ibm,pmemory@90000000')).toBe('90000000')
    expect(nodeUnitAddress('chosen')).toBeUndefined()
    const sorted = sortedTree(findNodeByPath(tree, '/node')!)
    expect(sorted.properties.map((property) => property.name)).toEqual(['flag', 's', 'u'])
  })
})
