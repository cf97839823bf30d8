/**
 * Blob → tree. Accepts what libfdt's fdt_check_header() and dtc's dtb reader (flattree.c)
 * accept for versions 16 and 17, and refuses, with the byte offset, what they would trip on:
 * a bad magic or version, blocks outside the blob or overlapping, a token out of place, a
 * name without its NUL, a property name offset outside the strings block.
 */
import { NvdimmError } from '@nvdimm/core'
import { childPath } from './dt-node.js'
import type { DtNode } from './dt-node.js'
import { latin1FromBytes } from './dt-property.js'
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_FIRST_SUPPORTED_VERSION,
  FDT_HEADER,
  FDT_MAGIC,
  FDT_MAX_DEPTH,
  FDT_NOP,
  FDT_PROP,
  FDT_RESERVE_ENTRY_SIZE,
  FDT_V16_HEADER_SIZE,
  FDT_V17_HEADER_SIZE,
  FDT_VERSION,
  fdtAlign,
} from './fdt-layout.js'
import type { FdtStalePadding, MemReserveEntry } from './fdt-layout.js'

export interface FdtHeader {
  totalsize: number
  offDtStruct: number
  offDtStrings: number
  offMemRsvmap: number
  version: number
  lastCompVersion: number
  bootCpuidPhys: number
  sizeDtStrings: number
  /** Absent from a v16 header: the structure block then ends at its FDT_END. */
  sizeDtStruct: number | undefined
}

export interface FdtDecoded {
  tree: DtNode
  memReserve: MemReserveEntry[]
  bootCpuidPhys: number
  version: number
  lastCompVersion: number
  header: FdtHeader
  /**
   * The strings block as stored. Its order is the writer's (libfdt appends names in the order
   * its caller first set them, which a tree does not record); encodeFdt() takes it back to
   * rebuild the same bytes.
   */
  stringsBlock: Uint8Array
  /** Non-zero padding bytes, for encodeFdt() to put back. */
  stalePadding: FdtStalePadding[]
}

function hex(value: number): string {
  return `0x${value.toString(16)}`
}

function fault(offset: number, message: string): NvdimmError {
  return new NvdimmError('EINVAL', `FDT byte ${offset} (${hex(offset)}): ${message}`)
}

interface Block {
  name: string
  start: number
  end: number
}

/** The header alone, checked against the buffer it came in. */
export function decodeFdtHeader(bytes: Uint8Array): FdtHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 4) throw fault(0, `truncated: ${bytes.length} bytes, the header alone is ${FDT_V17_HEADER_SIZE}`)
  const magic = view.getUint32(FDT_HEADER.magic)
  if (magic !== FDT_MAGIC) throw fault(0, `bad magic ${hex(magic)}, expected ${hex(FDT_MAGIC)}`)
  if (bytes.length < FDT_V16_HEADER_SIZE)
    throw fault(0, `truncated: ${bytes.length} bytes, the header alone is ${FDT_V16_HEADER_SIZE} or more`)
  const version = view.getUint32(FDT_HEADER.version)
  const lastCompVersion = view.getUint32(FDT_HEADER.lastCompVersion)
  if (version < FDT_FIRST_SUPPORTED_VERSION)
    throw fault(FDT_HEADER.version, `version ${version} is older than ${FDT_FIRST_SUPPORTED_VERSION}, the oldest read`)
  if (lastCompVersion > FDT_VERSION)
    throw fault(
      FDT_HEADER.lastCompVersion,
      `last_comp_version ${lastCompVersion}: the blob needs a reader of version ${lastCompVersion}, this one reads ${FDT_VERSION}`,
    )
  if (version < lastCompVersion)
    throw fault(FDT_HEADER.version, `version ${version} is below its own last_comp_version ${lastCompVersion}`)
  const headerSize = version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE
  if (bytes.length < headerSize)
    throw fault(0, `truncated: ${bytes.length} bytes, a version ${version} header is ${headerSize}`)
  const header: FdtHeader = {
    totalsize: view.getUint32(FDT_HEADER.totalsize),
    offDtStruct: view.getUint32(FDT_HEADER.offDtStruct),
    offDtStrings: view.getUint32(FDT_HEADER.offDtStrings),
    offMemRsvmap: view.getUint32(FDT_HEADER.offMemRsvmap),
    version,
    lastCompVersion,
    bootCpuidPhys: view.getUint32(FDT_HEADER.bootCpuidPhys),
    sizeDtStrings: view.getUint32(FDT_HEADER.sizeDtStrings),
    sizeDtStruct: version >= 17 ? view.getUint32(FDT_HEADER.sizeDtStruct) : undefined,
  }
  if (header.totalsize < headerSize)
    throw fault(FDT_HEADER.totalsize, `totalsize ${header.totalsize} is smaller than the ${headerSize}-byte header`)
  if (header.totalsize > bytes.length)
    throw fault(FDT_HEADER.totalsize, `truncated: totalsize ${header.totalsize} but only ${bytes.length} bytes`)
  checkBlockStart('off_dt_struct', FDT_HEADER.offDtStruct, header.offDtStruct, headerSize, header.totalsize)
  checkBlockStart('off_dt_strings', FDT_HEADER.offDtStrings, header.offDtStrings, headerSize, header.totalsize)
  checkBlockStart('off_mem_rsvmap', FDT_HEADER.offMemRsvmap, header.offMemRsvmap, headerSize, header.totalsize)
  if (header.offDtStruct % 4 !== 0)
    throw fault(FDT_HEADER.offDtStruct, `off_dt_struct ${hex(header.offDtStruct)} is not 4-byte aligned`)
  if (header.offDtStrings + header.sizeDtStrings > header.totalsize)
    throw fault(
      FDT_HEADER.sizeDtStrings,
      `truncated strings block: ${hex(header.offDtStrings)} + ${header.sizeDtStrings} runs past totalsize ${header.totalsize}`,
    )
  if (header.sizeDtStruct !== undefined && header.offDtStruct + header.sizeDtStruct > header.totalsize)
    throw fault(
      FDT_HEADER.sizeDtStruct,
      `truncated structure block: ${hex(header.offDtStruct)} + ${header.sizeDtStruct} runs past totalsize ${header.totalsize}`,
    )
  return header
}

