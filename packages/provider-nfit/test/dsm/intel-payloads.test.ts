import { describe, expect, it } from 'vitest'
import {
  decodeFwFinishInput,
  decodeFwFinishQueryInput,
  decodeFwFinishQueryOutput,
  decodeFwInfoOutput,
  decodeFwSendInput,
  decodeFwStartOutput,
  decodeLssInput,
  decodePassphraseInput,
  decodeSecurityStateOutput,
  decodeSetPassphraseInput,
  decodeSetThresholdInput,
  decodeSmartInjectInput,
  decodeSmartOutput,
  decodeSmartTemperature,
  decodeSmartThresholdOutput,
  encodeFwFinishInput,
  encodeFwFinishQueryInput,
  encodeFwFinishQueryOutput,
  encodeFwInfoOutput,
  encodeFwSendInput,
  encodeFwStartOutput,
  encodeLssInput,
  encodePassphraseInput,
  encodeSecurityStateOutput,
  encodeSetPassphraseInput,
  encodeSetThresholdInput,
  encodeSmartInjectInput,
  encodeSmartOutput,
  encodeSmartTemperature,
  encodeSmartThresholdOutput,
  type IntelSmart,
} from '../../src/dsm/intel/index.js'
import { thrown, u32At } from './intel-fixtures.js'

