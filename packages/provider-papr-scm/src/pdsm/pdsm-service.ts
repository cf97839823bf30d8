import { type CommandResult, decodeCmdPkg, DimmFamily, ERRNO, ND_CMD_PKG_HEADER_SIZE, NvdimmError } from '@nvdimm/core'
import type { PaprScmDimmHealth } from './dimm-health-state.js'
import {
  decodePdsmHeader,
  ND_PDSM_HDR_SIZE,
  ND_PDSM_PAYLOAD_MAX_SIZE,
  PaprPdsm,
  writePdsmHeader,
} from './pdsm-header.js'
import { encodePdsmHealth, ND_PAPR_PDSM_HEALTH_SIZE } from './pdsm-health-payload.js'
import { decodePdsmSmartInject, ND_PAPR_PDSM_SMART_INJECT_SIZE } from './pdsm-smart-inject-payload.js'

/**
 * The driver side of ND_CMD_CALL for family PAPR (papr_scm.c is_cmd_valid(),
 * papr_scm_service_pdsm(), papr_scm_ndctl()).
 */

const EMPTY = new Uint8Array(0)
const FW_SIZE_OFFSET = 60

/** A service writes the payload in place and returns the bytes it wrote. */
type PdsmService = (state: PaprScmDimmHealth, payload: Uint8Array) => Promise<number>

/** struct pdsm_cmd_desc: the payload sizes a PDSM wants (0 = not checked) and its service. */
interface PdsmCmdDesc {
  sizeIn: number
  sizeOut: number
  service?: PdsmService
}

const serviceHealth: PdsmService = async (state, payload) => {
  payload.set(encodePdsmHealth(await state.pdsmHealth()))
  return ND_PAPR_PDSM_HEALTH_SIZE
}

const serviceSmartInject: PdsmService = async (state, payload) => {
  const supported = await state.inject(decodePdsmSmartInject(payload))
  // Only `flags` is written back; the enables stay as the caller sent them.
  new DataView(payload.buffer, payload.byteOffset, payload.byteLength).setUint32(0, supported, true)
  // The kernel reports sizeof(struct nd_papr_pdsm_health): both are the 184-byte union.
  return ND_PAPR_PDSM_HEALTH_SIZE
}

/** __pdsm_cmd_descriptors[] */
const PDSM_DESCRIPTORS: ReadonlyMap<number, PdsmCmdDesc> = new Map([
  [PaprPdsm.HEALTH, { sizeIn: 0, sizeOut: ND_PAPR_PDSM_HEALTH_SIZE, service: serviceHealth }],
  [
    PaprPdsm.SMART_INJECT,
    { sizeIn: ND_PAPR_PDSM_SMART_INJECT_SIZE, sizeOut: ND_PAPR_PDSM_SMART_INJECT_SIZE, service: serviceSmartInject },
  ],
])

/** papr_scm_ndctl() returned before servicing: the ioctl fails, nothing is copied back. */
function refused(errno: 'EINVAL'): CommandResult {
  return { rc: -ERRNO[errno], cmdRc: 0, output: EMPTY }
}

/**
 * papr_scm_ndctl(nvdimm, ND_CMD_CALL, buf): `input` is the nd_cmd_pkg with its payload.
 *
 * Transport (rc -EINVAL, nothing back): an envelope core's decoder refuses (short, reserved
 * words, sizes past the buffer), fewer than 64 + 8 bytes in all, a family other than PAPR, a
 * PDSM outside PAPR_PDSM_MIN < pdsm < PAPR_PDSM_MAX, nd_size_out under the 8-byte PDSM header.
 *
 * Otherwise rc is 0 and the envelope comes back. A PDSM header with non-zero reserved words or
 * sizes other than the PDSM's header + payload (an oversize payload included) are refused with
 * cmdRc -EINVAL and the envelope unchanged. A serviced PDSM leaves its status in cmd_status,
 * which is also cmdRc, and sets nd_fw_size to the header plus the payload written (the header
 * alone on failure, e.g. cmd_status -ENXIO when H_SCM_HEALTH fails).
 *
 * The pdsm header and payload sit at nd_payload: in the output room for health (nd_size_in 0),
 * in the input room for inject (ndctl sends both at 8 + 184), as the kernel reads and writes them.
 */
export async function servePdsm(state: PaprScmDimmHealth, input: Uint8Array): Promise<CommandResult> {
  let pkg
  try {
    pkg = decodeCmdPkg(input)
  } catch {
    return refused('EINVAL')
  }
  const bufLen = ND_CMD_PKG_HEADER_SIZE + pkg.sizeIn + pkg.sizeOut
  // is_cmd_valid()
  if (bufLen < ND_CMD_PKG_HEADER_SIZE + ND_PDSM_HDR_SIZE) return refused('EINVAL')
  if (pkg.family !== DimmFamily.PAPR) return refused('EINVAL')
  if (pkg.command <= PaprPdsm.MIN || pkg.command >= PaprPdsm.MAX) return refused('EINVAL')
  if (pkg.sizeOut < ND_PDSM_HDR_SIZE) return refused('EINVAL')

  // papr_scm_service_pdsm()
  const reply = input.slice(0, bufLen)
  const pdsm = reply.subarray(ND_CMD_PKG_HEADER_SIZE)
  const header = decodePdsmHeader(pdsm)
  const rejected: CommandResult = { rc: 0, cmdRc: -ERRNO.EINVAL, output: reply }
  if (header.reserved[0] || header.reserved[1]) return rejected
  const desc = PDSM_DESCRIPTORS.get(pkg.command)
  if (desc?.sizeIn && pkg.sizeIn !== desc.sizeIn + ND_PDSM_HDR_SIZE) return rejected
  if (desc?.sizeOut && pkg.sizeOut !== desc.sizeOut + ND_PDSM_HDR_SIZE) return rejected

  let cmdStatus = 0
  let written = 0
  if (desc?.service) {
    const payload = pdsm.subarray(ND_PDSM_HDR_SIZE, ND_PDSM_HDR_SIZE + ND_PDSM_PAYLOAD_MAX_SIZE)
    try {
      written = await desc.service(state, payload)
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      cmdStatus = error.code
    }
  } else {
    // A PDSM in range with no service: unreachable while every PDSM has one.
    cmdStatus = -ERRNO.ENOENT
  }
  writePdsmHeader(pdsm, { cmdStatus, reserved: header.reserved })
  const dv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
  dv.setUint32(FW_SIZE_OFFSET, ND_PDSM_HDR_SIZE + (cmdStatus < 0 ? 0 : written), true)
  return { rc: 0, cmdRc: cmdStatus, output: reply }
}
