import * as fs from 'node:fs'
import * as path from 'node:path'
import { NvdimmError } from '@nvdimm/core'
import {
  E820_TYPE_PMEM,
  E820_TYPE_PRAM,
  E820_TYPE_SOFT_RESERVED,
  type E820Range,
  validateRanges,
} from './e820-range.js'

const LINE = /\[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\] (.+?)\s*$/

/** e820_print_type(): "persistent (type 7)", "persistent (type 12)", "soft reserved", or "type N". */
function persistentType(description: string): E820Range['type'] | undefined {
  if (description === 'soft reserved') return E820_TYPE_SOFT_RESERVED
  const match = /^(?:persistent \()?type (\d+)\)?$/.exec(description)
  const type = match ? Number(match[1]) : undefined
  return type === E820_TYPE_PMEM || type === E820_TYPE_PRAM ? type : undefined
}

/**
 * An e820 table as the kernel logs it (e820__print_table()):
 *   BIOS-e820: [mem 0x0000000020000000-0x0000000027ffffff] persistent (type 12)
 * with or without the dmesg timestamp. When the log has a user-defined map ("user:" lines,
 * from memmap=) that map is the one in force, as in the kernel; otherwise the BIOS map.
 */
export function parseE820Table(text: string): E820Range[] {
  const lines = text.split(/\r?\n/)
  const entries = lines
    .map((line, index) => ({ line, number: index + 1, match: LINE.exec(line) }))
    .filter((entry) => entry.match)
  if (entries.length === 0) {
    throw new NvdimmError(
      'EINVAL',
      'e820 table: no "[mem 0x…-0x…] type" lines found (paste the BIOS-e820 lines of dmesg)',
    )
  }
  const user = entries.filter((entry) => /\buser:\s*\[mem/.test(entry.line))
  const bios = entries.filter((entry) => /\bBIOS-e820:\s*\[mem/.test(entry.line))
  const chosen = user.length ? user : bios.length ? bios : entries
  const ranges: E820Range[] = []
  for (const { line, number, match } of chosen) {
    const start = BigInt(match![1]!)
    const end = BigInt(match![2]!)
    if (end < start) throw new NvdimmError('EINVAL', `e820 table line ${number}: end below start: ${line.trim()}`)
    const type = persistentType(match![3]!)
    if (type !== undefined) {
      const firmware = chosen === bios ? { firmware: true } : {}
      ranges.push({ start, size: end - start + 1n, type, source: `e820 table line ${number}`, ...firmware })
    }
  }
  return validateRanges(ranges)
}

/** firmware_map's type names (drivers/firmware/memmap.c via e820_type_to_string()). */
function firmwareMapType(name: string): E820Range['type'] | undefined {
  if (name === 'Persistent Memory (legacy)') return E820_TYPE_PRAM
  if (name === 'Persistent Memory') return E820_TYPE_PMEM
  if (name === 'Soft Reserved') return E820_TYPE_SOFT_RESERVED
  return undefined
}

/** A /sys/firmware/memmap directory: one numbered entry per range, each with start, end and type. */
export function readFirmwareMemmap(dir: string): E820Range[] {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch (error) {
    throw new NvdimmError('ENXIO', `cannot read firmware memmap ${dir}: ${(error as Error).message}`)
  }
  const entries = names.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(a) - Number(b))
  if (entries.length === 0)
    throw new NvdimmError('EINVAL', `${dir} has no numbered entries; is it /sys/firmware/memmap?`)
  const ranges: E820Range[] = []
  for (const name of entries) {
    const read = (attribute: string): string => {
      try {
        return fs.readFileSync(path.join(dir, name, attribute), 'utf8').trim()
      } catch {
        throw new NvdimmError('EINVAL', `${path.join(dir, name)}: missing '${attribute}'`)
      }
    }
    const [startText, endText, typeName] = [read('start'), read('end'), read('type')]
    if (!/^0x[0-9a-fA-F]+$/.test(startText) || !/^0x[0-9a-fA-F]+$/.test(endText)) {
      throw new NvdimmError(
        'EINVAL',
        `${path.join(dir, name)}: start and end must be hex, got '${startText}' and '${endText}'`,
      )
    }
    const start = BigInt(startText)
    const end = BigInt(endText)
    if (end < start)
      throw new NvdimmError('EINVAL', `${path.join(dir, name)}: end ${endText} is below start ${startText}`)
    const type = firmwareMapType(typeName)
    if (type !== undefined)
      ranges.push({ start, size: end - start + 1n, type, source: path.join(dir, name), firmware: true })
  }
  return validateRanges(ranges)
}
