import {
  type CommandResult,
  decodeCmdPkg,
  DimmFamily,
  encodeCmdPkg,
  errnoName,
  ND_CMD_PKG_HEADER_SIZE,
  NvdimmError,
} from '@nvdimm/core'
import type { PaprScmDimmHealth } from './dimm-health-state.js'
import {
  decodePdsmHeader,
  encodePdsmPkg,
  ND_PDSM_HDR_SIZE,
  ND_PDSM_PAYLOAD_MAX_SIZE,
  type NdPkgPdsmHeader,
  pdsmName,
} from './pdsm-header.js'
import { servePdsm } from './pdsm-service.js'

/**
 * The caller's side of a PDSM, as libndctl's papr.c builds and reads it: allocate_cmd() asks
 * for nd_size_out = 8 + 184 (the header and a whole payload union); a PDSM with input
 * (smart inject) also sends nd_size_in = 8 + 184, the header and payload in the input room.
 */

/** The path an envelope takes to the driver: papr_scm_ndctl() directly, or the bus ioctl. */
export type PdsmSend = (envelope: Uint8Array) => Promise<CommandResult>

/** Straight into the driver, as the kernel's own users would. */
export function directPdsmSend(state: PaprScmDimmHealth): PdsmSend {
  return (envelope) => servePdsm(state, envelope)
}

/** The nd_cmd_pkg libndctl submits for `pdsm`, with `payload` as input when the PDSM takes one. */
export function encodePdsmRequest(pdsm: number, payload?: Uint8Array): Uint8Array {
  const input = payload ? encodePdsmPkg({ cmdStatus: 0, reserved: [0, 0] }, payload) : new Uint8Array(0)
  return encodeCmdPkg({
    family: DimmFamily.PAPR,
    command: pdsm,
    input,
    outputSize: ND_PDSM_HDR_SIZE + ND_PDSM_PAYLOAD_MAX_SIZE,
  })
}

export interface PdsmReply {
  header: NdPkgPdsmHeader
  /** The payload union as the driver left it. */
  payload: Uint8Array
  /** nd_fw_size: header + the bytes the driver wrote. */
  fwSize: number
}

/** Where libndctl finds the pdsm in an envelope: at nd_payload (to_pdsm()). */
export function decodePdsmReply(envelope: Uint8Array): PdsmReply {
  const pkg = decodeCmdPkg(envelope)
  const pdsm = envelope.subarray(ND_CMD_PKG_HEADER_SIZE, ND_CMD_PKG_HEADER_SIZE + pkg.sizeIn + pkg.sizeOut)
  const header = decodePdsmHeader(pdsm)
  return {
    header,
    payload: pdsm.subarray(ND_PDSM_HDR_SIZE, ND_PDSM_HDR_SIZE + ND_PDSM_PAYLOAD_MAX_SIZE),
    fwSize: pkg.fwSize,
  }
}

/**
 * ndctl_cmd_submit_xlat() for a PDSM: a failed ioctl, then a negative cmd_status (what
 * papr_xlat_firmware_status() returns), are errors; a positive cmd_status is handed back
 * for the reader to judge, as libndctl does.
 */
export async function submitPdsm(send: PdsmSend, pdsm: number, payload?: Uint8Array): Promise<PdsmReply> {
  const what = `papr ${pdsmName(pdsm)}`
  const result = await send(encodePdsmRequest(pdsm, payload))
  if (result.rc < 0) {
    throw new NvdimmError(errnoName(result.rc) ?? 'EIO', `${what}: the ioctl failed (rc ${result.rc})`)
  }
  const reply = decodePdsmReply(result.output)
  const status = reply.header.cmdStatus
  if (status < 0) throw new NvdimmError(errnoName(status) ?? 'EIO', `${what}: PDSM reported error ${status}`)
  return reply
}
