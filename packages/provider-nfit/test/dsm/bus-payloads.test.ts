import { describe, expect, it } from 'vitest'
import {
  decodeArsCapOutput,
  decodeArsStartInput,
  decodeArsStartOutput,
  decodeArsStatusOutput,
  decodeSpaRangeInput,
  encodeArsCapOutput,
  encodeArsStartInput,
  encodeArsStartOutput,
  encodeArsStatusOutput,
  encodeSpaRangeInput,
} from '../../src/dsm/bus/ars-payloads.js'
import { decodeClearErrorOutput, encodeClearErrorOutput } from '../../src/dsm/bus/clear-error-payload.js'
import {
  decodeErrorInjectInput,
  decodeErrorInjectStatusOutput,
  encodeErrorInjectInput,
  encodeErrorInjectStatusOutput,
} from '../../src/dsm/bus/error-inject-payloads.js'
import {
  decodeTranslateSpaInput,
  decodeTranslateSpaOutput,
  encodeTranslateSpaInput,
  encodeTranslateSpaOutput,
} from '../../src/dsm/bus/translate-spa-payload.js'

/** Little-endian bytes of a value of `size` bytes. */
function le(value: bigint | number, size: number): number[] {
  let v = BigInt(value)
  return Array.from({ length: size }, () => {
    const byte = Number(v & 0xffn)
    v >>= 8n
    return byte
  })
}

