/**
 * The NFIT as `iasl -d` (ACPICA 20200925, the version Debian 12 ships) prints it: the field
 * walk of dmtable.c AcpiDmDumpTable() over the NFIT info tables of dmtbinfo2.c, driven as
 * dmtbdump2.c AcpiDmDumpNfit() drives it, then the raw dump of utbuffer.c AcpiUtDumpBuffer().
 *
 * iasl's quirks are kept, so the text diffs clean against the real tool:
 * - interleave line offsets are labelled 4 bytes past where they are (AcpiDmDumpNfit steps from
 *   sizeof(ACPI_NFIT_INTERLEAVE), which counts LineOffset[1]); when the interleave is the last
 *   sub-table, the last line trips "table terminates" and ends the field dump;
 * - SMBIOS data is labelled at offset 8 of the table, not of the sub-table;
 * - a 32-byte DCR ends with "ACPI subtable terminates early".
 * One addition: an SPA with the ACPI 6.4 location cookie (flags bit 2, 64 bytes) also shows the
 * "Location Cookie Valid" flag and the "Location Cookie" field, named as newer ACPICA names them;
 * 20200925 would not show the cookie at all.
 */
import { acpiChecksumFor } from './nfit-checksum.js'
import { decodeNfit } from './nfit-decode.js'
import { encodeNfit } from './nfit-encode.js'
import { decodeGuid } from './nfit-guid.js'
import { NFIT_HEADER_SIZE, NfitType, SPA_LOCATION_COOKIE_VALID } from './nfit-types.js'
import type { NfitTable } from './nfit-types.js'

export interface FormatNfitOptions {
  /** Starts the text with iasl's comment banner naming this input file. */
  fileName?: string
  /** The time the banner shows (ctime() form, local time); now by default. */
  date?: Date
}

type Op =
  | 'u8'
  | 'u16'
  | 'u24'
  | 'u32'
  | 'u48'
  | 'u64'
  | 'flag'
  | 'uuid'
  | 'sig'
  | 'name4'
  | 'name6'
  | 'name8'
  | 'checksum'
  | 'nfitType'
  | 'raw'

interface Field {
  op: Op
  offset: number
  name: string
  /** The bit of a flag field. */
  bit?: number
}

const field = (op: Op, offset: number, name: string, bit?: number): Field => ({ op, offset, name, bit })
const flag = (offset: number, bit: number, name: string): Field => field('flag', offset, name, bit)

// dmtbinfo.c AcpiDmTableInfoHeader
const HEADER: Field[] = [
  field('sig', 0, 'Signature'),
  field('u32', 4, 'Table Length'),
  field('u8', 8, 'Revision'),
  field('checksum', 9, 'Checksum'),
  field('name6', 10, 'Oem ID'),
  field('name8', 16, 'Oem Table ID'),
  field('u32', 24, 'Oem Revision'),
  field('name4', 28, 'Asl Compiler ID'),
  field('u32', 32, 'Asl Compiler Revision'),
]

// dmtbinfo2.c AcpiDmTableInfoNfit, AcpiDmTableInfoNfitHdr, AcpiDmTableInfoNfit0..7 (and 2a, 3a, 6a)
const NFIT: Field[] = [field('u32', 36, 'Reserved')]
const SUBTABLE_HEADER: Field[] = [field('nfitType', 0, 'Subtable Type'), field('u16', 2, 'Length')]

const SPA: Field[] = [
  field('u16', 4, 'Range Index'),
  field('u16', 6, 'Flags (decoded below)'),
  flag(6, 0, 'Add/Online Operation Only'),
  flag(6, 1, 'Proximity Domain Valid'),
  field('u32', 8, 'Reserved'),
  field('u32', 12, 'Proximity Domain'),
  field('uuid', 16, 'Region Type GUID'),
  field('u64', 32, 'Address Range Base'),
  field('u64', 40, 'Address Range Length'),
  field('u64', 48, 'Memory Map Attribute'),
]
const SPA_WITH_COOKIE: Field[] = [
  ...SPA.slice(0, 4),
  flag(6, 2, 'Location Cookie Valid'),
  ...SPA.slice(4),
  field('u64', 56, 'Location Cookie'),
]

const MEMDEV: Field[] = [
  field('u32', 4, 'Device Handle'),
  field('u16', 8, 'Physical Id'),
  field('u16', 10, 'Region Id'),
  field('u16', 12, 'Range Index'),
  field('u16', 14, 'Control Region Index'),
  field('u64', 16, 'Region Size'),
  field('u64', 24, 'Region Offset'),
  field('u64', 32, 'Address Region Base'),
  field('u16', 40, 'Interleave Index'),
  field('u16', 42, 'Interleave Ways'),
  field('u16', 44, 'Flags'),
  flag(44, 0, 'Save to device failed'),
  flag(44, 1, 'Restore from device failed'),
  flag(44, 2, 'Platform flush failed'),
  flag(44, 3, 'Device not armed'),
  flag(44, 4, 'Health events observed'),
  flag(44, 5, 'Health events enabled'),
  flag(44, 6, 'Mapping failed'),
  field('u16', 46, 'Reserved'),
]

