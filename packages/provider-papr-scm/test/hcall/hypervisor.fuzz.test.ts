import { NvdimmError, U64_MAX } from '@nvdimm/core'
import { fuzzRuns } from '@nvdimm/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BIND_ANY_ADDR,
  decodePerfStats,
  H_HARDWARE,
  H_SCM_PERFORMANCE_STATS,
  type HcallResult,
  PaprHypervisor,
  PLPAR_HCALL9_BUFSIZE,
  SCM_HCALL_OPCODES,
  SCM_DEFAULT_GUEST_BASE,
} from '../../src/hcall/index.js'
import { BLOCK, DRC_A, DRC_B, scmDevice } from './fixtures.js'

function wellFormed(result: HcallResult): void {
  expect(typeof result.rc).toBe('bigint')
  expect(result.rets).toHaveLength(PLPAR_HCALL9_BUFSIZE)
  for (const value of result.rets) {
    expect(typeof value).toBe('bigint')
    expect(value >= 0n && value <= U64_MAX).toBe(true)
  }
}

/** Values that hit the interesting cases: the devices, their windows, the access sizes, and noise. */
const register = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.constantFrom(
    0n,
    1n,
    2n,
    3n,
    4n,
    8n,
    BigInt(DRC_A),
    BigInt(DRC_B),
    BIND_ANY_ADDR,
    SCM_DEFAULT_GUEST_BASE,
    SCM_DEFAULT_GUEST_BASE + BLOCK,
    -1n,
  ),
  fc.bigInt({ min: 0n, max: 16n }),
)
const opcode = fc.oneof(fc.constantFrom(...SCM_HCALL_OPCODES), fc.integer(), fc.double())
const call = fc.record({
  opcode,
  args: fc.array(register, { maxLength: 12 }),
  buffer: fc.option(fc.uint8Array({ maxLength: 96 }), { nil: undefined }),
})

function freshHypervisor(): PaprHypervisor {
  const hv = new PaprHypervisor([
    scmDevice(DRC_A, { hcallFlushRequired: true, flushPolls: 2 }),
    scmDevice(DRC_B, { readOnly: true }),
  ])
  hv.leaveBinding(DRC_B, 1n, 2n)
  return hv
}

describe('PAPR hypervisor fuzz', () => {
  it('answers garbage hcalls with return codes, never by throwing, and keeps a state that restores', () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 24 }), fc.boolean(), (calls, stepped) => {
        const hv = freshHypervisor()
        if (stepped) hv.setBlocksPerCall(1n)
        for (const { opcode, args, buffer } of calls) {
          const result = hv.hcall(opcode, args, buffer)
          wellFormed(result)
          // Nothing here fails underneath: H_HARDWARE would be an exception the hypervisor swallowed.
          expect(result.rc).not.toBe(H_HARDWARE)
        }
        const json = JSON.parse(JSON.stringify(hv))
        const restored = PaprHypervisor.fromJSON(json, [
          scmDevice(DRC_A, { hcallFlushRequired: true, flushPolls: 2 }),
          scmDevice(DRC_B, { readOnly: true }),
        ])
        expect(restored.toJSON()).toEqual(json)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('survives arguments that are not registers', () => {
    const hv = freshHypervisor()
    const junk = [[1, 2], ['0x1'], [null], [2n ** 64n], [-(2n ** 63n) - 1n], {}, 'args'] as unknown as bigint[][]
    for (const args of junk) {
      for (const op of SCM_HCALL_OPCODES) {
        const result = hv.hcall(op, args)
        wellFormed(result)
        expect(result.rc < 0n).toBe(true)
      }
    }
  })

  it('reads garbage performance-stat buffers without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.bigInt({ min: 0n, max: 700n }), (bytes, size) => {
        const hv = freshHypervisor()
        const result = hv.hcall(H_SCM_PERFORMANCE_STATS, [BigInt(DRC_A), 0n, size], bytes)
        wellFormed(result)
        expect(result.rc).not.toBe(H_HARDWARE)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('decodes garbage performance-stat buffers into values or refuses them with EINVAL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        try {
          const decoded = decodePerfStats(bytes)
          expect(16 + 16 * decoded.stats.length).toBeLessThanOrEqual(bytes.length)
        } catch (error) {
          expect(error).toBeInstanceOf(NvdimmError)
          expect((error as NvdimmError).errno).toBe('EINVAL')
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })

  it('refuses garbage state with EINVAL', () => {
    const devices = [scmDevice(DRC_A), scmDevice(DRC_B)]
    const saved = Object.fromEntries(
      Object.entries(freshHypervisor().toJSON()).map(([key, value]) => [key, fc.constant(value)]),
    )
    const mutated = fc.oneof(
      fc.jsonValue(),
      fc.record({ ...saved, bindings: fc.jsonValue() }),
      fc.record({
        ...saved,
        bindings: fc.array(
          fc.record({
            drcIndex: fc.oneof(fc.constantFrom(DRC_A, DRC_B), fc.integer()),
            startBlock: fc.bigInt({ min: 0n, max: 8n }).map((v) => `0x${v.toString(16)}`),
            blockCount: fc.bigInt({ min: 0n, max: 8n }).map((v) => `0x${v.toString(16)}`),
            address: fc.oneof(
              fc.string(),
              fc.bigInt({ min: 0n, max: U64_MAX }).map((v) => `0x${v.toString(16)}`),
            ),
          }),
        ),
      }),
      fc.record({ ...saved, continuations: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
      fc.record({ ...saved, faults: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
    )
    fc.assert(
      fc.property(mutated, (json) => {
        try {
          const hv = PaprHypervisor.fromJSON(json, devices)
          expect(PaprHypervisor.fromJSON(JSON.parse(JSON.stringify(hv)), devices).toJSON()).toEqual(hv.toJSON())
        } catch (error) {
          expect(error).toBeInstanceOf(NvdimmError)
          expect((error as NvdimmError).errno).toBe('EINVAL')
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
