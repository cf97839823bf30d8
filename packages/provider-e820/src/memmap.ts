import { memparse, NvdimmError } from '@nvdimm/core'
import { E820_TYPE_PMEM, E820_TYPE_PRAM, type E820Range, validateRanges } from './e820-range.js'

/**
 * memmap= as the kernel parses it (arch/x86/kernel/e820.c parse_memmap_opt() and
 * parse_memmap_one()): a comma-separated list of items, each
 *   nn[KMG]!ss[KMG]       persistent memory, e820 type 12  → a range here
 *   nn%ss[-from]+to       a range of type `to`             → a range when `to` is 7 or 12
 *   nn@ss, nn#ss, nn$ss   usable, ACPI, reserved           → checked, no range
 *   nn, exactmap          a memory limit, an exact map     → checked, no range
 * The input may also be a whole kernel command line: only its memmap= parameters are read.
 * Where the kernel silently skips a bad item, this refuses it with EINVAL.
 */
export function parseMemmap(input: string): E820Range[] {
  const tokens = input.trim().split(/\s+/).filter(Boolean)
  const lists = tokens.some((token) => token.startsWith('memmap='))
    ? tokens.filter((token) => token.startsWith('memmap=')).map((token) => token.slice('memmap='.length))
    : tokens
  if (lists.length === 0) throw new NvdimmError('EINVAL', 'memmap: no ranges given (expected e.g. memmap=4G!12G)')
  const ranges: E820Range[] = []
  for (const list of lists) {
    for (const item of list.split(',')) {
      const range = parseItem(item)
      if (range) ranges.push(range)
    }
  }
  return validateRanges(ranges)
}

function refuse(item: string, why: string): never {
  throw new NvdimmError('EINVAL', `memmap=${item}: ${why}`)
}

function parseItem(item: string): E820Range | undefined {
  if (item === '') refuse(item, 'empty item (two commas, or a trailing one)')
  if (item.startsWith('exactmap')) return undefined
  const size = memparse(item)
  if (!size) refuse(item, 'expected a size such as 4G')
  const rest = size.rest
  if (rest === '') return undefined // mem= style limit: no range
  const kind = rest.charAt(0)
  if (!'@#$!%'.includes(kind)) refuse(item, `unexpected '${kind}' after the size (expected ! @ # $ or %)`)
  const start = memparse(rest.slice(1))
  if (!start) refuse(item, `expected a start address after '${kind}'`)
  let tail = start.rest
  let type: number | undefined
  if (kind === '!') type = E820_TYPE_PRAM
  if (kind === '%') {
    const from = /^-(\d+|0x[0-9a-fA-F]+)/.exec(tail)
    if (from) tail = tail.slice(from[0].length)
    const to = /^\+(\d+|0x[0-9a-fA-F]+)/.exec(tail)
    if (to) {
      tail = tail.slice(to[0].length)
      const target = Number(to[1])
      if (target === E820_TYPE_PMEM || target === E820_TYPE_PRAM) type = target
    }
  }
  if (tail !== '') refuse(item, `unexpected '${tail}' at the end`)
  if (type === undefined) return undefined
  return { start: start.value, size: size.value, type: type as E820Range['type'], source: `memmap=${item}` }
}
