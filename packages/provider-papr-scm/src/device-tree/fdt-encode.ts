/**
 * Tree → v17 blob, laid out as dtc (flattree.c dt_to_blob) and libfdt's fdt_pack() leave it:
 * the 40-byte header, the memory reservation map at 0x28, the structure block, then the
 * strings block, with no padding. A property name goes into the strings block once; a name that
 * ends another already there reuses its tail, as dtc's stringtable_insert() and libfdt's
 * fdt_find_string_() both do (QEMU's "phandle" points into "linux,phandle").
 *
 * Without `stringsBlock` the names go in the order dtc first meets them, so the output is what
 * `dtc -I dtb -O dtb` writes. QEMU builds its tree with libfdt calls whose order the tree
 * does not keep, so to reproduce one of its blobs byte for byte pass the strings block
 * decodeFdt() returned, and its stale padding: libfdt leaves old bytes in the alignment padding
 * after values (17 places in QEMU's default pseries blob), where dtc and this encoder write zeros.
 */
import { NvdimmError } from '@nvdimm/core'
import { childPath } from './dt-node.js'
import type { DtNode } from './dt-node.js'
import { latin1FromBytes, latin1ToBytes } from './dt-property.js'
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_MAX_DEPTH,
  FDT_PROP,
  FDT_RESERVE_ENTRY_SIZE,
  FDT_V17_HEADER_SIZE,
  FDT_VERSION,
  fdtAlign,
} from './fdt-layout.js'
import type { FdtStalePadding, MemReserveEntry } from './fdt-layout.js'

export interface FdtEncodeOptions {
  memReserve?: readonly MemReserveEntry[]
  /** The header's boot_cpuid_phys; 0 unless given. */
  bootCpuidPhys?: number
  /** A strings block to start from (decodeFdt().stringsBlock); names it lacks are appended. */
  stringsBlock?: Uint8Array
  /** Padding bytes to restore (decodeFdt().stalePadding); one that is no longer padding is dropped. */
  stalePadding?: readonly FdtStalePadding[]
}

const U64_MAX = 0xffff_ffff_ffff_ffffn

/** The strings block being built: lookups by "name\0" anywhere in it, tails included. */
class StringTable {
  private text: string

  constructor(initial: Uint8Array | undefined) {
    this.text = initial ? latin1FromBytes(initial) : ''
  }

  offsetOf(name: string): number {
    const key = `${name}\0`
    const found = this.text.indexOf(key)
    if (found >= 0) return found
    const offset = this.text.length
    this.text += key
    return offset
  }

  bytes(): Uint8Array {
    return latin1ToBytes(this.text, 'strings block')
  }
}

function checkName(name: string, what: string, path: string): Uint8Array {
  if (name.includes('\0')) throw new NvdimmError('EINVAL', `${what} ${JSON.stringify(name)} in ${path} holds a NUL`)
  return latin1ToBytes(name, `${what} in ${path}`)
}

/** Structure block size and the strings of a subtree, in dtc's order: properties, then children. */
function measure(
  node: DtNode,
  path: string,
  depth: number,
  strings: StringTable,
  names: Map<DtNode, Uint8Array>,
): number {
  if (depth > FDT_MAX_DEPTH)
    throw new NvdimmError(
      'EINVAL',
      `${path}: nodes nested deeper than ${FDT_MAX_DEPTH} (drivers/of/fdt.c FDT_MAX_DEPTH)`,
    )
  const name = checkName(node.name, 'node name', path)
  names.set(node, name)
  let size = 4 + fdtAlign(name.length + 1)
  for (const property of node.properties) {
    checkName(property.name, 'property name', path)
    strings.offsetOf(property.name)
    size += 12 + fdtAlign(property.value.length)
  }
  for (const child of node.children) size += measure(child, childPath(path, child.name), depth + 1, strings, names)
  return size + 4
}

