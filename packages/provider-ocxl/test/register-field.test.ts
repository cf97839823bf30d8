import { describe, expect, it } from 'vitest'
import {
  CCAP0_MEMORY_AVAILABLE_TIMEOUT,
  CCAP0_READ_LATENCY,
  CCAP0_READINESS_TIMEOUT,
  CCAP0_REVISION_MAJOR,
  CCAP0_REVISION_MINOR,
  field,
  fieldFromBytes,
  fieldValue,
  GLOBAL_MMIO_CCAP0,
  GLOBAL_MMIO_FWVER,
  ManualClock,
  OcxlCard,
  swab64,
  withField,
} from '../src/card/index.js'
import { readCapabilities } from '../src/driver/index.js'

describe('register field descriptors', () => {
  it('places the CCAP0 fields where patch 13/25 read them', () => {
    const golden = 0xabc5_0123_0000_0042n
    expect(fieldValue(golden, CCAP0_REVISION_MAJOR)).toBe(4n)
    expect(fieldValue(golden, CCAP0_REVISION_MINOR)).toBe(2n)
    expect(fieldValue(golden, CCAP0_READ_LATENCY)).toBe(0x0123n)
    // readiness_timeout = (val >> 48) & 0x0F, memory_available_timeout = val >> 52
    expect(fieldValue(golden, CCAP0_READINESS_TIMEOUT)).toBe((golden >> 48n) & 0x0fn)
    expect(fieldValue(golden, CCAP0_MEMORY_AVAILABLE_TIMEOUT)).toBe(golden >> 52n)
    expect(CCAP0_READINESS_TIMEOUT).toMatchObject({
      register: GLOBAL_MMIO_CCAP0,
      shift: 48,
      width: 4,
      endianness: 'little',
    })
    expect(CCAP0_MEMORY_AVAILABLE_TIMEOUT).toMatchObject({ shift: 52, width: 12 })
  })

  it('byte-swaps a big-endian field before extracting it', () => {
    const be = field(0, 0, 16, 'big')
    const le = field(0, 0, 16, 'little')
    const raw = 0x1122_3344_5566_7788n
    expect(swab64(raw)).toBe(0x8877_6655_4433_2211n)
    expect(fieldValue(raw, le)).toBe(0x7788n)
    expect(fieldValue(raw, be)).toBe(0x2211n)
    expect(fieldValue(withField(raw, be, 0xbeef), be)).toBe(0xbeefn)
    expect(withField(raw, be, 0xbeef) & 0xffffn).toBe(0x7788n)
  })

  it('withField only touches its own bits and truncates to the width', () => {
    const f = field(0, 8, 4)
    expect(withField(0xffffn, f, 0)).toBe(0xf0ffn)
    expect(withField(0n, f, 0x1f)).toBe(0xf00n)
  })

  it('reads layout fields from little-endian bytes, undefined past the end', () => {
    const bytes = Uint8Array.of(0x4c, 0x45, 0, 0, 0, 0, 0, 0)
    expect(fieldFromBytes(bytes, field(0, 0, 16))).toBe(0x454cn)
    expect(fieldFromBytes(bytes, field(8, 0, 16))).toBeUndefined()
  })

  it('reads the capabilities and FWVER as eight ASCII bytes in address order', () => {
    const card = new OcxlCard({
      clock: new ManualClock(),
      fwVersion: 'FW1.2',
      revision: { major: 3, minor: 7 },
      readLatencyNs: 300,
      readinessTimeoutS: 15,
      memoryAvailableTimeoutS: 4095,
      maxControllerDumpSize: 0x2000,
    })
    expect(readCapabilities(card)).toEqual({
      revision: { major: 3, minor: 7 },
      readLatencyNs: 300,
      readinessTimeoutS: 15,
      memoryAvailableTimeoutS: 4095,
      maxControllerDumpSize: 0x2000,
      fwVersion: 'FW1.2',
    })
    expect(card.read64(GLOBAL_MMIO_FWVER) & 0xffn).toBe(BigInt('F'.charCodeAt(0)))
    expect(card.read64(GLOBAL_MMIO_CCAP0) >> 52n).toBe(4095n)
  })

  it('rejects capability values that do not fit their fields', () => {
    expect(() => new OcxlCard({ clock: new ManualClock(), readinessTimeoutS: 16 })).toThrow(/0\.\.15/)
    expect(() => new OcxlCard({ clock: new ManualClock(), fwVersion: 'TOO-LONG-1' })).toThrow(/1-8 printable/)
  })
})
