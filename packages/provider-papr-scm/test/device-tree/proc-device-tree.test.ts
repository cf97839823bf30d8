import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { NvdimmError } from '@nvdimm/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findNodeByPath, sortedTree, walkNodes } from '../../src/device-tree/dt-node.js'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import { EMPTY_VALUE, cellsValue, readString, stringValue } from '../../src/device-tree/dt-property.js'
import { decodeFdt } from '../../src/device-tree/fdt-decode.js'
import { parsePmemoryNodes } from '../../src/device-tree/pmemory-node.js'
import { readDeviceTreeDir, writeDeviceTreeDir } from '../../src/device-tree/proc-device-tree.js'
import { GOLDEN_SKIP_NOTE, PSERIES_DTB, VARIANTS, goldenDtb, hasGolden } from './golden.js'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-dt-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

/** What the kernel shows for a tree, written here independently of writeDeviceTreeDir(). */
function writeAsKernel(node: DtNode, at: string): void {
  fs.mkdirSync(at, { recursive: true })
  for (const property of node.properties) fs.writeFileSync(path.join(at, property.name), property.value)
  if (!node.properties.some((property) => property.name === 'name')) {
    const unit = node.name.lastIndexOf('@')
    fs.writeFileSync(path.join(at, 'name'), `${unit < 0 ? node.name : node.name.slice(0, unit)}\0`)
  }
  for (const child of node.children) writeAsKernel(child, path.join(at, child.name))
}

function errnoOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return (error as NvdimmError).errno
  }
  throw new Error('no error')
}

describe('readDeviceTreeDir on trees unflattened from the QEMU blobs' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden)('default: the blob tree, sorted, without the name properties the kernel adds', () => {
    const { tree } = decodeFdt(goldenDtb('default'))
    writeAsKernel(tree, dir)
    expect(readDeviceTreeDir(dir)).toEqual(sortedTree(tree))
    const withNames = readDeviceTreeDir(dir, { keepNameProperties: true })
    const pmem = findNodeByPath(withNames, '/ibm,persistent-memory/ibm,pmemory@90000000')!
    expect(readString(pmem.properties.find((property) => property.name === 'name')!.value)).toBe('ibm,pmemory')
    for (const { node } of walkNodes(withNames)) expect(node.properties.some((p) => p.name === 'name')).toBe(true)
  })

  it.skipIf(!hasGolden).each(VARIANTS)(
    '%s: writeDeviceTreeDir then readDeviceTreeDir gives the tree back',
    (variant) => {
      const { tree } = decodeFdt(goldenDtb(variant))
      const at = path.join(dir, variant)
      writeDeviceTreeDir(tree, at)
      expect(readDeviceTreeDir(at)).toEqual(sortedTree(tree))
      expect(parsePmemoryNodes(readDeviceTreeDir(at))).toEqual(
        [...parsePmemoryNodes(tree)].sort((a, b) => a.drcIndex - b.drcIndex),
      )
    },
  )
})

/** `--- ibm,persistent-memory/<file>` blocks of guest-dt.txt: hexdump -C of each property file. */
function guestFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  let current: { name: string; bytes: number[] } | undefined
  const lines = fs.readFileSync(path.join(PSERIES_DTB, 'guest-view', 'guest-dt.txt'), 'latin1').split('\n')
  for (const line of lines) {
    if (line.startsWith('--- ') || line.startsWith('===')) {
      if (current) files.set(current.name, new Uint8Array(current.bytes))
      current = line.startsWith('--- ibm,persistent-memory/') ? { name: line.slice(4), bytes: [] } : undefined
    } else if (current && /^[0-9a-f]{8}  /.test(line)) {
      const hex = line.slice(8).split('|')[0]!.trim()
      if (hex) current.bytes.push(...hex.split(/\s+/).map((pair) => parseInt(pair, 16)))
    }
  }
  return files
}

describe('readDeviceTreeDir on what a booted guest showed' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden)('the pmem nodes after SLOF and CAS: FORM2 associativity, phandles, the rest as dumped', () => {
    for (const [name, bytes] of guestFiles()) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
      fs.writeFileSync(path.join(dir, name), bytes)
    }
    const guest = readDeviceTreeDir(dir)
    const container = findNodeByPath(guest, '/ibm,persistent-memory')!
    expect(container.properties.map((property) => property.name)).toEqual([
      '#address-cells',
      '#size-cells',
      'device_type',
      'phandle',
      'slof,from-fdt',
    ])
    const seen = parsePmemoryNodes(guest)
    const dumped = parsePmemoryNodes(decodeFdt(goldenDtb('default')).tree).sort((a, b) => a.drcIndex - b.drcIndex)
    expect(seen.map((node) => node.numaAssociativity)).toEqual([
      [1, 0],
      [1, 0],
    ])
    expect(seen.map(({ numaAssociativity: _, ...rest }) => rest)).toEqual(
      dumped.map(({ numaAssociativity: _, ...rest }) => rest),
    )
  })
})

describe('readDeviceTreeDir', () => {
  it('keeps a name property that is not the one the kernel would add', () => {
    writeDeviceTreeDir({ name: '', properties: [{ name: 'name', value: stringValue('other') }], children: [] }, dir)
    expect(readDeviceTreeDir(dir).properties).toEqual([{ name: 'name', value: stringValue('other') }])
  })

  it('reads empty files as empty properties and leaves out what is neither file nor directory', () => {
    const tree: DtNode = {
      name: '',
      properties: [{ name: 'flag', value: EMPTY_VALUE }],
      children: [{ name: 'a@1', properties: [{ name: 'reg', value: cellsValue(1) }], children: [] }],
    }
    writeDeviceTreeDir(tree, dir)
    fs.symlinkSync(path.join(dir, 'a@1'), path.join(dir, 'link'))
    expect(readDeviceTreeDir(dir)).toEqual(tree)
  })

  it('refuses a missing directory or a file', () => {
    expect(errnoOf(() => readDeviceTreeDir(path.join(dir, 'absent')))).toBe('ENOENT')
    fs.writeFileSync(path.join(dir, 'file'), 'x')
    expect(errnoOf(() => readDeviceTreeDir(path.join(dir, 'file')))).toBe('EINVAL')
  })
})

describe('writeDeviceTreeDir', () => {
  it('refuses names that cannot be files, and a property and a child of one name', () => {
    const slash: DtNode = { name: '', properties: [{ name: 'a/b', value: EMPTY_VALUE }], children: [] }
    expect(errnoOf(() => writeDeviceTreeDir(slash, dir))).toBe('EINVAL')
    const clash: DtNode = {
      name: '',
      properties: [{ name: 'x', value: EMPTY_VALUE }],
      children: [{ name: 'x', properties: [], children: [] }],
    }
    expect(errnoOf(() => writeDeviceTreeDir(clash, path.join(dir, 'clash')))).toBe('EEXIST')
  })

  it('adds no name files when asked not to', () => {
    writeDeviceTreeDir({ name: '', properties: [], children: [{ name: 'c@2', properties: [], children: [] }] }, dir, {
      addNameProperties: false,
    })
    expect(fs.readdirSync(dir)).toEqual(['c@2'])
    expect(fs.readdirSync(path.join(dir, 'c@2'))).toEqual([])
  })
})
