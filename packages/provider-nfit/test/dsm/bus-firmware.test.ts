import { describe, expect, it } from 'vitest'
import {
  decodeArsCapOutput,
  decodeArsStartOutput,
  decodeArsStatusOutput,
  encodeArsStartInput,
  encodeSpaRangeInput,
} from '../../src/dsm/bus/ars-payloads.js'
import { DEFAULT_MAX_ARS_OUT, NfitBusFirmware, type NfitBusFirmwareOptions } from '../../src/dsm/bus/bus-firmware.js'
import {
  NFIT_ARS_STATUS_BUSY,
  NFIT_ARS_STATUS_INTR,
  NFIT_ARS_STATUS_NONE,
  NfitBusFn,
} from '../../src/dsm/bus/bus-functions.js'
import { decodeClearErrorOutput } from '../../src/dsm/bus/clear-error-payload.js'
import {
  decodeDsmStatus,
  decodeErrorInjectStatusOutput,
  encodeErrorInjectInput,
} from '../../src/dsm/bus/error-inject-payloads.js'
import { decodeTranslateSpaOutput, encodeTranslateSpaInput } from '../../src/dsm/bus/translate-spa-payload.js'

const BASE = 0x1_0000_0000n
const SIZE = 0x200_0000n

function platform(options: NfitBusFirmwareOptions = {}) {
  const clock = { now: 1_000_000 }
  const changes: number[] = []
  const firmware = new NfitBusFirmware({
    clock: () => clock.now,
    ranges: [{ address: BASE, length: SIZE, type: 'pmem' }],
    changed: () => changes.push(clock.now),
    ...options,
  })
  const events: number[] = []
  firmware.onNotify((event) => events.push(event))
  const inject = (address: bigint, length: bigint, notify = false) =>
    decodeDsmStatus(
      firmware.call(NfitBusFn.ARS_INJECT_SET, encodeErrorInjectInput({ address, length, options: notify ? 1 : 0 })),
    )
  const start = (flags = 0, address = BASE, length = SIZE) =>
    decodeArsStartOutput(firmware.call(NfitBusFn.ARS_START, encodeArsStartInput({ address, length, type: 2, flags })))
  const status = () => decodeArsStatusOutput(firmware.call(NfitBusFn.ARS_STATUS, new Uint8Array(0)))
  return { firmware, clock, changes, events, inject, start, status }
}

