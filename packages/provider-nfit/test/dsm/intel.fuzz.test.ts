import { MemoryMedia, NvdimmError } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
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
  decodeSmartThresholdOutput,
  IntelDimmFirmware,
  intelDimmOps,
  intelHealth,
  type IntelDimmFirmwareOptions,
} from '../../src/dsm/intel/index.js'

function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
  }
}

async function resolvesOrRejects(promise: Promise<unknown>): Promise<void> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
  }
}

function options(clock: { now: number }, smart: boolean): IntelDimmFirmwareOptions {
  return { smart, labelArea: new MemoryMedia(8192n), maxXfer: 256, clock: () => clock.now }
}

/** Inputs that look like a function's payload as often as they look like noise. */
const input = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc
    .constantFrom(0, 1, 7, 8, 12, 15, 32, 64)
    .chain((length) => fc.uint8Array({ minLength: length, maxLength: length })),
  fc.constant(new Uint8Array(64)),
)
const step = fc.record({
  fn: fc.oneof(fc.integer({ min: 0, max: 31 }), fc.integer({ min: -5, max: 100 }), fc.double()),
  input,
  advance: fc.nat({ max: 6000 }),
  powerCycle: fc.boolean(),
  dirty: fc.boolean(),
})

describe('Intel DSM fed garbage', () => {
  it('every function of call() answers with a status, in any state, and the state stays saveable', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 40 }), (smart, steps) => {
        const clock = { now: 0 }
        let firmware = new IntelDimmFirmware(options(clock, smart))
        for (const { fn, input, advance, powerCycle, dirty } of steps) {
          const out = firmware.call(fn, input)
          expect(out).toBeInstanceOf(Uint8Array)
          expect(out.length).toBeGreaterThanOrEqual(4)
          clock.now += advance
          if (powerCycle && advance % 7 === 0) firmware.powerCycle({ dirtyShutdown: dirty })
          if (advance % 5 === 0) {
            const saved = JSON.parse(JSON.stringify(firmware.toJSON()))
            firmware = IntelDimmFirmware.fromJSON(saved, options(clock, smart))
            expect(firmware.toJSON()).toEqual(saved)
          }
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('fromJSON: random JSON and mutations of a valid state load or fail with EINVAL', () => {
    const clock = { now: 0 }
    const valid = new IntelDimmFirmware(options(clock, true)).toJSON()
    const text = JSON.stringify(valid)
    const mutated = fc
      .tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: 12 }), fc.string({ maxLength: 8 }))
      .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut))
    const leaf = fc.oneof(fc.json(), fc.integer(), fc.boolean(), fc.constant(null), fc.string())
    const replaced = fc
      .tuple(fc.constantFrom('smart', 'security', 'firmwareUpdate', 'latchShutdown', 'version'), leaf)
      .map(([field, value]) => JSON.stringify({ ...valid, [field]: value }))
    fc.assert(
      fc.property(fc.oneof(mutated, replaced, fc.json()), (candidate) => {
        let json: unknown
        try {
          json = JSON.parse(candidate)
        } catch {
          return
        }
        decodesOrRefuses(() => IntelDimmFirmware.fromJSON(json, options(clock, true)).toJSON())
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('payload decoders decode or refuse with EINVAL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
        for (const decode of [
          decodeSmartOutput,
          decodeSmartThresholdOutput,
          decodeSetThresholdInput,
          decodeSmartInjectInput,
          decodeSecurityStateOutput,
          decodeSetPassphraseInput,
          decodePassphraseInput,
          decodeFwInfoOutput,
          decodeFwStartOutput,
          decodeFwSendInput,
          decodeFwFinishInput,
          decodeFwFinishQueryInput,
          decodeFwFinishQueryOutput,
          decodeLssInput,
        ]) {
          decodesOrRefuses(() => decode(bytes))
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('the ops and health read garbage answers as values or NvdimmErrors', async () => {
    const firmware = new IntelDimmFirmware(options({ now: 0 }, true))
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 140 }), fc.nat({ max: 3 }), async (answer, context) => {
        const ops = intelDimmOps(firmware, () => answer)
        await resolvesOrRejects(intelHealth(firmware, () => answer))
        await resolvesOrRejects(ops.smart!.thresholds!())
        await resolvesOrRejects(ops.smart!.setThresholds!({ spares: 3 }))
        await resolvesOrRejects(ops.smart!.inject!({ fatal: true }))
        await resolvesOrRejects(ops.security!.status())
        await resolvesOrRejects(ops.security!.unlock(new Uint8Array(4)))
        await resolvesOrRejects(ops.security!.queryOverwrite())
        await resolvesOrRejects(ops.firmware!.info())
        await resolvesOrRejects(ops.firmware!.start())
        await resolvesOrRejects(ops.firmware!.finish(context, context === 1))
        await resolvesOrRejects(ops.firmware!.query(context))
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