const INTERLEAVE: Field[] = [
  field('u16', 4, 'Interleave Index'),
  field('u16', 6, 'Reserved'),
  field('u32', 8, 'Line Count'),
  field('u32', 12, 'Line Size'),
]
const LINE_OFFSET: Field[] = [field('u32', 0, 'Line Offset')]
/** sizeof(ACPI_NFIT_INTERLEAVE) with its LineOffset[1]: where iasl starts labelling line offsets. */
const IASL_INTERLEAVE_LINES_AT = 20

const SMBIOS: Field[] = [field('u32', 4, 'Reserved')]
const SMBIOS_DATA: Field[] = [field('raw', 0, 'SMBIOS Table Entries')]
/** sizeof(ACPI_NFIT_SMBIOS) - 1: the table offset iasl labels the SMBIOS data with. */
const IASL_SMBIOS_DATA_AT = 8

const DCR: Field[] = [
  field('u16', 4, 'Region Index'),
  field('u16', 6, 'Vendor Id'),
  field('u16', 8, 'Device Id'),
  field('u16', 10, 'Revision Id'),
  field('u16', 12, 'Subsystem Vendor Id'),
  field('u16', 14, 'Subsystem Device Id'),
  field('u16', 16, 'Subsystem Revision Id'),
  field('u8', 18, 'Valid Fields'),
  field('u8', 19, 'Manufacturing Location'),
  field('u16', 20, 'Manufacturing Date'),
  field('u16', 22, 'Reserved'),
  field('u32', 24, 'Serial Number'),
  field('u16', 28, 'Code'),
  field('u16', 30, 'Window Count'),
  field('u64', 32, 'Window Size'),
  field('u64', 40, 'Command Offset'),
  field('u64', 48, 'Command Size'),
  field('u64', 56, 'Status Offset'),
  field('u64', 64, 'Status Size'),
  field('u16', 72, 'Flags'),
  flag(72, 0, 'Windows buffered'),
  field('u48', 74, 'Reserved1'),
]

const BDW: Field[] = [
  field('u16', 4, 'Region Index'),
  field('u16', 6, 'Window Count'),
  field('u64', 8, 'Offset'),
  field('u64', 16, 'Size'),
  field('u64', 24, 'Capacity'),
  field('u64', 32, 'Start Address'),
]

const FLUSH: Field[] = [field('u32', 4, 'Device Handle'), field('u16', 8, 'Hint Count'), field('u48', 10, 'Reserved')]
const HINT_ADDRESS: Field[] = [field('u64', 0, 'Hint Address')]

const CAPABILITIES: Field[] = [
  field('u8', 4, 'Highest Capability'),
  field('u24', 5, 'Reserved'),
  field('u32', 8, 'Capabilities (decoded below)'),
  flag(8, 0, 'Cache Flush to NVDIMM'),
  flag(8, 1, 'Memory Flush to NVDIMM'),
  flag(8, 2, 'Memory Mirroring'),
  field('u32', 12, 'Reserved'),
]

// dmtable.c AcpiDmNfitSubnames
const SUBTABLE_NAMES = [
  'System Physical Address Range',
  'Memory Range Map',
  'Interleave Info',
  'SMBIOS Information',
  'NVDIMM Control Region',
  'NVDIMM Block Data Window Region',
  'Flush Hint Address',
  'Platform Capabilities',
  'Unknown Subtable Type',
]

const FIXED_SIZE: Partial<Record<Op, number>> = {
  u8: 1,
  checksum: 1,
  u16: 2,
  nfitType: 2,
  u24: 3,
  u32: 4,
  sig: 4,
  name4: 4,
  u48: 6,
  name6: 6,
  u64: 8,
  name8: 8,
  uuid: 16,
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).toUpperCase().padStart(2, '0'))
const hexByte = (byte: number) => HEX_BYTES[byte]!
const isPrint = (byte: number) => byte >= 0x20 && byte <= 0x7e

class Dumper {
  private readonly parts: string[] = []
  private readonly view: DataView

  constructor(
    private readonly bytes: Uint8Array,
    private readonly tableLength: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  emit(text: string): void {
    this.parts.push(text)
  }

  text(): string {
    return this.parts.join('')
  }

  u16(offset: number): number {
    return this.view.getUint16(offset, true)
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, true)
  }

