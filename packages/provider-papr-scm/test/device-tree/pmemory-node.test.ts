import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { findNodeByPath } from '../../src/device-tree/dt-node.js'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import { cellsValue, dtProperty, stringListValue, stringValue, u64Value } from '../../src/device-tree/dt-property.js'
import { decodeFdt } from '../../src/device-tree/fdt-decode.js'
import { findPaprScmNodes, parsePaprScmNode, parsePmemoryNodes } from '../../src/device-tree/pmemory-node.js'
import type { PaprScmNode } from '../../src/device-tree/pmemory-node.js'
import { buildPseriesPmemNodes } from '../../src/device-tree/spapr-nvdimm-nodes.js'
import type { SpaprNvdimmDevice } from '../../src/device-tree/spapr-nvdimm-nodes.js'
import { GOLDEN_SKIP_NOTE, VARIANTS, devicesOfCommand, goldenDtb, hasGolden } from './golden.js'

/** What papr_scm_probe() should read for a device QEMU was given. */
function expected(device: SpaprNvdimmDevice): PaprScmNode {
  const name = `ibm,pmemory@${device.drcIndex.toString(16)}`
  return {
    path: `/ibm,persistent-memory/${name}`,
    name,
    compatible: ['ibm,pmemory'],
    drcIndex: device.drcIndex,
    blockSize: 256n << 20n,
    blockCount: device.blockCount,
    unitGuid: device.unitGuid,
    metadataSize: device.metadataSize,
    cacheFlushRequired: true,
    isVolatile: false,
    hcallFlushRequired: device.hcallFlushRequired,
    numaAssociativity: [4, 0, 0, 0, device.numaNode ?? 0],
  }
}

describe('parsePmemoryNodes on the QEMU pseries blobs' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden).each(VARIANTS)(
    '%s: one node per spapr-nvdimm of the command line, last created first',
    (variant) => {
      const nodes = parsePmemoryNodes(decodeFdt(goldenDtb(variant)).tree)
      expect(nodes).toEqual(devicesOfCommand(variant).map(expected).reverse())
    },
  )

  it.skipIf(!hasGolden)('the variants differ where the README says they do', () => {
    const parse = (variant: string) => parsePmemoryNodes(decodeFdt(goldenDtb(variant)).tree)
    expect(parse('no-nvdimm')).toEqual([])
    const byDrc = (variant: string) => new Map(parse(variant).map((node) => [node.drcIndex, node]))
    // nv0 backed by pmem=on: no hcall flush, unless pmem-override=on puts it back.
    expect(byDrc('backend-pmem-on').get(0x90000000)!.hcallFlushRequired).toBe(false)
    expect(byDrc('backend-pmem-on').get(0x90000001)!.hcallFlushRequired).toBe(true)
    expect(byDrc('backend-pmem-on-same-override').get(0x90000000)!.hcallFlushRequired).toBe(true)
    expect(byDrc('backend-pmem-on+pmem-override').get(0x90000000)!.hcallFlushRequired).toBe(false)
    // numa: nv1 node=2 is the last associativity cell.
    expect(byDrc('numa').get(0x90000001)!.numaAssociativity).toEqual([4, 0, 0, 0, 2])
    expect(byDrc('numa').get(0x90000000)!.numaAssociativity).toEqual([4, 0, 0, 0, 0])
    // power10, power9, unarmed and pmem-override leave the pmem nodes as in default.
    for (const variant of ['power10', 'power9', 'unarmed', 'pmem-override'])
      expect(parse(variant)).toEqual(parse('default'))
  })
})

const device: SpaprNvdimmDevice = {
  drcIndex: 0x90000000,
  unitGuid: '72511b67-0b3b-42fd-8d1d-5be3cae8bcaa',
  blockCount: 4n,
  metadataSize: 0x20000,
  hcallFlushRequired: true,
}

function treeWith(edit: (node: DtNode) => void, container?: (node: DtNode) => void): DtNode {
  const pmem = buildPseriesPmemNodes([device])
  edit(pmem.children[0]!)
  container?.(pmem)
  return { name: '', properties: [], children: [pmem] }
}

function without(name: string): (node: DtNode) => void {
  return (node) => {
    node.properties = node.properties.filter((property) => property.name !== name)
  }
}

function replaced(name: string, value: Uint8Array): (node: DtNode) => void {
  return (node) => {
    node.properties = node.properties.map((property) => (property.name === name ? { name, value } : property))
  }
}

function enodev(tree: DtNode): string {
  try {
    parsePmemoryNodes(tree)
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('ENODEV')
    return (error as NvdimmError).message
  }
  throw new Error('parsed')
}

const PATH = '/ibm,persistent-memory/ibm,pmemory@90000000'

