import { hex, NvdimmError } from '@nvdimm/core'
import { isScmHcallOpcode } from './hcall-opcodes.js'
import { H_BUSY, hcallReturnName, isLongBusy } from './hcall-return-codes.js'

/**
 * Scripted failures: the next calls of an opcode answer `rc` instead of doing their work, `times`
 * times (or until cleared). They apply once the call's parameters check out, so a continuation
 * still gets a valid token with an injected H_BUSY / H_LONG_BUSY_*. Faults on one opcode queue up
 * in the order they were injected.
 */
export interface HcallFault {
  opcode: number
  rc: bigint
  /** Calls left to fail; undefined: every call, until cleared. */
  times?: number
}

/** Injected codes stay within a JSON-safe range; real hcall codes are far inside it. */
export const FAULT_RC_LIMIT = 2n ** 31n
export const FAULT_TIMES_MAX = 1_000_000

export class HcallFaults {
  private readonly faults: HcallFault[] = []

  constructor(faults: readonly HcallFault[] = []) {
    for (const fault of faults) this.inject(fault.opcode, fault.rc, fault.times)
  }

  inject(opcode: number, rc: bigint, times?: number): void {
    if (!isScmHcallOpcode(opcode)) {
      throw new NvdimmError('EINVAL', `cannot inject a fault into ${hex(opcode)}: not an SCM hcall`)
    }
    if (rc === 0n || rc <= -FAULT_RC_LIMIT || rc >= FAULT_RC_LIMIT) {
      throw new NvdimmError('EINVAL', `cannot inject ${hcallReturnName(rc)}: a fault is a non-zero code below 2^31`)
    }
    if (times !== undefined && (!Number.isInteger(times) || times < 1 || times > FAULT_TIMES_MAX)) {
      throw new NvdimmError('EINVAL', `a fault repeats 1..${FAULT_TIMES_MAX} times, not ${times}`)
    }
    this.faults.push(times === undefined ? { opcode, rc } : { opcode, rc, times })
  }

  /** The code the next call of `opcode` must answer, if a fault is due; counts it down. */
  take(opcode: number): bigint | undefined {
    const at = this.faults.findIndex((fault) => fault.opcode === opcode)
    if (at < 0) return undefined
    const fault = this.faults[at]!
    if (fault.times !== undefined) {
      fault.times -= 1
      if (fault.times === 0) this.faults.splice(at, 1)
    }
    return fault.rc
  }

  clear(opcode?: number): void {
    for (let n = this.faults.length - 1; n >= 0; n--) {
      if (opcode === undefined || this.faults[n]!.opcode === opcode) this.faults.splice(n, 1)
    }
  }

  list(): HcallFault[] {
    return this.faults.map((fault) => ({ ...fault }))
  }
}

/** Whether an injected code asks the guest to call again (so the call keeps a continuation). */
export function isRetryCode(rc: bigint): boolean {
  return rc === H_BUSY || isLongBusy(rc)
}
