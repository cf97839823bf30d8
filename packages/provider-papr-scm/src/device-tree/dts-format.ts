/**
 * Tree → source text, as `dtc -I dtb -O dts` (dtc 1.6.1 treesource.c) prints it. A blob
 * carries no types, so dtc guesses each value's (guess_value_type()): text when it ends with a
 * NUL, holds only printable chars, escapes and NULs, and no more NULs than other bytes; else
 * cells when its length is a multiple of 4; else bytes. Cells print as `0x%02x`, bytes as `%02x`,
 * a string list as one string with `\0` between its members.
 */
import type { DtNode } from './dt-node.js'
import type { DtProperty } from './dt-property.js'
import type { MemReserveEntry } from './fdt-layout.js'

export interface FormatDtsOptions {
  memReserve?: readonly MemReserveEntry[]
}

type GuessedType = 'string' | 'cells' | 'bytes'

/** The escapes treesource.c accepts as text besides printable chars (isstring()). */
const ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
}

function isPrint(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e
}

function isStringByte(byte: number): boolean {
  return isPrint(byte) || byte === 0 || ESCAPES[byte] !== undefined
}

function guessValueType(value: Uint8Array): GuessedType {
  let notString = 0
  let nul = 0
  for (const byte of value) {
    if (!isStringByte(byte)) notString++
    if (byte === 0) nul++
  }
  if (value[value.length - 1] === 0 && notString === 0 && nul <= value.length - nul) return 'string'
  return value.length % 4 === 0 ? 'cells' : 'bytes'
}

/** write_propval_string(): the value less its last NUL, escaped. */
function formatString(value: Uint8Array): string {
  let text = '"'
  for (const byte of value.subarray(0, value.length - 1)) {
    if (byte === 0x5c) text += '\\\\'
    else if (byte === 0x22) text += '\\"'
    else if (byte === 0) text += '\\0'
    else if (ESCAPES[byte] !== undefined) text += ESCAPES[byte]
    else if (isPrint(byte)) text += String.fromCharCode(byte)
    else text += `\\x${byte.toString(16).padStart(2, '0')}`
  }
  return `${text}"`
}

function formatCells(value: Uint8Array): string {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const cells: string[] = []
  for (let at = 0; at < value.length; at += 4) cells.push(`0x${view.getUint32(at).toString(16).padStart(2, '0')}`)
  return `<${cells.join(' ')}>`
}

function formatBytes(value: Uint8Array): string {
  return `[${Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join(' ')}]`
}

/** `name;` or `name = value;` (write_propval()). */
export function formatDtsProperty(property: DtProperty): string {
  const { value } = property
  if (value.length === 0) return `${property.name};`
  const type = guessValueType(value)
  const text = type === 'string' ? formatString(value) : type === 'cells' ? formatCells(value) : formatBytes(value)
  return `${property.name} = ${text};`
}

function formatNode(node: DtNode, level: number, lines: string[]): void {
  const indent = '\t'.repeat(level)
  lines.push(`${indent}${node.name === '' ? '/' : node.name} {`)
  for (const property of node.properties) lines.push(`${indent}\t${formatDtsProperty(property)}`)
  for (const child of node.children) {
    lines.push('')
    formatNode(child, level + 1, lines)
  }
  lines.push(`${indent}};`)
}

function hex16(value: bigint): string {
  return `0x${value.toString(16).padStart(16, '0')}`
}

/** dt_to_source(): `/dts-v1/;`, a blank line, the /memreserve/ lines, the tree. */
export function formatDts(tree: DtNode, options: FormatDtsOptions = {}): string {
  const lines = ['/dts-v1/;', '']
  for (const entry of options.memReserve ?? [])
    lines.push(`/memreserve/\t${hex16(entry.address)} ${hex16(entry.size)};`)
  formatNode(tree, 0, lines)
  return `${lines.join('\n')}\n`
}