describe('parsePmemoryNodes refuses what papr_scm_probe() refuses, with its message', () => {
  it.each([
    ['ibm,my-drc-index', 'drc-index'],
    ['ibm,block-size', 'block-size'],
    ['ibm,number-of-blocks', 'number-of-blocks'],
    ['ibm,unit-guid', 'unit-guid'],
  ])('no %s: "%%pOF: missing %s!"', (property, what) => {
    expect(enodev(treeWith(without(property)))).toBe(`${PATH}: missing ${what}!`)
  })

  it('checks in the kernel order: drc-index first', () => {
    const all = (node: DtNode) => {
      for (const name of ['ibm,unit-guid', 'ibm,number-of-blocks', 'ibm,block-size', 'ibm,my-drc-index'])
        without(name)(node)
    }
    expect(enodev(treeWith(all))).toBe(`${PATH}: missing drc-index!`)
  })

  it('a value too short for its type is missing (of_property_read_u32/u64/string)', () => {
    expect(enodev(treeWith(replaced('ibm,my-drc-index', new Uint8Array(3))))).toBe(`${PATH}: missing drc-index!`)
    expect(enodev(treeWith(replaced('ibm,block-size', cellsValue(1))))).toBe(`${PATH}: missing block-size!`)
    expect(enodev(treeWith(replaced('ibm,number-of-blocks', new Uint8Array(7))))).toBe(
      `${PATH}: missing number-of-blocks!`,
    )
    expect(enodev(treeWith(replaced('ibm,unit-guid', new Uint8Array([0x61, 0x62]))))).toBe(
      `${PATH}: missing unit-guid!`,
    )
    expect(enodev(treeWith(replaced('ibm,unit-guid', new Uint8Array(0))))).toBe(`${PATH}: missing unit-guid!`)
  })
})

describe('parsePmemoryNodes reads the optional properties as papr_scm does', () => {
  it('metadata-size, associativity and persistence-failed-count may be absent', () => {
    const tree = treeWith((node) => {
      without('ibm,metadata-size')(node)
      without('ibm,associativity')(node)
    })
    const [node] = parsePmemoryNodes(tree)
    expect(node!.metadataSize).toBeUndefined()
    expect(node!.numaAssociativity).toBeUndefined()
    expect(node!.persistenceFailedCount).toBeUndefined()
  })

  it('no ibm,cache-flush-required: a volatile region; ibm,persistence-failed-count read as u64', () => {
    const tree = treeWith((node) => {
      without('ibm,cache-flush-required')(node)
      without('ibm,hcall-flush-required')(node)
      node.properties.push(dtProperty('ibm,persistence-failed-count', u64Value(7n)))
    })
    const [node] = parsePmemoryNodes(tree)
    expect(node).toMatchObject({ cacheFlushRequired: false, isVolatile: true, hcallFlushRequired: false })
    expect(node!.persistenceFailedCount).toBe(7n)
  })

  it('a unit-guid that is not a UUID is kept as written (probe ignores uuid_parse() failing)', () => {
    const [node] = parsePmemoryNodes(treeWith(replaced('ibm,unit-guid', stringValue('not-a-uuid'))))
    expect(node!.unitGuid).toBe('not-a-uuid')
  })
})

describe('which nodes papr_scm is offered', () => {
  it('compatible "ibm,pmemory-v2", or a list naming either', () => {
    const v2 = parsePmemoryNodes(treeWith(replaced('compatible', stringValue('ibm,pmemory-v2'))))
    expect(v2[0]!.compatible).toEqual(['ibm,pmemory-v2'])
    const list = parsePmemoryNodes(treeWith(replaced('compatible', stringListValue(['vendor,x', 'ibm,pmemory']))))
    expect(list[0]!.compatible).toEqual(['vendor,x', 'ibm,pmemory'])
  })

  it('not another compatible, not a disabled node, not a container without its device_type or disabled', () => {
    expect(parsePmemoryNodes(treeWith(replaced('compatible', stringValue('ibm,persistent-memory-v2'))))).toEqual([])
    expect(
      parsePmemoryNodes(treeWith((node) => node.properties.push(dtProperty('status', stringValue('disabled'))))),
    ).toEqual([])
    expect(
      parsePmemoryNodes(treeWith((node) => node.properties.push(dtProperty('status', stringValue('okay'))))),
    ).toHaveLength(1)
    expect(parsePmemoryNodes(treeWith(() => {}, without('device_type')))).toEqual([])
    expect(
      parsePmemoryNodes(
        treeWith(
          () => {},
          (container) => container.properties.push(dtProperty('status', stringValue('fail'))),
        ),
      ),
    ).toEqual([])
  })

  it('findPaprScmNodes gives each node with its %pOF path; parsePaprScmNode parses one', () => {
    const tree = treeWith(() => {})
    const [found] = findPaprScmNodes(tree)
    expect(found!.path).toBe(PATH)
    expect(found!.node).toBe(findNodeByPath(tree, PATH))
    expect(parsePaprScmNode(found!.node, found!.path)).toEqual(expected(device))
  })
})
