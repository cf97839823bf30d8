/**
 * The tree as the kernel shows it in /proc/device-tree (/sys/firmware/devicetree/base,
 * drivers/of/kobj.c): a directory per node named `name@unit`, a file per property holding its raw
 * value. The kernel adds a `name` property to every node whose blob had none (drivers/of/fdt.c
 * populate_properties(): the node name up to its last `@`, with its NUL); the reader drops those unless
 * asked to keep them, so reading back what a blob unflattened to gives the blob's tree.
 * A directory has no order: properties and children come back sorted by name.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { NvdimmError } from '@nvdimm/core'
import { childPath } from './dt-node.js'
import type { DtNode } from './dt-node.js'
import { latin1FromBytes, latin1ToBytes, stringValue } from './dt-property.js'
import type { DtProperty } from './dt-property.js'
import { FDT_MAX_DEPTH } from './fdt-layout.js'

export interface ReadDeviceTreeDirOptions {
  /** Keep `name` properties equal to what the kernel would synthesize; dropped by default. */
  keepNameProperties?: boolean
}

export interface WriteDeviceTreeDirOptions {
  /** Add the `name` file the kernel gives a node that has none (on by default, as in /proc). */
  addNameProperties?: boolean
}

function fsError(error: unknown, where: string): NvdimmError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return new NvdimmError('ENOENT', `${where}: no such file or directory`, { cause: error })
  if (code === 'ENOTDIR') return new NvdimmError('EINVAL', `${where}: not a directory`, { cause: error })
  if (code === 'EACCES') return new NvdimmError('EACCES', `${where}: permission denied`, { cause: error })
  return new NvdimmError('EIO', `${where}: ${(error as Error).message}`, { cause: error })
}

/** Directory entries as latin1 names, so bytes in file names survive as they do in blob names. */
function listDir(dir: Buffer): { name: string; entry: Buffer; kind: 'dir' | 'file' | 'other' }[] {
  let entries: fs.Dirent<Buffer>[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })
  } catch (error) {
    throw fsError(error, dir.toString())
  }
  return entries
    .map((entry) => ({
      name: latin1FromBytes(entry.name),
      entry: Buffer.concat([dir, Buffer.from('/'), entry.name]),
      kind: entry.isDirectory() ? ('dir' as const) : entry.isFile() ? ('file' as const) : ('other' as const),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** The `name` value populate_properties() would add for a node: its name up to the last `@`, NUL-terminated. */
export function synthesizedNameValue(nodeName: string): Uint8Array {
  const at = nodeName.lastIndexOf('@')
  return stringValue(at < 0 ? nodeName : nodeName.slice(0, at))
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

function readNode(
  dir: Buffer,
  name: string,
  nodePath: string,
  depth: number,
  options: ReadDeviceTreeDirOptions,
): DtNode {
  if (depth > FDT_MAX_DEPTH)
    throw new NvdimmError(
      'EINVAL',
      `${nodePath}: nodes nested deeper than ${FDT_MAX_DEPTH} (drivers/of/fdt.c FDT_MAX_DEPTH)`,
    )
  const node: DtNode = { name, properties: [], children: [] }
  for (const entry of listDir(dir)) {
    if (entry.kind === 'dir') {
      node.children.push(readNode(entry.entry, entry.name, childPath(nodePath, entry.name), depth + 1, options))
    } else if (entry.kind === 'file') {
      let value: Uint8Array
      try {
        value = new Uint8Array(fs.readFileSync(entry.entry))
      } catch (error) {
        throw fsError(error, entry.entry.toString())
      }
      const synthesized = entry.name === 'name' && sameBytes(value, synthesizedNameValue(name))
      if (!synthesized || options.keepNameProperties) node.properties.push({ name: entry.name, value })
    }
  }
  return node
}

/** A /proc/device-tree-style directory → the tree (root name ""). */
export function readDeviceTreeDir(dir: string, options: ReadDeviceTreeDirOptions = {}): DtNode {
  return readNode(Buffer.from(path.resolve(dir)), '', '/', 1, options)
}

function checkEntryName(name: string, what: string, nodePath: string): Buffer {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new NvdimmError('EINVAL', `${nodePath}: ${what} ${JSON.stringify(name)} cannot be a file name`)
  return Buffer.from(latin1ToBytes(name, `${what} in ${nodePath}`))
}

function writeNode(node: DtNode, dir: Buffer, nodePath: string, options: WriteDeviceTreeDirOptions): void {
  try {
    fs.mkdirSync(dir, { recursive: true })
  } catch (error) {
    throw fsError(error, dir.toString())
  }
  const properties: DtProperty[] = [...node.properties]
  if ((options.addNameProperties ?? true) && !properties.some((property) => property.name === 'name'))
    properties.push({ name: 'name', value: synthesizedNameValue(node.name) })
  const used = new Set<string>()
  const claim = (name: string, what: string): Buffer => {
    const entry = checkEntryName(name, what, nodePath)
    if (used.has(name)) throw new NvdimmError('EEXIST', `${nodePath}: two entries named ${JSON.stringify(name)}`)
    used.add(name)
    return Buffer.concat([dir, Buffer.from('/'), entry])
  }
  for (const property of properties) {
    const file = claim(property.name, 'property name')
    try {
      fs.writeFileSync(file, property.value)
    } catch (error) {
      throw fsError(error, file.toString())
    }
  }
  for (const child of node.children)
    writeNode(child, claim(child.name, 'node name'), childPath(nodePath, child.name), options)
}

/** The tree → a /proc/device-tree-style directory (created if need be). */
export function writeDeviceTreeDir(tree: DtNode, dir: string, options: WriteDeviceTreeDirOptions = {}): void {
  writeNode(tree, Buffer.from(path.resolve(dir)), '/', options)
}
