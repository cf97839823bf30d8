import { NvdimmError } from '@nvdimm/core'
import {
  ADMIN_COMMAND_CONTROLLER_DUMP,
  ADMIN_COMMAND_CONTROLLER_STATS,
  ADMIN_COMMAND_FW_UPDATE,
  ADMIN_COMMAND_HEARTBEAT,
  ADMIN_COMMAND_SHUTDOWN,
  CONTROLLER_STATS_IDENTIFIER,
  DATA_IDENTIFIER,
  DATA_LENGTH,
  fieldFromBytes,
  GLOBAL_MMIO_CHI_CDA,
  REQUEST_FW_COMMIT,
  REQUEST_LENGTH,
  REQUEST_OFFSET,
  STATS_ADMIN_COMMANDS,
  STATS_ERROR_LOG_ENTRIES,
  STATS_LENGTH,
  STATS_POWER_ON_MS,
  withField,
} from '../card/index.js'
import type { AdminCommandEngine } from './admin-command-engine.js'

export async function heartbeat(engine: AdminCommandEngine): Promise<void> {
  await engine.execute(ADMIN_COMMAND_HEARTBEAT)
}

/** Tell the controller the host is going away; it stops presenting memory (CHI.MA clears). */
export async function shutdownController(engine: AdminCommandEngine): Promise<void> {
  await engine.execute(ADMIN_COMMAND_SHUTDOWN)
}

export interface OcxlControllerStats {
  powerOnMs: bigint
  adminCommands: bigint
  errorLogEntries: bigint
}

/** The 'CS' block CONTROLLER_STATS returns; EINVAL if it is not one. */
export function decodeControllerStats(bytes: Uint8Array): OcxlControllerStats {
  const identifier = fieldFromBytes(bytes, DATA_IDENTIFIER)
  const length = fieldFromBytes(bytes, DATA_LENGTH)
  const powerOnMs = fieldFromBytes(bytes, STATS_POWER_ON_MS)
  const adminCommands = fieldFromBytes(bytes, STATS_ADMIN_COMMANDS)
  const errorLogEntries = fieldFromBytes(bytes, STATS_ERROR_LOG_ENTRIES)
  if (
    identifier !== BigInt(CONTROLLER_STATS_IDENTIFIER) ||
    length === undefined ||
    length < STATS_LENGTH ||
    powerOnMs === undefined ||
    adminCommands === undefined ||
    errorLogEntries === undefined
  ) {
    throw new NvdimmError('EINVAL', "controller stats do not start with a 'CS' header of at least 24 bytes")
  }
  return { powerOnMs, adminCommands, errorLogEntries }
}

export async function controllerStats(engine: AdminCommandEngine): Promise<OcxlControllerStats> {
  return decodeControllerStats((await engine.execute(ADMIN_COMMAND_CONTROLLER_STATS)).data)
}

/** One data buffer of the controller dump from `offset`, and the dump's whole length; EAGAIN when CHI.CDA is clear. */
export async function readControllerDumpChunk(
  engine: AdminCommandEngine,
  offset: number,
): Promise<{ data: Uint8Array; total: number }> {
  if (!(engine.chi() & GLOBAL_MMIO_CHI_CDA)) {
    throw new NvdimmError('EAGAIN', 'no controller dump is available (CHI.CDA is clear)')
  }
  const { data, result: total } = await engine.execute(ADMIN_COMMAND_CONTROLLER_DUMP, {
    params: [withField(0n, REQUEST_OFFSET, offset)],
  })
  if (data.length === 0 && offset < total) {
    throw new NvdimmError('EIO', `the controller dump stopped at ${offset} of ${total} bytes`)
  }
  return { data, total }
}

/** Read the whole controller dump, one data buffer at a time (the card drops it once read to the end). */
export async function readControllerDump(engine: AdminCommandEngine): Promise<Uint8Array> {
  return collectDump((offset) => readControllerDumpChunk(engine, offset))
}

/** Chunks from offset 0 until the whole length is in; shared by the driver and the command-channel client. */
export async function collectDump(
  chunkAt: (offset: number) => Promise<{ data: Uint8Array; total: number }>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let offset = 0
  for (;;) {
    const { data, total } = await chunkAt(offset)
    if (data.length === 0) throw new NvdimmError('EIO', `the controller dump stopped at ${offset} of ${total} bytes`)
    chunks.push(data)
    offset += data.length
    if (offset >= total) break
  }
  const dump = new Uint8Array(offset)
  let at = 0
  for (const chunk of chunks) {
    dump.set(chunk, at)
    at += chunk.length
  }
  return dump
}

/** Send a firmware image in data-buffer chunks; the last one commits it. */
export async function updateFirmware(engine: AdminCommandEngine, image: Uint8Array): Promise<void> {
  if (image.length === 0 || image.length > 0xffff_ffff) {
    throw new NvdimmError('EINVAL', 'a firmware image is 1 byte to 4 GiB')
  }
  const chunkSize = engine.metadata.dataSize
  for (let offset = 0; offset < image.length; offset += chunkSize) {
    const chunk = image.subarray(offset, Math.min(image.length, offset + chunkSize))
    const last = offset + chunk.length >= image.length
    await engine.execute(ADMIN_COMMAND_FW_UPDATE, {
      params: [
        withField(withField(0n, REQUEST_OFFSET, offset), REQUEST_LENGTH, chunk.length),
        withField(0n, REQUEST_FW_COMMIT, last ? 1 : 0),
      ],
      data: chunk,
    })
  }
}
