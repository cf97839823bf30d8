import { NvdimmError } from '@nvdimm/core'

/**
 * The PDSM envelope (arch/powerpc/include/uapi/asm/papr_pdsm.h): an ND_CMD_CALL nd_cmd_pkg
 * of family NVDIMM_FAMILY_PAPR whose nd_payload is struct nd_pkg_pdsm, packed, native-endian
 * (little-endian here, ppc64le):
 *   s32 cmd_status @0 (out), u16 reserved[2] @4 (must be 0), union nd_pdsm_payload @8 (≤184 bytes).
 * The PDSM number travels in nd_command.
 */

export const ND_PDSM_PAYLOAD_MAX_SIZE = 184
/** sizeof(struct nd_pkg_pdsm) - ND_PDSM_PAYLOAD_MAX_SIZE */
export const ND_PDSM_HDR_SIZE = 8

/** enum papr_pdsm: numbered from 0 in the PAPR family's own space; MIN and MAX are bounds. */
export const PaprPdsm = {
  MIN: 0,
  HEALTH: 1,
  SMART_INJECT: 2,
  MAX: 3,
} as const

export interface NdPkgPdsmHeader {
  /** Out: 0, or the negative errno servicing the PDSM failed with. */
  cmdStatus: number
  reserved: readonly [number, number]
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Read the header at the start of `pdsm` (the nd_payload of the envelope). */
export function decodePdsmHeader(pdsm: Uint8Array): NdPkgPdsmHeader {
  if (pdsm.length < ND_PDSM_HDR_SIZE) {
    throw new NvdimmError('EINVAL', `nd_pkg_pdsm: ${pdsm.length} bytes, the header alone is ${ND_PDSM_HDR_SIZE}`)
  }
  const dv = view(pdsm)
  return { cmdStatus: dv.getInt32(0, true), reserved: [dv.getUint16(4, true), dv.getUint16(6, true)] }
}

/** Write the header into the first 8 bytes of `pdsm`. */
export function writePdsmHeader(pdsm: Uint8Array, header: NdPkgPdsmHeader): void {
  const { cmdStatus, reserved } = header
  if (!Number.isInteger(cmdStatus) || cmdStatus < -0x80000000 || cmdStatus > 0x7fffffff) {
    throw new NvdimmError('EINVAL', `nd_pkg_pdsm: cmd_status ${cmdStatus} is not an s32`)
  }
  for (const word of reserved) {
    if (!Number.isInteger(word) || word < 0 || word > 0xffff) {
      throw new NvdimmError('EINVAL', `nd_pkg_pdsm: reserved word ${word} is not a u16`)
    }
  }
  if (pdsm.length < ND_PDSM_HDR_SIZE) {
    throw new NvdimmError('EINVAL', `nd_pkg_pdsm: ${pdsm.length} bytes cannot hold the ${ND_PDSM_HDR_SIZE}-byte header`)
  }
  const dv = view(pdsm)
  dv.setInt32(0, cmdStatus, true)
  dv.setUint16(4, reserved[0], true)
  dv.setUint16(6, reserved[1], true)
}

/** struct nd_pkg_pdsm with a payload: the header, then the payload bytes (at most 184). */
export function encodePdsmPkg(header: NdPkgPdsmHeader, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > ND_PDSM_PAYLOAD_MAX_SIZE) {
    throw new NvdimmError(
      'EINVAL',
      `nd_pkg_pdsm: a ${payload.length}-byte payload, PDSM payloads are at most ${ND_PDSM_PAYLOAD_MAX_SIZE}`,
    )
  }
  const out = new Uint8Array(ND_PDSM_HDR_SIZE + payload.length)
  writePdsmHeader(out, header)
  out.set(payload, ND_PDSM_HDR_SIZE)
  return out
}

/** A PDSM's name for messages: "health", "smart_inject" or "pdsm 7". */
export function pdsmName(pdsm: number): string {
  if (pdsm === PaprPdsm.HEALTH) return 'health'
  if (pdsm === PaprPdsm.SMART_INJECT) return 'smart_inject'
  return `pdsm ${pdsm}`
}
