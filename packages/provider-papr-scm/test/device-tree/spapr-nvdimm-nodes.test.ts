import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { findNodeByPath, getProperty, propertyCells } from '../../src/device-tree/dt-node.js'
import { readCells, readStringList } from '../../src/device-tree/dt-property.js'
import { formatDts } from '../../src/device-tree/dts-format.js'
import { decodeFdt } from '../../src/device-tree/fdt-decode.js'
import { encodeFdt } from '../../src/device-tree/fdt-encode.js'
import { parsePmemoryNodes } from '../../src/device-tree/pmemory-node.js'
import { buildPseriesTree } from '../../src/device-tree/pseries-tree.js'
import {
  SPAPR_PMEM_DRC_BASE,
  buildPmemoryNode,
  buildPseriesPmemNodes,
  normalizeUnitGuid,
  pmemDrcIndex,
} from '../../src/device-tree/spapr-nvdimm-nodes.js'
import type { SpaprNvdimmDevice } from '../../src/device-tree/spapr-nvdimm-nodes.js'
import {
  DTC_SKIP_NOTE,
  GOLDEN_SKIP_NOTE,
  VARIANTS,
  devicesOfCommand,
  goldenDtb,
  hasDtc,
  hasGolden,
  runDtc,
} from './golden.js'

function errno(run: () => unknown): { errno: string; message: string } {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return { errno: (error as NvdimmError).errno, message: (error as NvdimmError).message }
  }
  throw new Error('no error')
}

describe('buildPseriesPmemNodes against QEMU 7.2' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden).each(VARIANTS)(
    '%s: the /ibm,persistent-memory subtree, property bytes and order, node order',
    (variant) => {
      const golden = findNodeByPath(decodeFdt(goldenDtb(variant)).tree, '/ibm,persistent-memory')!
      expect(buildPseriesPmemNodes(devicesOfCommand(variant))).toEqual(golden)
    },
  )

  it.skipIf(!hasGolden)('the root lists a PMEM DRC per slot, 0x90000000 + slot, named "PMEM <slot>"', () => {
    const root = decodeFdt(goldenDtb('default')).tree
    const indexes = propertyCells(root, 'ibm,drc-indexes')!
    const count = indexes[0]!
    const countedStrings = (name: string) => {
      const value = getProperty(root, name)!.value
      expect(readCells(value.subarray(0, 4))).toEqual([count])
      return readStringList(value.subarray(4))!
    }
    const names = countedStrings('ibm,drc-names')
    const types = countedStrings('ibm,drc-types')
    const domains = propertyCells(root, 'ibm,drc-power-domains')!
    const pmem = indexes
      .slice(1)
      .map((index, i) => ({ index, name: names[i], type: types[i], domain: domains[i + 1] }))
      .filter((entry) => entry.type === 'PMEM')
      .sort((a, b) => a.index - b.index)
    // -m slots=4 in default.cmd.
    expect(pmem).toEqual(
      [0, 1, 2, 3].map((slot) => ({
        index: pmemDrcIndex(slot),
        name: `PMEM ${slot}`,
        type: 'PMEM',
        domain: 0xffffffff,
      })),
    )
    // buildPseriesTree lists the same four entries, in slot order.
    const built = buildPseriesTree(devicesOfCommand('default'), { slots: 4 })
    expect(propertyCells(built, 'ibm,drc-indexes')).toEqual([4, ...pmem.map((entry) => entry.index)])
    expect(readStringList(getProperty(built, 'ibm,drc-names')!.value.subarray(4))).toEqual(pmem.map((e) => e.name))
    expect(readStringList(getProperty(built, 'ibm,drc-types')!.value.subarray(4))).toEqual(pmem.map((e) => e.type))
    expect(propertyCells(built, 'ibm,drc-power-domains')).toEqual([4, ...pmem.map((e) => e.domain)])
  })
})

const device: SpaprNvdimmDevice = {
  drcIndex: pmemDrcIndex(2),
  unitGuid: '4F2A7C1E-9D3B-4E55-8A61-0C2D3E4F5A6B',
  blockCount: 3n,
  metadataSize: 0x40000,
  hcallFlushRequired: false,
  numaNode: 1,
}