  /** AcpiDmLineHeader(): "[OFFh DEC  LEN] name : " or, for flags, the name alone. */
  private lineHeader(offset: number, byteLength: number, name: string): void {
    if (byteLength) {
      const hexOffset = offset.toString(16).toUpperCase().padStart(3, '0')
      const length = ` ${byteLength}`.padStart(4)
      this.emit(`[${hexOffset}h ${String(offset).padStart(4, '0')}${length}] ${name.padStart(28)} : `)
    } else {
      this.emit(`${name.padStart(44)} : `)
    }
  }

  /** AcpiUtCheckAndRepairAscii() then "%.Ns": stops at a NUL, blanks what is not printable. */
  private name(at: number, size: number): string {
    let text = ''
    for (let i = 0; i < size; i++) {
      const byte = this.bytes[at + i]!
      if (byte === 0) break
      text += isPrint(byte) ? String.fromCharCode(byte) : ' '
    }
    return text
  }

  /**
   * AcpiDmDumpTable(): `tableOffset` is what the lines are labelled with, `base` where the
   * fields are read from. False where iasl gives up on the table (AE_BAD_DATA).
   */
  table(tableOffset: number, base: number, subtableLength: number, fields: readonly Field[]): boolean {
    for (const info of fields) {
      const target = base + info.offset
      const current = tableOffset + info.offset
      if (subtableLength && info.offset >= subtableLength) {
        this.emit('/**** ACPI subtable terminates early - may be older version (dump table) */\n')
        return true
      }
      if (current >= this.tableLength) {
        this.emit('/**** ACPI table terminates in the middle of a data structure! (dump table) */\n')
        return false
      }
      const byteLength = info.op === 'raw' ? subtableLength : (FIXED_SIZE[info.op] ?? 0)
      if (current + byteLength > this.tableLength) {
        if (subtableLength) {
          this.emit('/**** ACPI subtable terminates early - may be older version (dump table) */\n')
          return true
        }
        this.emit('/**** ACPI table terminates in the middle of a data structure! */\n')
        return false
      }
      this.lineHeader(current, byteLength, info.name)
      this.value(info, target, current, byteLength)
    }
    return true
  }

  private value(info: Field, target: number, current: number, byteLength: number): void {
    const bytes = this.bytes
    switch (info.op) {
      case 'flag':
        this.emit(`${(bytes[target]! >> info.bit!) & 1}\n`)
        return
      case 'u8':
      case 'u16':
      case 'u24':
      case 'u32':
      case 'u48':
      case 'u64': {
        let text = ''
        for (let i = byteLength - 1; i >= 0; i--) text += hexByte(bytes[target + i]!)
        this.emit(`${text}\n`)
        return
      }
      case 'uuid':
        this.emit(`${decodeGuid(bytes, target).toUpperCase()}\n`)
        return
      case 'sig':
        this.emit(`"${this.name(target, 4)}"    `)
        this.emit(this.name(target, 4) === 'NFIT' ? '[NVDIMM Firmware Interface Table]\n' : '\n')
        return
      case 'name4':
      case 'name6':
      case 'name8':
        this.emit(`"${this.name(target, byteLength)}"\n`)
        return
      case 'checksum': {
        const expected = acpiChecksumFor(bytes, this.tableLength)
        this.emit(hexByte(bytes[target]!))
        if (expected !== bytes[target]) this.emit(`     /* Incorrect checksum, should be ${hexByte(expected)} */`)
        this.emit('\n')
        return
      }
      case 'nfitType': {
        // Debian's 20200925 (the golden's iasl) prints the type clamped to 8, "Reserved".
        const type = Math.min(this.u16(target), SUBTABLE_NAMES.length - 1)
        this.emit(`${type.toString(16).toUpperCase().padStart(4, '0')} [${SUBTABLE_NAMES[type]}]\n`)
        return
      }
      case 'raw': {
        // AcpiDmDumpBuffer(Table, CurrentOffset, ...): reads at base + the labelled offset.
        const from = target - info.offset + current
        for (let i = 0; i < byteLength; i++) {
          if (i % 16 === 0 && byteLength > 16) this.emit('\\\n    ')
          this.emit(`${hexByte(bytes[from + i]!)} `)
        }
        this.emit('\n')
        return
      }
    }
  }

