/**
 * The NFIT as JSON: what `nvdimm nfit decode --json` prints and what `nvdimm nfit encode` reads.
 *
 * Field names are those of nfit-types.ts plus `"type"`, a name ("spa", "memdev", "interleave",
 * "smbios", "dcr", "bdw", "flush", "capabilities") or the number. u64s are "0x…" strings
 * (decimal strings and safe-integer numbers are read too), GUIDs are text (a kernel range-type
 * name such as "pmem" is read as its GUID), SMBIOS and unknown-sub-table data are hex strings.
 *
 * A description may leave out: the whole header or any of its fields (NFIT_DEFAULT_HEADER;
 * length and checksum are then those of the encoded table), and any number or u64 of a
 * sub-table (0), lists (empty) and SMBIOS data (none). It may not leave out a sub-table's type,
 * an SPA's rangeGuid, nor give some but not all of a DCR's block-window fields.
 */
import { NvdimmError } from '@nvdimm/core'
import { z } from 'zod'
import { encodeNfit } from './nfit-encode.js'
import { isGuid, SPA_RANGE_TYPES, spaRangeGuid } from './nfit-guid.js'
import { isNfitUnknown, NFIT_SUBTABLE_NAMES, NfitType, SPA_LOCATION_COOKIE_VALID } from './nfit-types.js'
import type { NfitHeader, NfitSubtable, NfitSubtableName, NfitTable, NfitUnknown } from './nfit-types.js'

/** Header fields a description may leave out. */
export const NFIT_DEFAULT_HEADER = {
  revision: 1,
  oemId: 'NVDIMM',
  oemTableId: 'NVDIMM',
  oemRevision: 1,
  aslCompilerId: 'NVDM',
  aslCompilerRevision: 1,
} as const satisfies Omit<NfitHeader, 'length' | 'checksum'>

export type NfitJsonValue = number | string | boolean | number[] | string[]

export interface NfitJson {
  header: NfitHeader
  subtables: NfitSubtableJson[]
}

export interface NfitSubtableJson {
  type: NfitSubtableName | number
  [field: string]: NfitJsonValue
}

const U64_MAX = (1n << 64n) - 1n

const u64Text = (value: bigint) => `0x${value.toString(16)}`

function hexText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function nfitToJson(table: NfitTable): NfitJson {
  return { header: { ...table.header }, subtables: table.subtables.map(subtableToJson) }
}

function subtableToJson(subtable: NfitSubtable | NfitUnknown): NfitSubtableJson {
  if (isNfitUnknown(subtable)) return { type: subtable.type, unknown: true, data: hexText(subtable.data) }
  const json: NfitSubtableJson = { type: NFIT_SUBTABLE_NAMES[subtable.type] }
  for (const [key, value] of Object.entries(subtable)) {
    if (key === 'type' || value === undefined) continue
    if (typeof value === 'bigint') json[key] = u64Text(value)
    else if (value instanceof Uint8Array) json[key] = hexText(value)
    else if (Array.isArray(value))
      json[key] = (value as (number | bigint)[]).map((item) => (typeof item === 'bigint' ? u64Text(item) : item)) as
        number[] | string[]
    else json[key] = value as number | string
  }
  return json
}

const unsigned = (bits: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(2 ** bits - 1, `expected an integer of at most ${bits} bits`)
const u8 = unsigned(8)
const u16 = unsigned(16)
const u32 = unsigned(32)
const u64 = z
  .union([
    z.string().regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/, 'expected a u64 as a "0x…" or decimal string'),
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  ])
  .transform((value) => BigInt(value))
  .refine((value) => value <= U64_MAX, 'does not fit in 64 bits')

const hexData = z
  .string()
  .regex(/^([0-9a-fA-F]{2})*$/, 'expected bytes as a hex string')
  .transform((text) => new Uint8Array(Buffer.from(text, 'hex')))

const acpiName = (size: number) =>
  z
    .string()
    .max(size)
    .regex(/^[\x00-\xff]*$/, 'expected Latin-1 characters')

const rangeGuid = z.string().transform((text, ctx) => {
  if (isGuid(text)) return text.toLowerCase()
  const guid = spaRangeGuid(text)
  if (guid) return guid
  ctx.addIssue({
    code: 'custom',
    message: `expected a GUID or a range type (${SPA_RANGE_TYPES.map((type) => type.name).join(', ')})`,
  })
  return z.NEVER
})

const headerSchema = z.strictObject({
  length: u32.optional(),
  checksum: u8.optional(),
  revision: u8.default(NFIT_DEFAULT_HEADER.revision),
  oemId: acpiName(6).default(NFIT_DEFAULT_HEADER.oemId),
  oemTableId: acpiName(8).default(NFIT_DEFAULT_HEADER.oemTableId),
  oemRevision: u32.default(NFIT_DEFAULT_HEADER.oemRevision),
  aslCompilerId: acpiName(4).default(NFIT_DEFAULT_HEADER.aslCompilerId),
  aslCompilerRevision: u32.default(NFIT_DEFAULT_HEADER.aslCompilerRevision),
})

const typeSchema = z.union([z.enum(NFIT_SUBTABLE_NAMES), u16])

const spaSchema = z
  .strictObject({
    type: typeSchema,
    rangeIndex: u16.default(0),
    flags: u16.default(0),
    proximityDomain: u32.default(0),
    rangeGuid,
    address: u64.default(0n),
    length: u64.default(0n),
    memoryMapping: u64.default(0n),
    locationCookie: u64.optional(),
  })
  .refine((spa) => ((spa.flags & SPA_LOCATION_COOKIE_VALID) !== 0) === (spa.locationCookie !== undefined), {
    message: 'locationCookie is given exactly when flags has the location-cookie bit (0x4)',
    path: ['locationCookie'],
  })

