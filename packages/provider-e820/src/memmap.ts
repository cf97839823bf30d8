import { memparse, NvdimmError } from '@nvdimm/core'
import { E820_TYPE_PRAM, E820_TYPE_SOFT_RESERVED, E820_TYPES, type E820Range, validateRanges } from './e820-range.js'

/**
 * memmap= as the kernel parses it (arch/x86/kernel/e820.c parse_memmap_opt() and
 * parse_memmap_one()): a comma-separated list of items, each
 *   nn[KMG]!ss[KMG]       persistent memory, e820 type 12  → a range here
 *   nn%ss[-from]+to       a range of type `to`             → a range when `to` is 7, 12 or
 *                                                            0xefffffff (Soft Reserved)
 *   nn@ss, nn#ss, nn$ss   usable, ACPI, reserved           → checked, no range
 *   nn, exactmap          a memory limit, an exact map     → checked, no range
 * The input may also be a whole kernel command line: only its memmap= parameters are read, and
 * efi_fake_mem= ones that mark memory EFI_MEMORY_SP (Soft Reserved).
 * Where the kernel silently skips a bad item, this refuses it with EINVAL.
 */
export function parseMemmap(input: string): E820Range[] {
  const tokens = input.trim().split(/\s+/).filter(Boolean)
  const named = tokens.some((token) => token.startsWith('memmap=') || token.startsWith(EFI_FAKE_MEM))
  const lists = named
    ? tokens.filter((token) => token.startsWith('memmap=')).map((token) => token.slice('memmap='.length))
    : tokens
  const fakeMem = tokens
    .filter((token) => token.startsWith(EFI_FAKE_MEM))
    .map((token) => token.slice(EFI_FAKE_MEM.length))
  if (lists.length === 0 && fakeMem.length === 0) {
    throw new NvdimmError('EINVAL', 'memmap: no ranges given (expected e.g. memmap=4G!12G)')
  }
  const ranges: E820Range[] = fakeMem.flatMap((list) => list.split(',').flatMap(parseFakeMem))
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
    const from = /^-(0x[0-9a-fA-F]+|\d+)/.exec(tail)
    if (from) tail = tail.slice(from[0].length)
    const to = /^\+(0x[0-9a-fA-F]+|\d+)/.exec(tail)
    if (to) {
      tail = tail.slice(to[0].length)
      const target = Number(to[1])
      if ((E820_TYPES as readonly number[]).includes(target)) type = target
    }
  }
  if (tail !== '') refuse(item, `unexpected '${tail}' at the end`)
  if (type === undefined) return undefined
  return { start: start.value, size: size.value, type: type as E820Range['type'], source: `memmap=${item}` }
}

const EFI_FAKE_MEM = 'efi_fake_mem='
/** EFI_MEMORY_SP: the attribute that makes memory Soft Reserved. */
const EFI_MEMORY_SP = 0x40000n

/**
 * efi_fake_mem=nn[KMG]@ss[KMG]:attr (drivers/firmware/efi/fake_mem.c): memory given the
 * EFI_MEMORY_SP attribute becomes Soft Reserved; other attributes add no range.
 */
function parseFakeMem(item: string): E820Range[] {
  const size = memparse(item)
  if (!size || !size.rest.startsWith('@')) {
    throw new NvdimmError('EINVAL', `efi_fake_mem=${item}: expected nn@ss:attr, e.g. 4G@8G:0x40000`)
  }
  const start = memparse(size.rest.slice(1))
  const attribute = start ? /^:(0x[0-9a-fA-F]+|\d+)$/.exec(start.rest) : null
  if (!start || !attribute) {
    throw new NvdimmError('EINVAL', `efi_fake_mem=${item}: expected nn@ss:attr, e.g. 4G@8G:0x40000`)
  }
  if ((BigInt(attribute[1]!) & EFI_MEMORY_SP) === 0n) return []
  return [{ start: start.value, size: size.value, type: E820_TYPE_SOFT_RESERVED, source: `efi_fake_mem=${item}` }]
}