function checkMemReserve(entries: readonly MemReserveEntry[]): void {
  entries.forEach((entry, i) => {
    if (entry.address < 0n || entry.address > U64_MAX || entry.size < 0n || entry.size > U64_MAX)
      throw new NvdimmError('EINVAL', `memory reservation ${i}: address and size must be 64-bit values`)
    if (entry.size === 0n)
      throw new NvdimmError('EINVAL', `memory reservation ${i}: size 0 would end the reservation map there`)
  })
}

export function encodeFdt(tree: DtNode, options: FdtEncodeOptions = {}): Uint8Array {
  const memReserve = options.memReserve ?? []
  const bootCpuidPhys = options.bootCpuidPhys ?? 0
  checkMemReserve(memReserve)
  if (!Number.isInteger(bootCpuidPhys) || bootCpuidPhys < 0 || bootCpuidPhys > 0xffff_ffff)
    throw new NvdimmError('EINVAL', `boot_cpuid_phys ${bootCpuidPhys} is not a 32-bit value`)

  const strings = new StringTable(options.stringsBlock)
  const names = new Map<DtNode, Uint8Array>()
  const structSize = measure(tree, '/', 1, strings, names) + 4
  const stringsBytes = strings.bytes()

  const offMemRsvmap = FDT_V17_HEADER_SIZE
  const offDtStruct = offMemRsvmap + (memReserve.length + 1) * FDT_RESERVE_ENTRY_SIZE
  const offDtStrings = offDtStruct + structSize
  const totalsize = offDtStrings + stringsBytes.length
  const bytes = new Uint8Array(totalsize)
  const view = new DataView(bytes.buffer)

  view.setUint32(FDT_HEADER.magic, FDT_MAGIC)
  view.setUint32(FDT_HEADER.totalsize, totalsize)
  view.setUint32(FDT_HEADER.offDtStruct, offDtStruct)
  view.setUint32(FDT_HEADER.offDtStrings, offDtStrings)
  view.setUint32(FDT_HEADER.offMemRsvmap, offMemRsvmap)
  view.setUint32(FDT_HEADER.version, FDT_VERSION)
  view.setUint32(FDT_HEADER.lastCompVersion, FDT_LAST_COMP_VERSION)
  view.setUint32(FDT_HEADER.bootCpuidPhys, bootCpuidPhys)
  view.setUint32(FDT_HEADER.sizeDtStrings, stringsBytes.length)
  view.setUint32(FDT_HEADER.sizeDtStruct, structSize)

  memReserve.forEach((entry, i) => {
    view.setBigUint64(offMemRsvmap + i * FDT_RESERVE_ENTRY_SIZE, entry.address)
    view.setBigUint64(offMemRsvmap + i * FDT_RESERVE_ENTRY_SIZE + 8, entry.size)
  })

  let at = offDtStruct
  /** Padding start → end, where stale bytes may go back. */
  const padding = new Map<number, number>()
  const writeNode = (node: DtNode): void => {
    const name = names.get(node)!
    view.setUint32(at, FDT_BEGIN_NODE)
    bytes.set(name, at + 4)
    padding.set(at + 4 + name.length + 1, at + 4 + fdtAlign(name.length + 1))
    at += 4 + fdtAlign(name.length + 1)
    for (const property of node.properties) {
      view.setUint32(at, FDT_PROP)
      view.setUint32(at + 4, property.value.length)
      view.setUint32(at + 8, strings.offsetOf(property.name))
      bytes.set(property.value, at + 12)
      padding.set(at + 12 + property.value.length, at + 12 + fdtAlign(property.value.length))
      at += 12 + fdtAlign(property.value.length)
    }
    for (const child of node.children) writeNode(child)
    view.setUint32(at, FDT_END_NODE)
    at += 4
  }
  writeNode(tree)
  view.setUint32(at, FDT_END)
  for (const stale of options.stalePadding ?? []) {
    const end = padding.get(stale.at)
    if (end !== undefined && stale.at + stale.bytes.length <= end) bytes.set(stale.bytes, stale.at)
  }
  bytes.set(stringsBytes, offDtStrings)
  return bytes
}
