import {
  decodeGetConfigData,
  decodeSetConfigData,
  DimmCmd,
  encodeConfigDataOut,
  encodeConfigSize,
  encodeStatus,
  ERRNO,
  isNvdimmError,
  type CommandResult,
} from '@nvdimm/core'
import { metadataRead, metadataWrite, type PaprHcalls, type ScmGuestDevice } from '../hcall/index.js'

/** papr_scm_meta_get()/set() move the label area 8 bytes per hcall: max_xfer is 8. */
export const PAPR_SCM_MAX_XFER = 8

const EMPTY = new Uint8Array(0)

/**
 * The label commands of a papr_scm dimm (papr_scm_ndctl()): the label area is the device's
 * metadata, reached by H_SCM_READ/WRITE_METADATA. Out of range is EINVAL from the transport, a
 * failed hcall the errno papr_scm maps it to.
 */
export function serveLabelCommand(
  hv: PaprHcalls,
  device: Pick<ScmGuestDevice, 'drcIndex' | 'metadataSize'>,
  cmd: number,
  input: Uint8Array,
): CommandResult {
  const size = Number(device.metadataSize)
  const refuse = (errno: keyof typeof ERRNO): CommandResult => ({ rc: -ERRNO[errno], cmdRc: 0, output: EMPTY })
  try {
    switch (cmd) {
      case DimmCmd.GET_CONFIG_SIZE:
        return {
          rc: 0,
          cmdRc: 0,
          output: encodeConfigSize({ status: 0, configSize: size, maxXfer: PAPR_SCM_MAX_XFER }),
        }
      case DimmCmd.GET_CONFIG_DATA: {
        if (input.length < 8) return refuse('EINVAL')
        const { offset, length } = decodeGetConfigData(input)
        if (offset + length > size) return refuse('EINVAL')
        return { rc: 0, cmdRc: 0, output: encodeConfigDataOut(0, metadataRead(hv, device, BigInt(offset), length)) }
      }
      case DimmCmd.SET_CONFIG_DATA: {
        if (input.length < 8) return refuse('EINVAL')
        const { offset, data } = decodeSetConfigData(input)
        if (offset + data.length > size) return refuse('EINVAL')
        metadataWrite(hv, device, BigInt(offset), data)
        return { rc: 0, cmdRc: 0, output: encodeStatus(0) }
      }
      default:
        return refuse('ENOTTY')
    }
  } catch (error) {
    if (isNvdimmError(error)) return refuse(error.errno)
    throw error
  }
}
