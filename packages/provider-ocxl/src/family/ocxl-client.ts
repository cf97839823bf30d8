import {
  type ControllerCondition,
  decodeCmdPkg,
  type Dimm,
  DimmCmd,
  encodeCmdPkg,
  errnoName,
  NvdimmError,
  submitUserCommand,
} from '@nvdimm/core'
import {
  collectDump,
  decodeErrorLog,
  ERROR_LOG_MAX_BUFFER,
  type OcxlControllerStats,
  type OcxlErrorLog,
} from '../driver/index.js'
import { DATA_HEADER_SIZE, ERROR_LOG_FIXED_LENGTH } from '../card/index.js'
import {
  CONTROLLER_DUMP_INPUT_SIZE,
  CONTROLLER_STATS_PAYLOAD_SIZE,
  EVENT_CHECK_PAYLOAD_SIZE,
  NVDIMM_FAMILY_OCXL,
  ocxlEventConditions,
  OcxlFunction,
  type OcxlFunctionNumber,
  ocxlFunctionName,
} from './ocxl-family.js'

/**
 * The user-space side of the OpenCAPI family: what a tool does with ND_CMD_CALL on nmemN.
 * Everything here goes through core's ioctl path (command mask, clear-to-send, transport).
 */

const WHY: Partial<Record<string, string>> = {
  [`${OcxlFunction.ERROR_LOG}:EAGAIN`]: 'no error log is available (CHI.ELA is clear)',
  [`${OcxlFunction.CONTROLLER_DUMP}:EAGAIN`]: 'no controller dump is available (CHI.CDA is clear)',
}

function failure(dimm: Dimm, fn: OcxlFunctionNumber, cmdRc: number): NvdimmError {
  const errno = errnoName(cmdRc) ?? 'EIO'
  const why =
    WHY[`${fn}:${errno}`] ??
    (errno === 'ETIMEDOUT'
      ? 'the controller did not answer in time'
      : `the controller refused it (${errno}); the platform log has the card's status`)
  return new NvdimmError(errno, `${dimm.name}: ${ocxlFunctionName(fn)}: ${why}`)
}

async function call(
  dimm: Dimm,
  fn: OcxlFunctionNumber,
  outputSize: number,
  input: Uint8Array = new Uint8Array(0),
): Promise<{ output: Uint8Array; fwSize: number }> {
  const envelope = encodeCmdPkg({ family: NVDIMM_FAMILY_OCXL, command: fn, input, outputSize })
  const result = await submitUserCommand(dimm.bus, dimm, DimmCmd.CALL, envelope)
  if (result.cmdRc < 0) throw failure(dimm, fn, result.cmdRc)
  const pkg = decodeCmdPkg(result.output)
  return { output: pkg.output.subarray(0, Math.min(pkg.fwSize, pkg.sizeOut)), fwSize: pkg.fwSize }
}

function u64At(bytes: Uint8Array, index: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(index * 8, true)
}

/**
 * The oldest error log entry (it leaves the card's log); EAGAIN when there is none. The output
 * room holds the 'EL' header, then `bufferLength` bytes of what follows it (the fixed fields,
 * then the entry's data).
 */
export async function ocxlErrorLog(dimm: Dimm, bufferLength = ERROR_LOG_MAX_BUFFER): Promise<OcxlErrorLog> {
  if (bufferLength < ERROR_LOG_FIXED_LENGTH) {
    throw new NvdimmError(
      'EINVAL',
      `an error log buffer holds at least the ${ERROR_LOG_FIXED_LENGTH}-byte fixed fields`,
    )
  }
  const room = DATA_HEADER_SIZE + bufferLength
  const { output } = await call(dimm, OcxlFunction.ERROR_LOG, room)
  return decodeErrorLog(output, bufferLength, true)
}

export async function ocxlControllerStats(dimm: Dimm): Promise<OcxlControllerStats> {
  const { output } = await call(dimm, OcxlFunction.CONTROLLER_STATS, CONTROLLER_STATS_PAYLOAD_SIZE)
  if (output.length < CONTROLLER_STATS_PAYLOAD_SIZE) {
    throw new NvdimmError('EIO', `${dimm.name}: CONTROLLER_STATS returned ${output.length} bytes`)
  }
  return { powerOnMs: u64At(output, 0), adminCommands: u64At(output, 1), errorLogEntries: u64At(output, 2) }
}

/** The whole controller dump, in chunks of `chunkSize`; the card drops it once it is read to the end. */
export async function ocxlControllerDump(dimm: Dimm, chunkSize = 4096): Promise<Uint8Array> {
  return collectDump(async (offset) => {
    const input = new Uint8Array(CONTROLLER_DUMP_INPUT_SIZE)
    new DataView(input.buffer).setUint32(0, offset, true)
    const { output } = await call(dimm, OcxlFunction.CONTROLLER_DUMP, 8 + chunkSize, input)
    if (output.length < 8) throw new NvdimmError('EIO', `${dimm.name}: CONTROLLER_DUMP returned no length`)
    return { total: Number(u64At(output, 0)), data: output.slice(8) }
  })
}

/** The conditions standing now. */
export async function ocxlEventCheck(dimm: Dimm): Promise<ControllerCondition[]> {
  const { output } = await call(dimm, OcxlFunction.EVENT_CHECK, EVENT_CHECK_PAYLOAD_SIZE)
  const mask = output.length >= 8 ? u64At(output, 0) : 0n
  return ocxlEventConditions(mask)
}

/** A clean controller shutdown: the next power-on reports the last shutdown clean. */
export async function ocxlShutdown(dimm: Dimm): Promise<void> {
  await call(dimm, OcxlFunction.SHUTDOWN, 0)
}

export async function ocxlHeartbeat(dimm: Dimm): Promise<void> {
  await call(dimm, OcxlFunction.HEARTBEAT, 0)
}
