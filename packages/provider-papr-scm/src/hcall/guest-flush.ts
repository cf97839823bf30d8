import { hex } from '@nvdimm/core'
import { HcallError } from './hcall-error.js'
import { H_SCM_FLUSH } from './hcall-opcodes.js'
import { type HcallSleep, hcallUntilDone } from './hcall-retry.js'
import { H_SUCCESS } from './hcall-return-codes.js'
import type { PaprHcalls } from './papr-hypervisor.js'
import type { ScmGuestDevice } from './scm-device.js'

/**
 * papr_scm_pmem_flush(): H_SCM_FLUSH until the hypervisor has the data persistent, sleeping the
 * hinted time on long-busy. EIO on any failure (H_UNSUPPORTED included: papr_scm only flushes
 * through the hypervisor when `ibm,hcall-flush-required` says so).
 */
export async function scmFlush(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex'>,
  sleep: HcallSleep,
): Promise<void> {
  const result = await hcallUntilDone((token) => hv.hcall(H_SCM_FLUSH, [BigInt(device.drcIndex), token]), sleep)
  if (result.rc !== H_SUCCESS) {
    throw new HcallError('EIO', H_SCM_FLUSH, result.rc, `flush error on DRC ${hex(device.drcIndex)}: ${result.rc}`)
  }
}
