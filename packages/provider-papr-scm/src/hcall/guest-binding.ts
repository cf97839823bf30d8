import { hex } from '@nvdimm/core'
import { HcallError } from './hcall-error.js'
import {
  BIND_ANY_ADDR,
  H_SCM_BIND_MEM,
  H_SCM_QUERY_BLOCK_MEM_BINDING,
  H_SCM_UNBIND_ALL,
  H_UNBIND_SCOPE_DRC,
} from './hcall-opcodes.js'
import { type HcallSleep, hcallUntilDone } from './hcall-retry.js'
import { H_OVERLAP, H_SUCCESS } from './hcall-return-codes.js'
import type { PaprHcalls } from './papr-hypervisor.js'
import type { ScmGuestDevice } from './scm-device.js'

/**
 * drc_pmem_bind(): bind all of a device's blocks wherever the hypervisor likes, looping on the
 * continue-token. Resolves to the bound logical address (the first non-zero address an answer
 * carried, as papr_scm saves it). H_OVERLAP (still bound, e.g. after a kexec) is EBUSY; anything
 * else ENXIO. What to do about an overlap is the caller's policy, not this helper's.
 */
export async function drcPmemBind(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex' | 'blockCount'>,
  sleep: HcallSleep,
): Promise<bigint> {
  let saved = 0n
  const result = await hcallUntilDone(
    (token) => hv.hcall(H_SCM_BIND_MEM, [BigInt(device.drcIndex), 0n, device.blockCount, BIND_ANY_ADDR, token]),
    sleep,
    (answer) => {
      if (saved === 0n) saved = answer.rets[1] ?? 0n
    },
  )
  if (result.rc === H_OVERLAP) {
    throw new HcallError('EBUSY', H_SCM_BIND_MEM, result.rc, `drc ${hex(device.drcIndex)} memory is still bound`)
  }
  if (result.rc !== H_SUCCESS) {
    throw new HcallError('ENXIO', H_SCM_BIND_MEM, result.rc, `bind err: ${result.rc}`)
  }
  return saved
}

/**
 * drc_pmem_unbind(): H_SCM_UNBIND_ALL with scope DRC (papr_scm does not unbind partially), looping
 * like bind and sleeping on long-busy. ENXIO unless it ends in H_SUCCESS.
 */
export async function drcPmemUnbind(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex'>,
  sleep: HcallSleep,
): Promise<void> {
  const result = await hcallUntilDone(
    (token) => hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_DRC, BigInt(device.drcIndex), token]),
    sleep,
  )
  if (result.rc !== H_SUCCESS) {
    throw new HcallError('ENXIO', H_SCM_UNBIND_ALL, result.rc, `unbind error: ${result.rc}`)
  }
}

/**
 * The query half of drc_pmem_query_n_bind(): when the first and the last block are bound exactly
 * (blocks - 1) * blockSize apart, the whole device is already bound and this is its address.
 * Undefined otherwise (papr_scm then unbinds and binds again; that is the caller's policy).
 */
export function drcPmemQueryNBound(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex' | 'blockCount' | 'blockSize'>,
): bigint | undefined {
  const drc = BigInt(device.drcIndex)
  const first = hv.hcall(H_SCM_QUERY_BLOCK_MEM_BINDING, [drc, 0n])
  if (first.rc !== H_SUCCESS) return undefined
  const last = hv.hcall(H_SCM_QUERY_BLOCK_MEM_BINDING, [drc, device.blockCount - 1n])
  if (last.rc !== H_SUCCESS) return undefined
  const [start, end] = [first.rets[0] ?? 0n, last.rets[0] ?? 0n]
  // Unsigned arithmetic as in C: an end below the start cannot match.
  return end - start === (device.blockCount - 1n) * device.blockSize ? start : undefined
}
