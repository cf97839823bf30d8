import { MemoryMedia, NvdimmError } from '@nvdimm/core'
import { expect } from 'vitest'
import {
  type IntelDimmFirmwareOptions,
  type IntelHealthEvent,
  IntelDimmFirmware,
  type SanitizeKind,
} from '../../src/dsm/intel/index.js'

/** nfit_test's label area size. */
export const LABEL_SIZE = 128 * 1024

export interface TestDimm {
  firmware: IntelDimmFirmware
  labels: MemoryMedia
  clock: { now: number; advance(ms: number): void }
  events: IntelHealthEvent[]
  sanitized: SanitizeKind[]
  options: IntelDimmFirmwareOptions
}

/** An nfit_test-style dimm (everything) or a QEMU one (`smart: false`), on a controllable clock. */
export function testDimm(overrides: Partial<IntelDimmFirmwareOptions> = {}): TestDimm {
  const labels = new MemoryMedia(BigInt(LABEL_SIZE))
  const clock = {
    now: 1_000_000,
    advance(ms: number) {
      clock.now += ms
    },
  }
  const events: IntelHealthEvent[] = []
  const sanitized: SanitizeKind[] = []
  const options: IntelDimmFirmwareOptions = {
    smart: true,
    labelArea: labels,
    clock: () => clock.now,
    healthEvent: (event) => events.push(event),
    sanitized: (kind) => sanitized.push(kind),
    ...overrides,
  }
  return { firmware: new IntelDimmFirmware(options), labels, clock, events, sanitized, options }
}

export function u32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true)
}

export function statusOf(bytes: Uint8Array): number {
  return u32At(bytes, 0)
}

/** A 32-byte passphrase from text (what an encrypted key's payload would hold). */
export function key(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text)
  const out = new Uint8Array(32)
  out.set(bytes.subarray(0, 32))
  return out
}

export async function rejection(promise: Promise<unknown>): Promise<NvdimmError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return error as NvdimmError
  }
  throw new Error('expected a rejection')
}

export function thrown(fn: () => unknown): NvdimmError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return error as NvdimmError
  }
  throw new Error('expected a throw')
}