describe('NFIT bus DSM payloads (include/uapi/linux/ndctl.h, ndctl/libndctl-nfit.h)', () => {
  it('lays out ARS capabilities: range in, status/max_ars_out/clear_err_unit/flags out', () => {
    const input = encodeSpaRangeInput({ address: 0x1_0000_0000n, length: 0x200_0000n })
    expect([...input]).toEqual([...le(0x1_0000_0000n, 8), ...le(0x200_0000n, 8)])
    expect(decodeSpaRangeInput(input)).toEqual({ address: 0x1_0000_0000n, length: 0x200_0000n })
    const output = encodeArsCapOutput({ status: 0x30000, maxArsOut: 4128, clearErrorUnit: 256, flags: 1 })
    expect([...output]).toEqual([...le(0x30000, 4), ...le(4128, 4), ...le(256, 4), ...le(1, 2), 0, 0])
    expect(decodeArsCapOutput(output)).toEqual({ status: 0x30000, maxArsOut: 4128, clearErrorUnit: 256, flags: 1 })
  })

  it('lays out ARS start: type at 16, flags at 18, five reserved bytes; status and scrub_time out', () => {
    const input = encodeArsStartInput({ address: 0x1000n, length: 0x2000n, type: 2, flags: 2 })
    expect([...input]).toEqual([...le(0x1000n, 8), ...le(0x2000n, 8), 2, 0, 2, 0, 0, 0, 0, 0])
    expect(decodeArsStartInput(input)).toEqual({ address: 0x1000n, length: 0x2000n, type: 2, flags: 2 })
    const output = encodeArsStartOutput({ status: 6, scrubTime: 1 })
    expect([...output]).toEqual([...le(6, 4), ...le(1, 4)])
    expect(decodeArsStartOutput(output)).toEqual({ status: 6, scrubTime: 1 })
  })

  it('lays out ARS status with records of 24 bytes, out_length counting from itself', () => {
    const output = encodeArsStatusOutput({
      status: 0,
      address: 0x1_0000_0000n,
      length: 0x400_0000n,
      restartAddress: 0n,
      restartLength: 0n,
      type: 2,
      flags: 0,
      records: [{ handle: 0x101, address: 0x1_0000_2000n, length: 0x100n }],
    })
    expect(output.length).toBe(48 + 24)
    expect([...output.subarray(0, 8)]).toEqual([...le(0, 4), ...le(44 + 24, 4)])
    expect([...output.subarray(40, 48)]).toEqual([2, 0, 0, 0, ...le(1, 4)])
    expect([...output.subarray(48)]).toEqual([...le(0x101, 4), 0, 0, 0, 0, ...le(0x1_0000_2000n, 8), ...le(0x100n, 8)])
    expect(decodeArsStatusOutput(output)).toEqual({
      status: 0,
      outLength: 68,
      address: 0x1_0000_0000n,
      length: 0x400_0000n,
      restartAddress: 0n,
      restartLength: 0n,
      type: 2,
      flags: 0,
      numRecords: 1,
      records: [{ handle: 0x101, address: 0x1_0000_2000n, length: 0x100n }],
    })
  })

  it('reads an ARS status only as far as it goes: a lone status word, records the buffer does not hold', () => {
    expect(decodeArsStatusOutput(Uint8Array.from(le(1 << 16, 4)))).toMatchObject({
      status: 1 << 16,
      outLength: 0,
      numRecords: 0,
      records: [],
    })
    const claimed = new Uint8Array(48 + 24 + 10)
    new DataView(claimed.buffer).setUint32(44, 5, true)
    expect(decodeArsStatusOutput(claimed).records).toHaveLength(1)
    expect(() => decodeArsStatusOutput(new Uint8Array(3))).toThrow(/at least 4/)
  })

  it('lays out clear error: reserved word, then cleared at 8', () => {
    const output = encodeClearErrorOutput({ status: 0, cleared: 0x200n })
    expect([...output]).toEqual([...le(0, 4), 0, 0, 0, 0, ...le(0x200n, 8)])
    expect(decodeClearErrorOutput(output)).toEqual({ status: 0, cleared: 0x200n })
  })

  it('lays out translate SPA: spa in; status, flags, translate_length, num_nvdimms, devices out', () => {
    expect([...encodeTranslateSpaInput(0x1_0000_1000n)]).toEqual(le(0x1_0000_1000n, 8))
    expect(decodeTranslateSpaInput(encodeTranslateSpaInput(42n))).toBe(42n)
    const output = encodeTranslateSpaOutput({
      status: 0,
      flags: 1,
      translateLength: 0x1000n,
      devices: [
        { handle: 0x1, dpa: 0x800n },
        { handle: 0x100, dpa: 0x900n },
      ],
    })
    expect([...output.subarray(0, 20)]).toEqual([...le(0, 4), 1, 0, 0, 0, ...le(0x1000n, 8), ...le(2, 4)])
    expect([...output.subarray(36)]).toEqual([...le(0x100, 4), 0, 0, 0, 0, ...le(0x900n, 8)])
    expect(decodeTranslateSpaOutput(output).devices).toEqual([
      { handle: 0x1, dpa: 0x800n },
      { handle: 0x100, dpa: 0x900n },
    ])
  })

  it('lays out error injection: packed options byte at 16, records of 16 bytes in the status', () => {
    const input = encodeErrorInjectInput({ address: 0x1_0000_5400n, length: 0x100n, options: 1 })
    expect([...input]).toEqual([...le(0x1_0000_5400n, 8), ...le(0x100n, 8), 1])
    expect(decodeErrorInjectInput(input)).toEqual({ address: 0x1_0000_5400n, length: 0x100n, options: 1 })
    const output = encodeErrorInjectStatusOutput({ status: 0, records: [{ address: 0x5400n, length: 0x100n }] })
    expect([...output]).toEqual([...le(0, 4), ...le(1, 4), ...le(0x5400n, 8), ...le(0x100n, 8)])
    expect(decodeErrorInjectStatusOutput(output).records).toEqual([{ address: 0x5400n, length: 0x100n }])
  })

  it('refuses values that do not fit their fields', () => {
    expect(() => encodeSpaRangeInput({ address: -1n, length: 0n })).toThrow(/u64/)
    expect(() => encodeArsStartInput({ address: 0n, length: 1n, type: 0x10000, flags: 0 })).toThrow(/u16/)
    expect(() => encodeErrorInjectInput({ address: 0n, length: 1n, options: 256 })).toThrow(/u8/)
    expect(() => encodeTranslateSpaOutput({ status: 0, flags: 0, translateLength: 1n << 64n, devices: [] })).toThrow(
      /u64/,
    )
  })
})