describe('NfitBusFirmware', () => {
  it("reports nfit_test's ARS capabilities for its ranges and none outside them", () => {
    const { firmware } = platform()
    expect(
      decodeArsCapOutput(firmware.call(NfitBusFn.ARS_CAP, encodeSpaRangeInput({ address: BASE, length: SIZE }))),
    ).toEqual({ status: 2 << 16, maxArsOut: 48 + 170 * 24, clearErrorUnit: 256, flags: 0 })
    expect(DEFAULT_MAX_ARS_OUT).toBe(4128)
    const outside = firmware.call(NfitBusFn.ARS_CAP, encodeSpaRangeInput({ address: BASE + SIZE, length: 0x1000n }))
    expect(decodeArsCapOutput(outside).status).toBe(1)
    const anywhere = new NfitBusFirmware()
    expect(
      decodeArsCapOutput(anywhere.call(NfitBusFn.ARS_CAP, encodeSpaRangeInput({ address: 0n, length: 1n }))).status,
    ).toBe(3 << 16)
  })

  it('answers function 0 with the bitmap of its functions, translate SPA only with a lookup', () => {
    expect([...platform().firmware.call(NfitBusFn.QUERY, new Uint8Array(0))]).toEqual([0x9f, 0x03])
    const translating = platform({ translate: () => ({ devices: [{ handle: 1, dpa: 0n }], length: 1n }) })
    expect([...translating.firmware.call(NfitBusFn.QUERY, new Uint8Array(0))]).toEqual([0xbf, 0x03])
    expect(decodeDsmStatus(platform().firmware.call(42, new Uint8Array(0)))).toBe(1)
  })

  it('scrubs for a second: BUSY until then, the poison met in the range after, BUSY to a second start', () => {
    const { clock, inject, start, status } = platform()
    expect(status().status).toBe(NFIT_ARS_STATUS_NONE)
    expect(inject(BASE + 0x5400n, 0x100n)).toBe(0)
    expect(inject(BASE - 0x100n, 0x200n)).toBe(2)
    expect(start()).toEqual({ status: 0, scrubTime: 1 })
    expect(start().status).toBe(6)
    clock.now += 999
    expect(status()).toMatchObject({ status: NFIT_ARS_STATUS_BUSY, address: BASE, length: SIZE, numRecords: 0 })
    clock.now += 1
    expect(status()).toMatchObject({
      status: 0,
      outLength: 44 + 24,
      address: BASE,
      length: SIZE,
      type: 2,
      records: [{ handle: 0, address: BASE + 0x5400n, length: 0x100n }],
    })
  })

  it('returns at once from a short scrub, with only what it has reported: notified or found before', () => {
    const { firmware, clock, events, inject, start, status } = platform()
    inject(BASE + 0x1000n, 0x100n)
    inject(BASE + 0x2000n, 0x100n, true)
    expect(events).toEqual([0x81])
    expect(start(2)).toEqual({ status: 0, scrubTime: 0 })
    expect(status().records.map((record) => record.address)).toEqual([BASE + 0x2000n])
    start()
    clock.now += 1000
    expect(status().records).toHaveLength(2)
    start(2)
    expect(status().records.map((record) => record.address)).toEqual([BASE + 0x2000n, BASE + 0x1000n])
    expect(firmware.scrubProgress()).toBeUndefined()
  })

  it('clears in its clear unit only, and forgets the poison, the report and the scrub record of it', () => {
    const { firmware, clock, inject, start, status } = platform()
    inject(BASE + 0x1000n, 0x200n)
    start()
    clock.now += 1000
    const misaligned = firmware.call(
      NfitBusFn.CLEAR_ERROR,
      encodeSpaRangeInput({ address: BASE + 0x1080n, length: 0x100n }),
    )
    expect(decodeClearErrorOutput(misaligned)).toEqual({ status: 2, cleared: 0n })
    const cleared = firmware.call(
      NfitBusFn.CLEAR_ERROR,
      encodeSpaRangeInput({ address: BASE + 0x1000n, length: 0x100n }),
    )
    expect(decodeClearErrorOutput(cleared)).toEqual({ status: 0, cleared: 0x100n })
    expect(firmware.poison).toEqual([{ start: BASE + 0x1100n, length: 0x100n }])
    expect(status().records).toEqual([{ handle: 0, address: BASE + 0x1100n, length: 0x100n }])
    start(2)
    expect(status().records).toEqual([{ handle: 0, address: BASE + 0x1100n, length: 0x100n }])
  })

  it('uninjects without touching the last report, and lists what is injected', () => {
    const { firmware, inject } = platform()
    inject(BASE + 0x1000n, 0x100n)
    inject(BASE + 0x3000n, 0x100n, true)
    const list = () => decodeErrorInjectStatusOutput(firmware.call(NfitBusFn.ARS_INJECT_GET, new Uint8Array(0)))
    expect(list()).toEqual({
      status: 0,
      records: [
        { address: BASE + 0x1000n, length: 0x100n },
        { address: BASE + 0x3000n, length: 0x100n },
      ],
    })
    const undo = firmware.call(
      NfitBusFn.ARS_INJECT_CLEAR,
      encodeSpaRangeInput({ address: BASE + 0x3000n, length: 0x100n }),
    )
    expect(decodeDsmStatus(undo)).toBe(0)
    expect(list().records).toEqual([{ address: BASE + 0x1000n, length: 0x100n }])
    const zero = firmware.call(NfitBusFn.ARS_INJECT_CLEAR, encodeSpaRangeInput({ address: BASE, length: 0n }))
    expect(decodeDsmStatus(zero)).toBe(2)
  })

  it('translates through the provider lookup; an address it does not know is status 2', () => {
    const { firmware } = platform({
      translate: (spa) =>
        spa < BASE + SIZE
          ? { devices: [{ handle: 0x101, dpa: spa - BASE }], length: 0x1000n, mirrored: false }
          : undefined,
    })
    const hit = decodeTranslateSpaOutput(firmware.call(NfitBusFn.TRANSLATE_SPA, encodeTranslateSpaInput(BASE + 0x42n)))
    expect(hit).toEqual({ status: 0, flags: 0, translateLength: 0x1000n, devices: [{ handle: 0x101, dpa: 0x42n }] })
    const miss = decodeTranslateSpaOutput(firmware.call(NfitBusFn.TRANSLATE_SPA, encodeTranslateSpaInput(BASE + SIZE)))
    expect(miss).toEqual({ status: 2, flags: 0, translateLength: 0n, devices: [] })
  })

  it('names the dimm of each scrub record when it can translate', () => {
    const { clock, inject, start, status } = platform({
      translate: () => ({ devices: [{ handle: 0x10, dpa: 0n }], length: 1n }),
    })
    inject(BASE + 0x100n, 0x100n)
    start()
    clock.now += 1000
    expect(status().records[0]!.handle).toBe(0x10)
  })

  it('stops a report that does not fit max_ars_out as interrupted, with where to restart', () => {
    const { clock, inject, start, status } = platform({ maxArsOut: 48 + 2 * 24 })
    for (let i = 0n; i < 3n; i++) inject(BASE + i * 0x1000n, 0x100n)
    start()
    clock.now += 1000
    expect(status()).toMatchObject({
      status: NFIT_ARS_STATUS_INTR,
      flags: 1,
      numRecords: 2,
      restartAddress: BASE + 0x2000n,
      restartLength: SIZE - 0x2000n,
    })
  })

  it('carries poison and a running scrub over to the next process through toJSON/fromJSON', () => {
    const first = platform({ scrubMillis: (length) => Number(length / 0x10000n) })
    first.inject(BASE + 0x1000n, 0x100n)
    first.start()
    first.clock.now += 100
    expect(first.firmware.scrubProgress()).toBeCloseTo(100 / 512)
    const saved = JSON.parse(JSON.stringify(first.firmware.toJSON()))
    expect(saved).toMatchObject({ version: 1, poison: [{ address: '0x100001000', length: '0x100' }] })

    const clock = { now: first.clock.now + 411 }
    const next = NfitBusFirmware.fromJSON(saved, { clock: () => clock.now })
    const status = () => decodeArsStatusOutput(next.call(NfitBusFn.ARS_STATUS, new Uint8Array(0)))
    expect(status().status).toBe(NFIT_ARS_STATUS_BUSY)
    clock.now += 1
    expect(status().records).toEqual([{ handle: 0, address: BASE + 0x1000n, length: 0x100n }])
    expect(JSON.parse(JSON.stringify(next.toJSON())).ars.settled).toBe(true)
    expect(first.changes.length).toBeGreaterThan(0)
  })

  it('refuses saved state that does not validate with EINVAL naming the field', () => {
    expect(() =>
      NfitBusFirmware.fromJSON({ version: 1, poison: [{ address: '0x10', length: '0x0' }], known: [] }),
    ).toThrow(/poison\.0/)
    expect(() => NfitBusFirmware.fromJSON({ version: 2, poison: [], known: [] })).toThrow(/version/)
    expect(() => new NfitBusFirmware({ clearErrorUnit: 48 })).toThrow(/power of 2/)
  })
})