function dv(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

const smart: IntelSmart = {
  flags: 0x6bf,
  health: 2,
  spares: 61,
  lifeUsed: 17,
  alarmFlags: 5,
  mediaTemperature: 0x8050,
  controllerTemperature: 0x1a0,
  shutdownCount: 0xdeadbeef,
  aitStatus: 1,
  pmicTemperature: 0x281,
  shutdownState: 1,
  vendorSize: 3,
  vendorData: Uint8Array.from({ length: 92 }, (_, i) => i + 1),
}

describe('SMART temperature encoding (ndctl libndctl.c)', () => {
  it('is 1/16 °C with bit 15 as the sign', () => {
    expect(encodeSmartTemperature(23)).toBe(368)
    expect(encodeSmartTemperature(-5)).toBe(0x8000 | 80)
    expect(decodeSmartTemperature(368)).toBe(23)
    expect(decodeSmartTemperature(0x8008)).toBe(-0.5)
    expect(decodeSmartTemperature(0x0179)).toBe(23.5625)
  })

  it('keeps whole degrees only, as libndctl converts to unsigned before scaling', () => {
    expect(encodeSmartTemperature(23.9)).toBe(368)
    expect(encodeSmartTemperature(-0.5)).toBe(0x8000)
  })

  it('refuses what does not fit 15 bits', () => {
    expect(encodeSmartTemperature(2047)).toBe(2047 * 16)
    expect(thrown(() => encodeSmartTemperature(2048)).errno).toBe('EINVAL')
    expect(thrown(() => encodeSmartTemperature(Number.NaN)).errno).toBe('EINVAL')
  })
})

describe('SMART payloads (ndctl/lib/intel.h)', () => {
  it('struct nd_intel_smart is 132 bytes at the documented offsets', () => {
    const out = encodeSmartOutput(0, smart)
    expect(out.length).toBe(132)
    expect(u32At(out, 4)).toBe(0x6bf)
    expect(out[12]).toBe(2)
    expect(out[13]).toBe(61)
    expect(out[14]).toBe(17)
    expect(out[15]).toBe(5)
    expect(dv(out).getUint16(16, true)).toBe(0x8050)
    expect(dv(out).getUint16(18, true)).toBe(0x1a0)
    expect(u32At(out, 20)).toBe(0xdeadbeef)
    expect(out[24]).toBe(1)
    expect(dv(out).getUint16(25, true)).toBe(0x281)
    expect([...out.subarray(27, 35)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    expect(out[35]).toBe(1)
    expect(u32At(out, 36)).toBe(3)
    expect(out[40]).toBe(1)
    expect(out[131]).toBe(92)
    expect(decodeSmartOutput(out)).toEqual({ status: 0, smart })
    expect(thrown(() => decodeSmartOutput(out.subarray(0, 131))).errno).toBe('EINVAL')
  })

  it('threshold output is 12 bytes and set-threshold input 7 (sizes libndctl asserts: 12, 11 with status)', () => {
    const threshold = { alarmControl: 7, spares: 9, mediaTemperature: 0x280, controllerTemperature: 0x1e0 }
    const out = encodeSmartThresholdOutput(0x10007, threshold)
    expect(out.length).toBe(12)
    expect(u32At(out, 0)).toBe(0x10007)
    expect(dv(out).getUint16(4, true)).toBe(7)
    expect(out[6]).toBe(9)
    expect(dv(out).getUint16(7, true)).toBe(0x280)
    expect(dv(out).getUint16(9, true)).toBe(0x1e0)
    expect(decodeSmartThresholdOutput(out)).toEqual({ status: 0x10007, threshold })

    const input = encodeSetThresholdInput(threshold)
    expect([...input]).toEqual([7, 0, 9, 0x80, 0x02, 0xe0, 0x01])
    expect(decodeSetThresholdInput(input)).toEqual(threshold)
    expect(thrown(() => decodeSetThresholdInput(input.subarray(0, 6))).errno).toBe('EINVAL')
    expect(thrown(() => encodeSetThresholdInput({ ...threshold, spares: 256 })).errno).toBe('EINVAL')
  })

  it('inject input is 15 bytes (19 with status): u64 flags then the packed fields', () => {
    const inject = {
      flags: 0xfn,
      mtempEnable: 1,
      mediaTemperature: 0x1234,
      spareEnable: 1,
      spares: 4,
      fatalEnable: 1,
      unsafeShutdownEnable: 0,
    }
    const input = encodeSmartInjectInput(inject)
    expect(input.length).toBe(15)
    expect(dv(input).getBigUint64(0, true)).toBe(0xfn)
    expect([...input.subarray(8)]).toEqual([1, 0x34, 0x12, 1, 4, 1, 0])
    expect(decodeSmartInjectInput(input)).toEqual(inject)
    expect(thrown(() => encodeSmartInjectInput({ ...inject, flags: -1n })).errno).toBe('EINVAL')
  })
})

describe('security payloads (drivers/acpi/nfit/intel.h)', () => {
  it('security state: status, extended_state @4, state @8', () => {
    const out = encodeSecurityStateOutput(0, { extendedState: 1, state: 0x06 })
    expect([...out]).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0])
    expect(decodeSecurityStateOutput(out)).toEqual({ status: 0, extendedState: 1, state: 6 })
  })

  it('passphrases are zero-padded to 32 bytes, old then new', () => {
    const input = encodeSetPassphraseInput(Uint8Array.of(1, 2), Uint8Array.of(3))
    expect(input.length).toBe(64)
    expect([...input.subarray(0, 3)]).toEqual([1, 2, 0])
    expect([...input.subarray(32, 34)]).toEqual([3, 0])
    const decoded = decodeSetPassphraseInput(input)
    expect(decoded.oldPass.length).toBe(32)
    expect(decoded.newPass[0]).toBe(3)
    expect(encodePassphraseInput(Uint8Array.of(9)).length).toBe(32)
    expect(decodePassphraseInput(encodePassphraseInput(Uint8Array.of(9)))[0]).toBe(9)
  })

  it('refuses a passphrase over 32 bytes without echoing it', () => {
    const secret = new TextEncoder().encode('correct horse battery staple and more')
    const error = thrown(() => encodePassphraseInput(secret))
    expect(error.errno).toBe('EINVAL')
    expect(error.message).not.toContain('horse')
    expect(thrown(() => decodePassphraseInput(new Uint8Array(31))).errno).toBe('EINVAL')
  })
})

describe('firmware update and LSS payloads (ndctl/lib/intel.h)', () => {
  it('fw info is 44 bytes', () => {
    const info = {
      storageSize: 0x100000,
      maxSendLength: 0xffec,
      queryInterval: 250000,
      maxQueryTime: 3000000,
      updateCap: 2,
      fisVersion: 0x105,
      runVersion: 0x1122334455667788n,
      updatedVersion: 0xffffffffabcdn,
    }
    const out = encodeFwInfoOutput(0, info)
    expect(out.length).toBe(44)
    expect(u32At(out, 4)).toBe(0x100000)
    expect(u32At(out, 8)).toBe(0xffec)
    expect(u32At(out, 12)).toBe(250000)
    expect(u32At(out, 16)).toBe(3000000)
    expect(out[20]).toBe(2)
    expect(u32At(out, 24)).toBe(0x105)
    expect(dv(out).getBigUint64(28, true)).toBe(0x1122334455667788n)
    expect(dv(out).getBigUint64(36, true)).toBe(0xffffffffabcdn)
    expect(decodeFwInfoOutput(out)).toEqual({ status: 0, info })
  })

  it('start is status + context; send carries context, offset, length, data', () => {
    expect(decodeFwStartOutput(encodeFwStartOutput(0, 7))).toEqual({ status: 0, context: 7 })
    const input = encodeFwSendInput({ context: 7, offset: 0x10, data: Uint8Array.of(0xa, 0xb) })
    expect([...input]).toEqual([7, 0, 0, 0, 0x10, 0, 0, 0, 2, 0, 0, 0, 0xa, 0xb])
    const decoded = decodeFwSendInput(input)
    expect(decoded.context).toBe(7)
    expect(decoded.offset).toBe(0x10)
    expect([...decoded.data]).toEqual([0xa, 0xb])
    expect(thrown(() => decodeFwSendInput(input.subarray(0, 13))).errno).toBe('EINVAL')
  })

  it('finish is ctrl_flags, reserved[3], context; the query is context in, status + version out', () => {
    const input = encodeFwFinishInput({ ctrlFlags: 1, context: 0x01020304 })
    expect([...input]).toEqual([1, 0, 0, 0, 4, 3, 2, 1])
    expect(decodeFwFinishInput(input)).toEqual({ ctrlFlags: 1, context: 0x01020304 })
    expect(decodeFwFinishQueryInput(encodeFwFinishQueryInput(9))).toBe(9)
    const out = encodeFwFinishQueryOutput(0x20007, 0xabcdn)
    expect(out.length).toBe(12)
    expect(decodeFwFinishQueryOutput(out)).toEqual({ status: 0x20007, updatedVersion: 0xabcdn })
  })

  it('LSS is one enable byte', () => {
    expect([...encodeLssInput(1)]).toEqual([1])
    expect(decodeLssInput(Uint8Array.of(1))).toBe(1)
    expect(thrown(() => decodeLssInput(new Uint8Array(0))).errno).toBe('EINVAL')
  })
})
