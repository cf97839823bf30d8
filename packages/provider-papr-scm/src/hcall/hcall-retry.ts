import type { HcallResult } from './papr-hypervisor.js'
import { getLongbusyMsecs, H_BUSY, isLongBusy } from './hcall-return-codes.js'

/**
 * How the helpers wait, injectable so tests never do: `sleep(ms)` for H_LONG_BUSY_* (msleep), and
 * `sleep(0)` to yield on H_BUSY (cond_resched).
 */
export type HcallSleep = (ms: number) => void | Promise<void>

/**
 * papr_scm's continuation loop: the first call passes token 0, each next one the token r4 handed
 * back, while the answer is H_BUSY (yield) or H_LONG_BUSY_* (sleep the hinted time, then carry on
 * as H_BUSY). Never abandoned half way: the hypervisor would be left mid-operation. `seen` gets
 * every answer. Resolves to the final answer.
 */
export async function hcallUntilDone(
  call: (token: bigint) => HcallResult,
  sleep: HcallSleep,
  seen?: (result: HcallResult) => void,
): Promise<HcallResult> {
  let token = 0n
  for (;;) {
    const result = call(token)
    seen?.(result)
    token = result.rets[0] ?? 0n
    if (isLongBusy(result.rc)) await sleep(getLongbusyMsecs(result.rc))
    else if (result.rc === H_BUSY) await sleep(0)
    else return result
  }
}
