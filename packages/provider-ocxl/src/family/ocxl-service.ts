import {
  completeCmdPkg,
  decodeCmdPkg,
  ERRNO,
  type CommandResult,
  type Errno,
  type Logger,
  NvdimmError,
} from '@nvdimm/core'
import {
  type AdminCommandEngine,
  chiConditions,
  controllerStats,
  heartbeat,
  readControllerDumpChunk,
  retrieveErrorLog,
  shutdownController,
} from '../driver/index.js'
import { DATA_HEADER_SIZE } from '../card/index.js'
import {
  CONTROLLER_DUMP_INPUT_SIZE,
  NVDIMM_FAMILY_OCXL,
  ocxlEventMask,
  OcxlFunction,
  ocxlFunctionName,
} from './ocxl-family.js'

function words(...values: bigint[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8)
  const view = new DataView(bytes.buffer)
  values.forEach((value, i) => view.setBigUint64(i * 8, value, true))
  return bytes
}

function transportError(errno: Errno): CommandResult {
  return { rc: -ERRNO[errno], cmdRc: 0, output: new Uint8Array(0) }
}

/** Run one function on the card; what it returns goes into the package's output room. */
async function runFunction(
  engine: AdminCommandEngine,
  fn: number,
  input: Uint8Array,
  sizeOut: number,
): Promise<Uint8Array> {
  switch (fn) {
    case OcxlFunction.ERROR_LOG:
      // The room is the 8-byte header, then the caller's buffer in whole u64 words.
      return retrieveErrorLog(engine, sizeOut - DATA_HEADER_SIZE)
    case OcxlFunction.CONTROLLER_STATS: {
      const stats = await controllerStats(engine)
      return words(stats.powerOnMs, stats.adminCommands, stats.errorLogEntries)
    }
    case OcxlFunction.CONTROLLER_DUMP: {
      if (input.length !== CONTROLLER_DUMP_INPUT_SIZE) {
        throw new NvdimmError('EINVAL', `CONTROLLER_DUMP takes a ${CONTROLLER_DUMP_INPUT_SIZE}-byte offset`)
      }
      const offset = new DataView(input.buffer, input.byteOffset, input.byteLength).getUint32(0, true)
      const { data, total } = await readControllerDumpChunk(engine, offset)
      const out = new Uint8Array(8 + data.length)
      out.set(words(BigInt(total)))
      out.set(data, 8)
      return out
    }
    case OcxlFunction.EVENT_CHECK: {
      return words(ocxlEventMask(chiConditions(engine.chi())))
    }
    case OcxlFunction.SHUTDOWN:
      await shutdownController(engine)
      return new Uint8Array(0)
    case OcxlFunction.HEARTBEAT:
      await heartbeat(engine)
      return new Uint8Array(0)
    default:
      throw new NvdimmError('ENOTTY', `no ${ocxlFunctionName(fn)} in the OpenCAPI family`)
  }
}

/**
 * ND_CMD_CALL for an OpenCAPI dimm. A package the kernel would refuse (malformed, another
 * family, an unknown function) fails in transport. A driver failure (no log: EAGAIN; a status
 * the card answered with: its errno) is logged, as the series' dev_warn() did, and comes back as
 * cmdRc with nd_fw_size 0; success completes the package with the function's output.
 */
export async function serveOcxlCall(
  engine: AdminCommandEngine,
  envelope: Uint8Array,
  logger: Logger,
): Promise<CommandResult> {
  let pkg
  try {
    pkg = decodeCmdPkg(envelope)
  } catch {
    return transportError('EINVAL')
  }
  if (pkg.family !== NVDIMM_FAMILY_OCXL) return transportError('EINVAL')
  if (!Object.values(OcxlFunction).includes(pkg.command as never)) return transportError('ENOTTY')
  try {
    const output = await runFunction(engine, pkg.command, pkg.input, pkg.sizeOut)
    return { rc: 0, cmdRc: 0, output: completeCmdPkg(envelope, output) }
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    logger.warn(`${ocxlFunctionName(pkg.command)}: ${error.message}`)
    return { rc: 0, cmdRc: -ERRNO[error.errno], output: completeCmdPkg(envelope, new Uint8Array(0)) }
  }
}
