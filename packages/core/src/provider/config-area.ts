import type { Media } from '../media/media.js'
import { DimmCmd } from './commands.js'
import {
  decodeGetConfigData,
  decodeSetConfigData,
  encodeConfigDataOut,
  encodeConfigSize,
  encodeStatus,
} from './payloads.js'
import type { CommandResult } from './types.js'

const EINVAL = -22
const ENOTTY = -25

const refuse = (rc: number): CommandResult => ({ rc, cmdRc: 0, output: new Uint8Array(0) })

/**
 * The three label-area commands served from a medium, as a provider with a plain label area
 * does (drivers/nvdimm/ramdax.c): the size and transfer limit, and reads and writes that must
 * fit the area and the limit (else -EINVAL from the transport). Anything else is -ENOTTY.
 */
export function serveConfigCommand(area: Media, maxXfer: number, cmd: number, input: Uint8Array): CommandResult {
  const size = Number(area.size)
  switch (cmd) {
    case DimmCmd.GET_CONFIG_SIZE:
      return { rc: 0, cmdRc: 0, output: encodeConfigSize({ status: 0, configSize: size, maxXfer }) }
    case DimmCmd.GET_CONFIG_DATA: {
      if (input.length < 8) return refuse(EINVAL)
      const { offset, length } = decodeGetConfigData(input)
      if (offset + length > size || length > maxXfer) return refuse(EINVAL)
      const data = new Uint8Array(length)
      area.read(BigInt(offset), data)
      return { rc: 0, cmdRc: 0, output: encodeConfigDataOut(0, data) }
    }
    case DimmCmd.SET_CONFIG_DATA: {
      if (input.length < 8) return refuse(EINVAL)
      const { offset, data } = decodeSetConfigData(input)
      if (offset + data.length > size || data.length > maxXfer) return refuse(EINVAL)
      area.write(BigInt(offset), data)
      area.sync()
      return { rc: 0, cmdRc: 0, output: encodeStatus(0) }
    }
    default:
      return refuse(ENOTTY)
  }
}