function checkBlockStart(field: string, at: number, offset: number, headerSize: number, totalsize: number): void {
  if (offset < headerSize) throw fault(at, `${field} ${hex(offset)} points into the ${headerSize}-byte header`)
  if (offset > totalsize) throw fault(at, `${field} ${hex(offset)} is past totalsize ${totalsize}`)
}

function checkOverlaps(blocks: Block[]): void {
  const used = blocks.filter((block) => block.end > block.start).sort((a, b) => a.start - b.start)
  for (let i = 1; i < used.length; i++) {
    const before = used[i - 1]!
    const block = used[i]!
    if (block.start < before.end)
      throw fault(
        block.start,
        `the ${block.name} (${hex(block.start)}-${hex(block.end)}) overlaps the ${before.name} (${hex(before.start)}-${hex(before.end)})`,
      )
  }
}

function decodeMemReserve(view: DataView, header: FdtHeader): { entries: MemReserveEntry[]; end: number } {
  const entries: MemReserveEntry[] = []
  for (let at = header.offMemRsvmap; ; at += FDT_RESERVE_ENTRY_SIZE) {
    if (at + FDT_RESERVE_ENTRY_SIZE > header.totalsize)
      throw fault(at, `truncated memory reservation map: no terminating entry before totalsize ${header.totalsize}`)
    const address = view.getBigUint64(at)
    const size = view.getBigUint64(at + 8)
    // libfdt fdt_num_mem_rsv() and dtc flat_read_mem_reserve() stop at the first size 0.
    if (size === 0n) return { entries, end: at + FDT_RESERVE_ENTRY_SIZE }
    entries.push({ address, size })
  }
}

