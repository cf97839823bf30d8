import { NvdimmError } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeArsCapOutput,
  decodeArsStartInput,
  decodeArsStartOutput,
  decodeArsStatusOutput,
  decodeSpaRangeInput,
} from '../../src/dsm/bus/ars-payloads.js'
import { NfitBusFirmware } from '../../src/dsm/bus/bus-firmware.js'
import { decodeClearErrorOutput } from '../../src/dsm/bus/clear-error-payload.js'
import {
  decodeDsmStatus,
  decodeErrorInjectInput,
  decodeErrorInjectStatusOutput,
} from '../../src/dsm/bus/error-inject-payloads.js'
import { nfitBusOps } from '../../src/dsm/bus/nfit-bus-ops.js'
import { decodeTranslateSpaInput, decodeTranslateSpaOutput } from '../../src/dsm/bus/translate-spa-payload.js'

const BASE = 0x1_0000_0000n
const SIZE = 0x100_0000n

function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
  }
}

/** Resolves, or rejects with an NvdimmError: never anything else. */
async function settlesCleanly(run: () => Promise<unknown>): Promise<void> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
  }
}

const bytes = fc.uint8Array({ maxLength: 128 })

/** Inputs that mostly land in the firmware's range, so more than the length checks run. */
const nearRange = fc
  .tuple(fc.bigInt({ min: -0x1000n, max: SIZE + 0x1000n }), fc.bigInt({ min: 0n, max: 0x10000n }), fc.nat(255))
  .map(([offset, length, options]) => {
    const out = new Uint8Array(24)
    const view = new DataView(out.buffer)
    view.setBigUint64(0, BigInt.asUintN(64, BASE + offset), true)
    view.setBigUint64(8, length, true)
    out[16] = options
    out[18] = options
    return out
  })

describe('NFIT bus DSM fuzz', () => {
  it('decodes garbage into values or refuses it with EINVAL', () => {
    const decoders = [
      decodeSpaRangeInput,
      decodeArsCapOutput,
      decodeArsStartInput,
      decodeArsStartOutput,
      decodeArsStatusOutput,
      decodeClearErrorOutput,
      decodeTranslateSpaInput,
      decodeTranslateSpaOutput,
      decodeErrorInjectInput,
      decodeErrorInjectStatusOutput,
      decodeDsmStatus,
    ]
    fc.assert(
      fc.property(bytes, (input) => {
        for (const decode of decoders) decodesOrRefuses(() => decode(input))
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('answers every function, with any input, with a status-first buffer and never throws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.oneof(bytes, nearRange), fc.nat(3000)), {
          maxLength: 24,
        }),
        (steps) => {
          const clock = { now: 0 }
          const firmware = new NfitBusFirmware({
            clock: () => clock.now,
            ranges: [{ address: BASE, length: SIZE, type: 'pmem' }],
            translate: (spa) => (spa >= BASE ? { devices: [{ handle: 1, dpa: spa - BASE }], length: 512n } : undefined),
            maxArsOut: 48 + 3 * 24,
          })
          for (const [fn, input, advance] of steps) {
            clock.now += advance
            const output = firmware.call(fn, input)
            expect(output.length).toBeGreaterThanOrEqual(fn === 0 ? 2 : 4)
            if (fn !== 0) expect(decodeDsmStatus(output)).toBeLessThan(2 ** 32)
          }
          // Whatever happened, the state it saves is state it takes back.
          const saved = JSON.parse(JSON.stringify(firmware.toJSON()))
          expect(NfitBusFirmware.fromJSON(saved).toJSON()).toEqual(saved)
        },
      ),
      { numRuns: fuzzRuns(100) },
    )
  })

  it('takes saved state back or refuses it with EINVAL', () => {
    const range = fc.record({
      address: fc.oneof(fc.string(), fc.constant('0x10')),
      length: fc.oneof(fc.string(), fc.constant('0x1')),
    })
    const json = fc.oneof(
      fc.anything(),
      fc.record(
        {
          version: fc.oneof(fc.constant(1), fc.integer()),
          poison: fc.array(range, { maxLength: 3 }),
          known: fc.array(range, { maxLength: 3 }),
          ars: fc.record({
            address: fc.constant('0x100000000'),
            length: fc.oneof(fc.constant('0x1000'), fc.string()),
            type: fc.integer(),
            flags: fc.integer(),
            startedAt: fc.double(),
            duration: fc.double(),
            settled: fc.boolean(),
            records: fc.array(range, { maxLength: 2 }),
          }),
        },
        { requiredKeys: [] },
      ),
    )
    fc.assert(
      fc.property(json, (value) => {
        try {
          const firmware = NfitBusFirmware.fromJSON(value)
          expect(firmware.call(3, new Uint8Array(0)).length).toBeGreaterThanOrEqual(48)
        } catch (error) {
          expect(error).toBeInstanceOf(NvdimmError)
          expect((error as NvdimmError).errno).toBe('EINVAL')
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('drives a platform that answers garbage without anything but NvdimmErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(bytes, { minLength: 1, maxLength: 16 }), async (answers) => {
        let next = 0
        const firmware = new NfitBusFirmware()
        const ops = nfitBusOps(firmware, () => answers[next++ % answers.length]!)
        const added: bigint[] = []
        await ops.registerRanges({ addBadrange: (spa) => added.push(spa) }, [
          { address: BASE, length: SIZE, type: 'pmem' },
        ])
        await settlesCleanly(() => ops.scrub!.status())
        await settlesCleanly(() => ops.scrub!.start())
        await settlesCleanly(() => ops.scrub!.status())
        await settlesCleanly(() => ops.clearError!(BASE, 512n))
        await settlesCleanly(() => ops.clearErrorUnit!(BASE, SIZE))
        await settlesCleanly(() => ops.translateSpa!(BASE))
        await settlesCleanly(() => ops.errorInjection!.inject(BASE, 256n, true))
        await settlesCleanly(() => ops.errorInjection!.uninject(BASE, 256n))
        await settlesCleanly(() => ops.errorInjection!.status())
        ops.shutdown()
      }),
      { numRuns: fuzzRuns(100) },
    )
  })
})
