import { describe, expect, it } from 'vitest'
import { displaySize, toJsonC } from '../src/index.js'
import { JsonDouble, JsonHex, JsonSize } from '../src/ndctl/json.js'

describe('json-c pretty printing', () => {
  it('indents by two spaces with no space after the colon', () => {
    expect(toJsonC([{ dev: 'region0', size: 134217728n, flag: true }])).toBe(
      '[\n  {\n    "dev":"region0",\n    "size":134217728,\n    "flag":true\n  }\n]',
    )
  })

  it('prints empty containers as json-c does', () => {
    expect(toJsonC([])).toBe('[\n]')
    expect(toJsonC({ a: {} })).toBe('{\n  "a":{\n  }\n}')
  })

  it('escapes like json_escape_str(), slash included', () => {
    expect(toJsonC('a/b"c\\d\n\u0001')).toBe('"a\\/b\\"c\\\\d\\n\\u0001"')
  })

  it('prints doubles with %.17g and a .0 for whole numbers', () => {
    expect(toJsonC(new JsonDouble(23))).toBe('23.0')
    expect(toJsonC(new JsonDouble(23.5))).toBe('23.5')
    expect(toJsonC(new JsonDouble(0.1))).toBe('0.10000000000000001')
  })

  it('prints u64 values unsigned', () => {
    // ndctl's documentation shows the same cookie printed signed: -6382611090938810793.
    expect(toJsonC(0xa76c6907811fae57n)).toBe(String((1n << 64n) - 6382611090938810793n))
  })
})

describe("ndctl's --human serializers", () => {
  it('prints sizes like display_size()', () => {
    expect(displaySize(67108864n)).toBe('"64.00 MiB (67.11 MB)"')
    expect(displaySize(16777216n)).toBe('"16.00 MiB (16.78 MB)"')
    expect(displaySize(31457280n)).toBe('"30.00 MiB (31.46 MB)"')
    expect(displaySize(4n << 30n)).toBe('"4.00 GiB (4.29 GB)"')
    expect(displaySize(3n << 40n)).toBe('"3.00 TiB (3.30 TB)"')
    expect(displaySize(5000n * 1024n - 1n)).toBe('5119999')
    expect(displaySize(0n)).toBe('0')
    expect(toJsonC(new JsonSize(0n))).toBe('0')
  })

  it('prints hex like display_hex(): %#llx, so zero has no 0x', () => {
    expect(toJsonC(new JsonHex(0n))).toBe('"0"')
    expect(toJsonC(new JsonHex(0xa76c6907811fae57n))).toBe('"0xa76c6907811fae57"')
  })
})
