/**
 * The device tree as a plain value: nodes with ordered properties and ordered children, the
 * order being the blob's (which dtc prints and QEMU's libfdt calls decide). Lookups follow the
 * kernel and libfdt: paths as %pOF prints them, `name@unit` matched by `name` alone when the
 * path leaves the unit out (fdt_nodename_eq_), `compatible` as a string list.
 */
import { readCells, readString, readStringList, readU32, readU64 } from './dt-property.js'
import type { DtProperty } from './dt-property.js'

export interface DtNode {
  /** `ibm,pmemory@90000000`; "" for the root. */
  name: string
  properties: DtProperty[]
  children: DtNode[]
}

/** A node with the full path the kernel prints for it (%pOF). */
export interface DtNodeAt {
  node: DtNode
  path: string
}

export function dtNode(name: string, properties: DtProperty[] = [], children: DtNode[] = []): DtNode {
  return { name, properties, children }
}

export function getProperty(node: DtNode, name: string): DtProperty | undefined {
  return node.properties.find((property) => property.name === name)
}

/** of_property_read_bool(): present, whatever its value. */
export function hasProperty(node: DtNode, name: string): boolean {
  return getProperty(node, name) !== undefined
}

export function propertyU32(node: DtNode, name: string): number | undefined {
  const property = getProperty(node, name)
  return property && readU32(property.value)
}

export function propertyU64(node: DtNode, name: string): bigint | undefined {
  const property = getProperty(node, name)
  return property && readU64(property.value)
}

export function propertyCells(node: DtNode, name: string): number[] | undefined {
  const property = getProperty(node, name)
  return property && readCells(property.value)
}

export function propertyString(node: DtNode, name: string): string | undefined {
  const property = getProperty(node, name)
  return property && readString(property.value)
}

export function propertyStrings(node: DtNode, name: string): string[] | undefined {
  const property = getProperty(node, name)
  return property && readStringList(property.value)
}

/** The part of a node name before `@`. */
export function nodeBaseName(name: string): string {
  const at = name.indexOf('@')
  return at < 0 ? name : name.slice(0, at)
}

/** The unit address after `@`, or undefined. */
export function nodeUnitAddress(name: string): string | undefined {
  const at = name.indexOf('@')
  return at < 0 ? undefined : name.slice(at + 1)
}

export function childPath(parentPath: string, name: string): string {
  return parentPath === '/' ? `/${name}` : `${parentPath}/${name}`
}

/** libfdt fdt_nodename_eq_(): exact, or `name` against `name@unit` when the wanted name has no `@`. */
function nodeNameMatches(name: string, wanted: string): boolean {
  if (name === wanted) return true
  return !wanted.includes('@') && nodeBaseName(name) === wanted && name.includes('@')
}

export function findChild(node: DtNode, name: string): DtNode | undefined {
  return (
    node.children.find((child) => child.name === name) ??
    node.children.find((child) => nodeNameMatches(child.name, name))
  )
}

/** `/ibm,persistent-memory/ibm,pmemory@90000000` → that node; "/" → the root. */
export function findNodeByPath(tree: DtNode, path: string): DtNode | undefined {
  if (!path.startsWith('/')) return undefined
  let node: DtNode | undefined = tree
  for (const part of path.split('/')) {
    if (part === '') continue
    node = findChild(node, part)
    if (!node) return undefined
  }
  return node
}

/** Every node, depth first in tree order (the order of fdt_next_node()). */
export function* walkNodes(tree: DtNode, path = '/'): Generator<DtNodeAt> {
  yield { node: tree, path }
  for (const child of tree.children) yield* walkNodes(child, childPath(path, child.name))
}

/** of_device_is_compatible() with one string: `compatible` lists it. */
export function isCompatible(node: DtNode, compatible: string): boolean {
  return propertyStrings(node, 'compatible')?.includes(compatible) ?? false
}

export function findNodesByCompatible(tree: DtNode, compatible: string): DtNodeAt[] {
  return [...walkNodes(tree)].filter(({ node }) => isCompatible(node, compatible))
}

/** of_device_is_available(): no `status`, or "okay"/"ok". */
export function isNodeAvailable(node: DtNode): boolean {
  const property = getProperty(node, 'status')
  if (!property) return true
  const status = readString(property.value)
  return status === 'okay' || status === 'ok'
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * A copy with properties and children sorted by name: the order a directory listing gives,
 * to compare trees whose blob order is unknown (a /proc/device-tree read).
 */
export function sortedTree(node: DtNode): DtNode {
  return {
    name: node.name,
    properties: [...node.properties].sort((a, b) => byteOrder(a.name, b.name)),
    children: node.children.map(sortedTree).sort((a, b) => byteOrder(a.name, b.name)),
  }
}