describe('buildPmemoryNode', () => {
  it('names the node by its DRC index, writes the uuid in lower case, QEMU block size and associativity', () => {
    const node = buildPmemoryNode(device)
    expect(node.name).toBe('ibm,pmemory@90000002')
    const [parsed] = parsePmemoryNodes({ name: '', properties: [], children: [buildPseriesPmemNodes([device])] })
    expect(parsed).toMatchObject({
      drcIndex: 0x90000002,
      unitGuid: '4f2a7c1e-9d3b-4e55-8a61-0c2d3e4f5a6b',
      blockSize: 0x10000000n,
      blockCount: 3n,
      metadataSize: 0x40000,
      hcallFlushRequired: false,
      cacheFlushRequired: true,
      numaAssociativity: [4, 0, 0, 0, 1],
    })
    expect(node.properties.map((property) => property.name)).toEqual([
      'ibm,cache-flush-required',
      'ibm,pmem-application',
      'ibm,metadata-size',
      'ibm,number-of-blocks',
      'ibm,block-size',
      'ibm,my-drc-index',
      'ibm,unit-guid',
      'ibm,associativity',
      'device_type',
      'compatible',
      'reg',
    ])
  })

  it('takes a block size and a whole associativity array when given', () => {
    const node = buildPmemoryNode({ ...device, blockSize: 0x1000000n, associativity: [1, 0] })
    expect(propertyCells(node, 'ibm,associativity')).toEqual([1, 0])
    expect(propertyCells(node, 'ibm,block-size')).toEqual([0, 0x1000000])
  })

  it('refuses what has no place in the tree', () => {
    expect(errno(() => buildPmemoryNode({ ...device, unitGuid: 'nope' }))).toMatchObject({ errno: 'EINVAL' })
    expect(errno(() => buildPmemoryNode({ ...device, drcIndex: 2 ** 32 })).message).toMatch(/DRC index/)
    expect(errno(() => buildPmemoryNode({ ...device, metadataSize: -1 })).message).toMatch(/metadata size/)
    expect(errno(() => buildPmemoryNode({ ...device, blockCount: -1n })).errno).toBe('EINVAL')
    expect(errno(() => buildPmemoryNode({ ...device, blockSize: 0n })).message).toMatch(/block size/)
    expect(errno(() => buildPseriesPmemNodes([device, device])).message).toMatch(
      /two devices with DRC index 0x90000002/,
    )
  })

  it('pmemDrcIndex and normalizeUnitGuid', () => {
    expect(SPAPR_PMEM_DRC_BASE).toBe(0x90000000)
    expect(pmemDrcIndex(0)).toBe(0x90000000)
    expect(pmemDrcIndex(3)).toBe(0x90000003)
    expect(errno(() => pmemDrcIndex(-1)).errno).toBe('EINVAL')
    expect(normalizeUnitGuid('72511B67-0B3B-42FD-8D1D-5BE3CAE8BCAA')).toBe('72511b67-0b3b-42fd-8d1d-5be3cae8bcaa')
    expect(errno(() => normalizeUnitGuid('72511b67-0b3b-42fd-8d1d-5be3cae8bcaa0')).errno).toBe('EINVAL')
  })
})

describe('buildPseriesTree', () => {
  const devices: SpaprNvdimmDevice[] = [
    { ...device, drcIndex: pmemDrcIndex(0), unitGuid: '72511b67-0b3b-42fd-8d1d-5be3cae8bcaa' },
    { ...device, drcIndex: pmemDrcIndex(1), hcallFlushRequired: true },
  ]

  it('a blob whose SCM nodes parse back to the devices', () => {
    const tree = buildPseriesTree(devices, { bootargs: 'console=hvc0' })
    const decoded = decodeFdt(encodeFdt(tree))
    expect(decoded.tree).toEqual(tree)
    const nodes = parsePmemoryNodes(decoded.tree)
    expect(nodes.map((node) => node.drcIndex)).toEqual([0x90000001, 0x90000000])
    expect(nodes.map((node) => node.unitGuid)).toEqual([
      '4f2a7c1e-9d3b-4e55-8a61-0c2d3e4f5a6b',
      '72511b67-0b3b-42fd-8d1d-5be3cae8bcaa',
    ])
    expect(tree.children.map((child) => child.name)).toEqual(['ibm,persistent-memory', 'chosen'])
    expect(formatDts(tree)).toContain('\tchosen {\n\t\tbootargs = "console=hvc0";\n\t};')
    expect(formatDts(tree)).toContain(
      '\tcompatible = "qemu,pseries";\n\tmodel = "IBM pSeries (emulated by qemu)";\n\tdevice_type = "chrp";\n',
    )
  })

  it('slots default to the highest one in use; an empty machine has none', () => {
    expect(propertyCells(buildPseriesTree(devices), 'ibm,drc-indexes')).toEqual([2, 0x90000000, 0x90000001])
    expect(propertyCells(buildPseriesTree([]), 'ibm,drc-indexes')).toEqual([0])
    expect(findNodeByPath(buildPseriesTree([]), '/ibm,persistent-memory')!.children).toEqual([])
  })

  it('refuses a device outside the PMEM connectors or the slots', () => {
    expect(errno(() => buildPseriesTree([{ ...device, drcIndex: 0x80000000 }])).message).toMatch(/not a PMEM connector/)
    expect(errno(() => buildPseriesTree(devices, { slots: 1 })).message).toMatch(
      /PMEM slot 1, but the machine has 1 slots/,
    )
  })

  it.skipIf(!hasDtc)(`dtc reads the blob and prints formatDts's text${DTC_SKIP_NOTE}`, () => {
    const tree = buildPseriesTree(devices, { slots: 4, vmUuid: '11111111-2222-3333-4444-555555555555' })
    const dtc = runDtc(['-I', 'dtb', '-O', 'dts', '-q'], encodeFdt(tree))
    expect(dtc.status).toBe(0)
    expect(dtc.stdout.toString()).toBe(formatDts(tree))
  })
})