  /** AcpiDmDumpNfit(). */
  nfit(): void {
    if (!this.table(0, 0, 0, NFIT)) return
    for (let offset = NFIT_HEADER_SIZE; offset < this.tableLength;) {
      const type = this.u16(offset)
      const length = this.u16(offset + 2)
      this.emit('\n')
      if (!this.table(offset, offset, length, SUBTABLE_HEADER)) return
      const fields = this.fieldsOf(type, offset)
      if (!fields) {
        this.emit(`\n**** Unknown NFIT subtable type 0x${type.toString(16).toUpperCase()}\n`)
        if (!length) {
          this.emit('Invalid zero length subtable\n')
          return
        }
      } else {
        this.emit('\n')
        if (!this.table(offset, offset, length, fields)) return
        if (!this.variablePart(type, offset, length)) return
      }
      offset += length
    }
  }

  private fieldsOf(type: number, offset: number): readonly Field[] | undefined {
    switch (type) {
      case NfitType.SPA:
        return this.u16(offset + 6) & SPA_LOCATION_COOKIE_VALID ? SPA_WITH_COOKIE : SPA
      case NfitType.MEMDEV:
        return MEMDEV
      case NfitType.INTERLEAVE:
        return INTERLEAVE
      case NfitType.SMBIOS:
        return SMBIOS
      case NfitType.DCR:
        return DCR
      case NfitType.BDW:
        return BDW
      case NfitType.FLUSH:
        return FLUSH
      case NfitType.CAPABILITIES:
        return CAPABILITIES
      default:
        return undefined
    }
  }

  private variablePart(type: number, offset: number, length: number): boolean {
    if (type === NfitType.INTERLEAVE) {
      const lines = this.u32(offset + 8)
      for (let i = 0; i < lines; i++) {
        const labelled = offset + IASL_INTERLEAVE_LINES_AT + 4 * i
        if (!this.table(labelled, offset + 16 + 4 * i, 4, LINE_OFFSET)) return false
      }
    } else if (type === NfitType.SMBIOS) {
      const dataLength = length - IASL_SMBIOS_DATA_AT
      if (dataLength) return this.table(IASL_SMBIOS_DATA_AT, offset, dataLength, SMBIOS_DATA)
    } else if (type === NfitType.FLUSH) {
      const hints = this.u16(offset + 8)
      for (let i = 0; i < hints; i++) {
        if (!this.table(offset + 16 + 8 * i, offset + 16 + 8 * i, 8, HINT_ADDRESS)) return false
      }
    }
    return true
  }

  /** AcpiUtDumpBuffer(DB_BYTE_DISPLAY): 16 bytes a line, then the printable ones. */
  raw(): void {
    const length = this.tableLength
    this.emit(`\nRaw Table Data: Length ${length} (0x${length.toString(16).toUpperCase()})\n\n`)
    for (let i = 0; i < length; i += 16) {
      let line = `${i.toString(16).toUpperCase().padStart(4, '0').padStart(8)}: `
      let text = ''
      for (let j = 0; j < 16; j++) {
        if (i + j < length) {
          line += `${hexByte(this.bytes[i + j]!)} `
          text += isPrint(this.bytes[i + j]!) ? String.fromCharCode(this.bytes[i + j]!) : '.'
        } else {
          line += '   '
        }
      }
      this.emit(`${line} // ${text}\n`)
    }
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** ctime(3) without its newline: "Sat Nov 21 23:04:10 2026". */
function ctime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return (
    `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2)} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${date.getFullYear()}`
  )
}

/** dmtables.c AdDisassemblerHeader() and AdCreateTableHeader() for a data table. */
function banner(fileName: string, date: Date): string {
  return [
    '/*',
    ' * Intel ACPI Component Architecture',
    ' * AML/ASL+ Disassembler version 20200925 (64-bit version)',
    ' * Copyright (c) 2000 - 2020 Intel Corporation',
    ' * ',
    ` * Disassembly of ${fileName}, ${ctime(date)}`,
    ' *',
    ' * ACPI Data Table [NFIT]',
    ' *',
    ' * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue',
    ' */',
    '',
    '',
  ].join('\n')
}

/**
 * The table as `iasl -d` prints it. Given bytes, they are shown as they are (a wrong checksum
 * is flagged as iasl flags it) after the decoder has accepted their layout; given a table, its
 * encoding is shown.
 */
export function formatNfit(input: NfitTable | Uint8Array, options: FormatNfitOptions = {}): string {
  let bytes: Uint8Array
  if (input instanceof Uint8Array) {
    const { table } = decodeNfit(input, { checksum: 'ignore' })
    bytes = input.subarray(0, table.header.length)
  } else {
    bytes = encodeNfit(input)
  }
  // AcpiDmDumpDataTable(): no raw dump when the common header itself cannot be shown.
  const dumper = new Dumper(bytes, bytes.length)
  if (dumper.table(0, 0, 0, HEADER)) {
    dumper.emit('\n')
    dumper.nfit()
    dumper.raw()
  }
  return (options.fileName !== undefined ? banner(options.fileName, options.date ?? new Date()) : '') + dumper.text()
}