const memdevSchema = z.strictObject({
  type: typeSchema,
  deviceHandle: u32.default(0),
  physicalId: u16.default(0),
  regionId: u16.default(0),
  rangeIndex: u16.default(0),
  regionIndex: u16.default(0),
  regionSize: u64.default(0n),
  regionOffset: u64.default(0n),
  address: u64.default(0n),
  interleaveIndex: u16.default(0),
  interleaveWays: u16.default(0),
  flags: u16.default(0),
})

const interleaveSchema = z.strictObject({
  type: typeSchema,
  interleaveIndex: u16.default(0),
  lineSize: u32.default(0),
  lineOffsets: z.array(u32).default(() => []),
})

const smbiosSchema = z.strictObject({ type: typeSchema, data: hexData.prefault('') })

const windowFields = ['windowSize', 'commandOffset', 'commandSize', 'statusOffset', 'statusSize', 'dcrFlags'] as const

const dcrSchema = z
  .strictObject({
    type: typeSchema,
    regionIndex: u16.default(0),
    vendorId: u16.default(0),
    deviceId: u16.default(0),
    revisionId: u16.default(0),
    subsystemVendorId: u16.default(0),
    subsystemDeviceId: u16.default(0),
    subsystemRevisionId: u16.default(0),
    validFields: u8.default(0),
    manufacturingLocation: u8.default(0),
    manufacturingDate: u16.default(0),
    serialNumber: u32.default(0),
    code: u16.default(0),
    windows: u16.default(0),
    windowSize: u64.optional(),
    commandOffset: u64.optional(),
    commandSize: u64.optional(),
    statusOffset: u64.optional(),
    statusSize: u64.optional(),
    dcrFlags: u16.optional(),
  })
  .superRefine((dcr, ctx) => {
    const present = windowFields.filter((name) => dcr[name] !== undefined)
    if (present.length !== 0 && present.length !== windowFields.length)
      ctx.addIssue({
        code: 'custom',
        message: `give all of ${windowFields.join(', ')} (the 80-byte form) or none (the 32-byte form)`,
        path: [windowFields.find((name) => dcr[name] === undefined)!],
      })
    else if (present.length === 0 && dcr.windows !== 0)
      ctx.addIssue({
        code: 'custom',
        message: `${dcr.windows} block windows need the 80-byte form (${windowFields.join(', ')})`,
        path: ['windows'],
      })
  })

const bdwSchema = z.strictObject({
  type: typeSchema,
  regionIndex: u16.default(0),
  windows: u16.default(0),
  offset: u64.default(0n),
  size: u64.default(0n),
  capacity: u64.default(0n),
  startAddress: u64.default(0n),
})

const flushSchema = z.strictObject({
  type: typeSchema,
  deviceHandle: u32.default(0),
  hintAddresses: z.array(u64).default(() => []),
})

const capabilitiesSchema = z.strictObject({
  type: typeSchema,
  highestCapability: u8.default(0),
  capabilities: u32.default(0),
})

const unknownSchema = z.strictObject({ type: u16, unknown: z.literal(true).optional(), data: hexData.prefault('') })

const SCHEMAS = [
  spaSchema,
  memdevSchema,
  interleaveSchema,
  smbiosSchema,
  dcrSchema,
  bdwSchema,
  flushSchema,
  capabilitiesSchema,
] as const

const tableSchema = z.strictObject({
  header: z.unknown().optional(),
  subtables: z.array(z.unknown()),
})

function describe(error: z.ZodError, prefix: (string | number)[]): string {
  const issue = error.issues[0]!
  const path = [...prefix, ...issue.path.map((part) => String(part))].join('.')
  return `${path ? `${path}: ` : ''}${issue.message}`
}

function parse<T extends z.ZodType>(schema: T, value: unknown, path: (string | number)[]): z.output<T> {
  const result = schema.safeParse(value)
  if (!result.success) throw new NvdimmError('EINVAL', `NFIT description: ${describe(result.error, path)}`)
  return result.data
}

function subtableFromJson(value: unknown, index: number): NfitSubtable | NfitUnknown {
  const path = ['subtables', index]
  const { type } = parse(z.looseObject({ type: typeSchema }), value, path)
  const numeric = typeof type === 'number' ? type : NFIT_SUBTABLE_NAMES.indexOf(type)
  const schema = SCHEMAS[numeric]
  if (!schema || (value as { unknown?: unknown }).unknown !== undefined) {
    if (numeric <= NfitType.CAPABILITIES)
      throw new NvdimmError(
        'EINVAL',
        `NFIT description: ${path.join('.')}.unknown: type ${type} is a known sub-table type, it cannot be kept as bytes`,
      )
    const unknown = parse(unknownSchema, value, path)
    return { type: unknown.type, unknown: true, data: unknown.data }
  }
  const fields = parse(schema as z.ZodType, value, path) as Record<string, unknown>
  const subtable: Record<string, unknown> = { type: numeric }
  for (const [key, field] of Object.entries(fields)) if (key !== 'type' && field !== undefined) subtable[key] = field
  return subtable as unknown as NfitSubtable
}

/** A table from its JSON form; EINVAL naming the path of the first thing wrong. */
export function nfitFromJson(json: unknown): NfitTable {
  const top = parse(tableSchema, json, [])
  const header = parse(headerSchema.prefault({}), top.header, ['header'])
  const subtables = top.subtables.map(subtableFromJson)
  const table: NfitTable = {
    header: { ...header, length: header.length ?? 0, checksum: header.checksum ?? 0 },
    subtables,
  }
  const bytes = encodeNfit(table)
  if (header.length === undefined) table.header.length = bytes.length
  if (header.checksum === undefined) table.header.checksum = bytes[9]!
  return table
}
