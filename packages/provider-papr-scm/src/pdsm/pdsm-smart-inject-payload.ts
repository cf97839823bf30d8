import { NvdimmError } from '@nvdimm/core'
import { ND_PDSM_PAYLOAD_MAX_SIZE } from './pdsm-header.js'

/**
 * struct nd_papr_pdsm_smart_inject (papr_pdsm.h), the PAPR_PDSM_SMART_INJECT payload, a
 * 184-byte union: u32 flags @0 (PDSM_SMART_INJECT_*: which fields the request sets),
 * u8 fatal_enable @4, u8 unsafe_shutdown_enable @5 (non-zero injects, zero clears).
 * The kernel answers with `flags` rewritten to the flags it acted on.
 */

export const ND_PAPR_PDSM_SMART_INJECT_SIZE = ND_PDSM_PAYLOAD_MAX_SIZE

export const PdsmSmartInjectFlag = {
  HEALTH_FATAL: 1 << 0,
  BAD_SHUTDOWN: 1 << 1,
} as const

export interface NdPaprPdsmSmartInject {
  flags: number
  fatalEnable: number
  unsafeShutdownEnable: number
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new NvdimmError('EINVAL', `nd_papr_pdsm_smart_inject: ${what} ${value} does not fit (0-${max})`)
  }
}

export function encodePdsmSmartInject(inject: NdPaprPdsmSmartInject): Uint8Array {
  checkUint(inject.flags, 0xffffffff, 'flags')
  checkUint(inject.fatalEnable, 0xff, 'fatal_enable')
  checkUint(inject.unsafeShutdownEnable, 0xff, 'unsafe_shutdown_enable')
  const out = new Uint8Array(ND_PAPR_PDSM_SMART_INJECT_SIZE)
  const dv = view(out)
  dv.setUint32(0, inject.flags, true)
  dv.setUint8(4, inject.fatalEnable)
  dv.setUint8(5, inject.unsafeShutdownEnable)
  return out
}

export function decodePdsmSmartInject(payload: Uint8Array): NdPaprPdsmSmartInject {
  if (payload.length < ND_PAPR_PDSM_SMART_INJECT_SIZE) {
    throw new NvdimmError(
      'EINVAL',
      `nd_papr_pdsm_smart_inject: ${payload.length} bytes, the payload is ${ND_PAPR_PDSM_SMART_INJECT_SIZE}`,
    )
  }
  const dv = view(payload)
  return { flags: dv.getUint32(0, true), fatalEnable: dv.getUint8(4), unsafeShutdownEnable: dv.getUint8(5) }
}