function decodeStructure(
  bytes: Uint8Array,
  header: FdtHeader,
  strings: Uint8Array,
): { tree: DtNode; end: number; stalePadding: FdtStalePadding[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const start = header.offDtStruct
  const limit = header.sizeDtStruct === undefined ? header.totalsize : start + header.sizeDtStruct
  const stack: { node: DtNode; path: string }[] = []
  let root: DtNode | undefined
  let at = start
  const stalePadding: FdtStalePadding[] = []
  const keepPadding = (from: number): number => {
    const to = Math.min(fdtAlign(from), limit)
    if (bytes.subarray(from, to).some((byte) => byte !== 0))
      stalePadding.push({ at: from, bytes: bytes.slice(from, to) })
    return fdtAlign(from)
  }

  const stringAt = (offset: number, end: number): number => {
    const nul = bytes.subarray(offset, end).indexOf(0)
    return nul < 0 ? -1 : offset + nul
  }

  for (;;) {
    if (at + 4 > limit) throw fault(at, `the structure block ends at ${hex(limit)} without FDT_END`)
    const token = view.getUint32(at)
    const tokenAt = at
    at += 4
    switch (token) {
      case FDT_BEGIN_NODE: {
        if (root && stack.length === 0) throw fault(tokenAt, 'FDT_BEGIN_NODE after the root node closed: a second root')
        if (stack.length >= FDT_MAX_DEPTH)
          throw fault(tokenAt, `nodes nested deeper than ${FDT_MAX_DEPTH} (drivers/of/fdt.c FDT_MAX_DEPTH)`)
        const nul = stringAt(at, limit)
        if (nul < 0) throw fault(at, 'unterminated node name: no NUL before the end of the structure block')
        const name = latin1FromBytes(bytes.subarray(at, nul))
        at = keepPadding(nul + 1)
        const node: DtNode = { name, properties: [], children: [] }
        const parent = stack[stack.length - 1]
        if (parent) parent.node.children.push(node)
        else root = node
        stack.push({ node, path: parent ? childPath(parent.path, name) : '/' })
        break
      }
      case FDT_END_NODE: {
        if (stack.length === 0) throw fault(tokenAt, 'FDT_END_NODE with no node open')
        stack.pop()
        break
      }
      case FDT_PROP: {
        const open = stack[stack.length - 1]
        if (!open) throw fault(tokenAt, 'FDT_PROP outside any node')
        if (at + 8 > limit) throw fault(at, 'truncated property header at the end of the structure block')
        const length = view.getUint32(at)
        const nameOffset = view.getUint32(at + 4)
        const valueAt = at + 8
        if (valueAt + length > limit)
          throw fault(at, `property value of ${length} bytes runs past the structure block end ${hex(limit)}`)
        if (nameOffset >= strings.length)
          throw fault(at + 4, `property name offset ${nameOffset} is outside the ${strings.length}-byte strings block`)
        const nameEnd = strings.indexOf(0, nameOffset)
        if (nameEnd < 0)
          throw fault(
            header.offDtStrings + nameOffset,
            `unterminated property name at strings offset ${nameOffset}: no NUL before the strings block ends`,
          )
        if (open.node.children.length > 0) throw fault(tokenAt, `FDT_PROP in ${open.path} after its child nodes`)
        open.node.properties.push({
          name: latin1FromBytes(strings.subarray(nameOffset, nameEnd)),
          value: bytes.slice(valueAt, valueAt + length),
        })
        at = keepPadding(valueAt + length)
        break
      }
      case FDT_NOP:
        break
      case FDT_END: {
        const open = stack[stack.length - 1]
        if (open) throw fault(tokenAt, `FDT_END inside ${open.path}, before its FDT_END_NODE`)
        if (!root) throw fault(tokenAt, 'FDT_END before any node')
        if (header.sizeDtStruct !== undefined && at !== limit)
          throw fault(
            at,
            `FDT_END leaves ${limit - at} bytes of the ${header.sizeDtStruct}-byte structure block unused`,
          )
        return { tree: root, end: at, stalePadding }
      }
      default:
        throw fault(tokenAt, `unknown token ${hex(token)}`)
    }
    if (at > limit) throw fault(tokenAt, `the token runs past the structure block end ${hex(limit)}`)
  }
}

export function decodeFdt(bytes: Uint8Array): FdtDecoded {
  const header = decodeFdtHeader(bytes)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const strings = bytes.subarray(header.offDtStrings, header.offDtStrings + header.sizeDtStrings)
  const memReserve = decodeMemReserve(view, header)
  const blocks: Block[] = [
    { name: 'memory reservation map', start: header.offMemRsvmap, end: memReserve.end },
    { name: 'strings block', start: header.offDtStrings, end: header.offDtStrings + header.sizeDtStrings },
  ]
  if (header.sizeDtStruct !== undefined)
    blocks.push({ name: 'structure block', start: header.offDtStruct, end: header.offDtStruct + header.sizeDtStruct })
  checkOverlaps(blocks)
  const structure = decodeStructure(bytes, header, strings)
  // A v16 header has no structure size: its extent is known only now.
  if (header.sizeDtStruct === undefined)
    checkOverlaps([...blocks, { name: 'structure block', start: header.offDtStruct, end: structure.end }])
  return {
    tree: structure.tree,
    memReserve: memReserve.entries,
    bootCpuidPhys: header.bootCpuidPhys,
    version: header.version,
    lastCompVersion: header.lastCompVersion,
    header,
    stringsBlock: strings.slice(),
    stalePadding: structure.stalePadding,
  }
}
