/**
 * ndctl's JSON as json-c prints it with JSON_C_TO_STRING_PRETTY: two-space indent, no space
 * after the colon, "\/" for a slash, and the serializers of ndctl's util/json.c for sizes and
 * hex values under --human.
 */

export type JsonValue =
  string | number | bigint | boolean | null | JsonSize | JsonHex | JsonDouble | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

const SZ_1K = 1024n
const SZ_1M = 1n << 20n
const SZ_1G = 1n << 30n
const SZ_1T = 1n << 40n

/** util_json_object_size() under --human: display_size(). */
export class JsonSize {
  constructor(readonly value: bigint) {}

  render(): string {
    return displaySize(this.value)
  }
}

/** util_json_object_hex() under --human: display_hex(), "%#llx" in quotes. */
export class JsonHex {
  constructor(readonly value: bigint) {}

  render(): string {
    return this.value === 0n ? '"0"' : `"0x${this.value.toString(16)}"`
  }
}

/** json_object_new_double(): printed "%.17g", with ".0" when that reads as an integer. */
export class JsonDouble {
  constructor(readonly value: number) {}

  render(): string {
    return renderDouble(this.value)
  }
}

/** A size field: a plain number, or ndctl's "64.00 MiB (67.11 MB)" under --human. */
export function sizeField(value: bigint, human: boolean): JsonValue {
  return human ? new JsonSize(value) : value
}

/** A hex-typed field (handle, iset_id, mapping offset...): a number, or "0x…" under --human. */
export function hexField(value: bigint, human: boolean): JsonValue {
  return human ? new JsonHex(value) : value
}

function centi(bytes: bigint, unit: bigint): string {
  const c = ((bytes * 200n) / unit + 1n) / 2n
  return `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`
}

function centiDecimal(bytes: bigint, unitOver200: bigint): string {
  const c = (bytes / unitOver200 + 1n) / 2n
  return `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`
}

/** display_size() (ndctl util/json.c, after mdadm's human_size_brief()). */
export function displaySize(bytes: bigint): string {
  if (bytes < 5000n * SZ_1K) return bytes.toString()
  let iec: string
  let jedec: string
  if (bytes < 2n * SZ_1G) {
    iec = `${centi(bytes, SZ_1M)} MiB`
    jedec = `${centiDecimal(bytes, 1_000_000n / 200n)} MB`
  } else if (bytes < 2n * SZ_1T) {
    iec = `${centi(bytes, SZ_1G)} GiB`
    jedec = `${centiDecimal(bytes, 1_000_000_000n / 200n)} GB`
  } else {
    iec = `${centi(bytes, SZ_1T)} TiB`
    jedec = `${centiDecimal(bytes, 1_000_000_000_000n / 200n)} TB`
  }
  return `"${iec} (${jedec})"`
}

/** json_escape_str() with json-c's default flags: '/' is escaped too. */
export function escapeJsonString(text: string): string {
  let out = ''
  for (const ch of text) {
    switch (ch) {
      case '\b':
        out += '\\b'
        break
      case '\n':
        out += '\\n'
        break
      case '\r':
        out += '\\r'
        break
      case '\t':
        out += '\\t'
        break
      case '\f':
        out += '\\f'
        break
      case '"':
        out += '\\"'
        break
      case '\\':
        out += '\\\\'
        break
      case '/':
        out += '\\/'
        break
      default: {
        const code = ch.codePointAt(0)!
        out += code < 0x20 ? `\\u00${code.toString(16).padStart(2, '0')}` : ch
      }
    }
  }
  return out
}

/** json-c's double serializer: "%.17g", with ".0" added when it reads as an integer. */
function renderDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
  let text = value.toPrecision(17)
  // %.17g strips trailing zeros and uses exponent form only for very large/small values.
  if (text.includes('e')) {
    const [mantissa, exponent] = text.split('e') as [string, string]
    const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa
    const exp = Number(exponent)
    text = `${trimmed}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  } else if (text.includes('.')) {
    text = text.replace(/0+$/, '').replace(/\.$/, '')
  }
  if (!/[.e]/.test(text)) text += '.0'
  return text
}

function renderScalar(value: JsonValue): string | undefined {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return `"${escapeJsonString(value)}"`
    case 'bigint':
      return value.toString()
    case 'number':
      return Number.isInteger(value) ? value.toString() : renderDouble(value)
    case 'boolean':
      return value ? 'true' : 'false'
  }
  if (value instanceof JsonSize || value instanceof JsonHex || value instanceof JsonDouble) return value.render()
  return undefined
}

function indent(level: number): string {
  return '  '.repeat(level)
}

function render(value: JsonValue, level: number): string {
  const scalar = renderScalar(value)
  if (scalar !== undefined) return scalar
  if (Array.isArray(value)) {
    const items = value.map((item) => indent(level + 1) + render(item, level + 1))
    return `[\n${items.join(',\n')}${items.length ? '\n' : ''}${indent(level)}]`
  }
  const entries = Object.entries(value as JsonObject).map(
    ([key, item]) => `${indent(level + 1)}"${escapeJsonString(key)}":${render(item, level + 1)}`,
  )
  return `{\n${entries.join(',\n')}${entries.length ? '\n' : ''}${indent(level)}}`
}

/** json_object_to_json_string_ext(value, JSON_C_TO_STRING_PRETTY). */
export function toJsonC(value: JsonValue): string {
  return render(value, 0)
}
