/** Sizes and alignment arithmetic on bigint, named as in include/linux/sizes.h and align.h. */

export const SZ_512 = 512n
export const SZ_1K = 1024n
export const SZ_4K = 4096n
export const SZ_64K = 64n << 10n
export const SZ_128K = 128n << 10n
export const SZ_1M = 1n << 20n
export const SZ_2M = 2n << 20n
export const SZ_16M = 16n << 20n
export const SZ_128M = 128n << 20n
export const SZ_256M = 256n << 20n
export const SZ_1G = 1n << 30n
export const SZ_1T = 1n << 40n

export const U64_MAX = (1n << 64n) - 1n

export function isPowerOf2(value: bigint): boolean {
  return value > 0n && (value & (value - 1n)) === 0n
}

/** IS_ALIGNED(): for any positive alignment, not only powers of two. */
export function isAligned(value: bigint, align: bigint): boolean {
  return value % align === 0n
}

/** ALIGN(): round up. */
export function alignUp(value: bigint, align: bigint): bigint {
  return ((value + align - 1n) / align) * align
}

/** ALIGN_DOWN(): round down. */
export function alignDown(value: bigint, align: bigint): bigint {
  return (value / align) * align
}

export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`
}

/** strtoull(text, &end, 0): 0x hex, leading-0 octal, else decimal. */
function parseCNumber(text: string): { value: bigint; rest: string } | undefined {
  const match = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text)
  if (!match) return undefined
  const digits = match[1]!
  let value: bigint
  if (/^0[xX]/.test(digits)) value = BigInt(digits)
  else if (digits.length > 1) value = digits.startsWith('0') ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits)
  else value = BigInt(digits)
  return { value, rest: text.slice(digits.length) }
}

function applySuffix(parsed: { value: bigint; rest: string }, suffixes: string): { value: bigint; rest: string } {
  const letter = parsed.rest.charAt(0).toUpperCase()
  const index = letter === '' ? -1 : suffixes.indexOf(letter)
  if (index < 0) return parsed
  return { value: parsed.value << BigInt(10 * (index + 1)), rest: parsed.rest.slice(1) }
}

/**
 * The kernel's memparse() (lib/cmdline.c): a C number followed by an optional K, M, G, T, P
 * or E suffix, either case. Returns the value and the unparsed rest, or undefined when no
 * digits were found.
 */
export function memparse(text: string): { value: bigint; rest: string } | undefined {
  const parsed = parseCNumber(text)
  return parsed && applySuffix(parsed, 'KMGTPE')
}

/**
 * ndctl's parse_size64() (util/size.c): a C number, one optional K/M/G/T suffix and nothing
 * else. Undefined where ndctl would return ULLONG_MAX.
 */
export function parseSize(text: string): bigint | undefined {
  const parsed = parseCNumber(text)
  if (!parsed) return undefined
  const { value, rest } = applySuffix(parsed, 'KMGT')
  return rest === '' && value < U64_MAX ? value : undefined
}
