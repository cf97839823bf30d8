import { isNvdimmError, NvdimmError, type Logger } from '@nvdimm/core'
import {
  drcPmemBind,
  drcPmemQueryNBound,
  drcPmemUnbind,
  HcallError,
  type HcallSleep,
  type PaprHcalls,
  type ScmGuestDevice,
} from '../hcall/index.js'

/**
 * Bind a device's blocks into the guest, as papr_scm_probe() does after the seed thread
 * ("powerpc/papr_scm: Force a scm-unbind if initial scm-bind fails"): on H_OVERLAP — bindings a
 * previous kernel left after kexec, panic or fadump — warn, unbind everything of the DRC and bind
 * once more. The policy is here, not in the bind helper; every failure is logged with its rc.
 * `ours`: the bindings were made by this same running kernel, which finds them where it left them.
 */
export async function attachScmDevice(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex' | 'blockCount' | 'blockSize'>,
  ours: boolean,
  sleep: HcallSleep,
  log: Logger,
): Promise<bigint> {
  if (ours) {
    const address = drcPmemQueryNBound(hv, device)
    if (address !== undefined) return address
  }
  try {
    return await drcPmemBind(hv, device, sleep)
  } catch (error) {
    if (!(error instanceof HcallError)) throw error
    log.error(`bind err: ${error.rc}`)
    if (error.errno !== 'EBUSY') throw error
  }
  log.warn('Retrying bind after unbinding')
  try {
    await drcPmemUnbind(hv, device, sleep)
  } catch (error) {
    // The unbind's own failure is logged; the bind is tried once more all the same.
    if (!isNvdimmError(error)) throw error
    log.error(error.message)
  }
  try {
    return await drcPmemBind(hv, device, sleep)
  } catch (error) {
    if (!(error instanceof HcallError)) throw error
    log.error(`bind err: ${error.rc}`)
    throw new NvdimmError('ENXIO', `bind err: ${error.rc}`)
  }
}
