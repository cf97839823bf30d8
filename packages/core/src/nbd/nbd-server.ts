import type { Socket } from 'node:net'
import type { NamespaceData } from '../data/namespace-data.js'
import { isNvdimmError, type NvdimmError } from '../errors.js'
import {
  IHAVEOPT,
  MAX_OPTION_LENGTH,
  MAX_REQUEST_LENGTH,
  NBD_CMD_FLAG_FUA,
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_FLAG_CAN_MULTI_CONN,
  NBD_FLAG_FIXED_NEWSTYLE,
  NBD_FLAG_HAS_FLAGS,
  NBD_FLAG_NO_ZEROES,
  NBD_FLAG_READ_ONLY,
  NBD_FLAG_SEND_FLUSH,
  NBD_FLAG_SEND_FUA,
  NBDMAGIC,
  NbdCommand,
  NbdError,
  NbdInfo,
  NbdOption,
  NbdReply,
  OPTION_REPLY_MAGIC,
  REQUEST_MAGIC,
  SIMPLE_REPLY_MAGIC,
} from './nbd-protocol.js'

/** One export: a namespace's data under a name. */
export interface NbdExport {
  name: string
  data: NamespaceData
  readOnly: boolean
}

/** The client went away or broke the protocol: the connection ends, the server goes on. */
class Dropped extends Error {}

/** Exact-length reads over a socket's stream. */
class SocketReader {
  private chunks: Buffer[] = []
  private buffered = 0
  private waiter: (() => void) | undefined
  private ended = false

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk)
      this.buffered += chunk.length
      this.waiter?.()
    })
    const end = () => {
      this.ended = true
      this.waiter?.()
    }
    socket.on('end', end)
    socket.on('close', end)
    socket.on('error', end)
  }

  async read(length: number): Promise<Buffer> {
    while (this.buffered < length) {
      if (this.ended) throw new Dropped('the client disconnected')
      await new Promise<void>((resolve) => (this.waiter = resolve))
      this.waiter = undefined
    }
    // Join only the chunks the read needs; the rest stay as they came.
    let needed = 0
    let covered = 0
    while (covered < length) covered += this.chunks[needed++]!.length
    const head = needed === 1 ? this.chunks[0]! : Buffer.concat(this.chunks.slice(0, needed), covered)
    const out = head.subarray(0, length)
    const rest = head.subarray(length)
    this.chunks = rest.length ? [rest, ...this.chunks.slice(needed)] : this.chunks.slice(needed)
    this.buffered -= length
    return out
  }
}

function u64(value: bigint): Buffer {
  const buffer = Buffer.alloc(8)
  buffer.writeBigUInt64BE(value)
  return buffer
}

function errnoOf(error: NvdimmError): number {
  switch (error.errno) {
    case 'EINVAL':
      return NbdError.EINVAL
    case 'ENOSPC':
      return NbdError.ENOSPC
    case 'EROFS':
    case 'EPERM':
    case 'EACCES':
      return NbdError.EPERM
    default:
      return NbdError.EIO
  }
}

/**
 * An NBD server over namespaces, fixed newstyle: NBD_OPT_EXPORT_NAME, INFO, GO, LIST and ABORT;
 * simple replies; READ, WRITE (FUA), FLUSH (the region's flush sequence) and DISC. Block size
 * constraints are the namespace's (the sector size under BTT). A client that breaks the
 * protocol is dropped; the others are served on.
 */
export class NbdServer {
  private readonly exports: ReadonlyMap<string, NbdExport>

  constructor(exports: readonly NbdExport[]) {
    this.exports = new Map(exports.map((entry) => [entry.name, entry]))
  }

  /** Serve one connection until it ends; never throws for the client's sake. */
  async serve(socket: Socket): Promise<void> {
    socket.setNoDelay(true)
    const reader = new SocketReader(socket)
    try {
      const chosen = await this.handshake(socket, reader)
      if (chosen) await this.transmission(socket, reader, chosen)
    } catch (error) {
      if (!(error instanceof Dropped)) throw error
    } finally {
      socket.end()
    }
  }

  private transmissionFlags(entry: NbdExport): number {
    let flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_CAN_MULTI_CONN
    if (entry.readOnly) flags |= NBD_FLAG_READ_ONLY
    return flags
  }

  private blockSizes(entry: NbdExport): { min: number; preferred: number; max: number } {
    const min = entry.data.granularity
    return {
      min,
      preferred: Math.max(min, 4096 - (4096 % min)),
      max: MAX_REQUEST_LENGTH - (MAX_REQUEST_LENGTH % min),
    }
  }

  private find(name: string): NbdExport | undefined {
    // The empty name is the default export when there is only one.
    if (name === '' && this.exports.size === 1) return [...this.exports.values()][0]
    return this.exports.get(name)
  }

  private optionReply(socket: Socket, option: number, type: number, data: Buffer = Buffer.alloc(0)): void {
    const header = Buffer.alloc(20)
    header.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0)
    header.writeUInt32BE(option, 8)
    header.writeUInt32BE(type, 12)
    header.writeUInt32BE(data.length, 16)
    socket.write(Buffer.concat([header, data]))
  }

  private async handshake(socket: Socket, reader: SocketReader): Promise<NbdExport | undefined> {
    const greeting = Buffer.alloc(18)
    greeting.writeBigUInt64BE(NBDMAGIC, 0)
    greeting.writeBigUInt64BE(IHAVEOPT, 8)
    greeting.writeUInt16BE(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES, 16)
    socket.write(greeting)
    const clientFlags = (await reader.read(4)).readUInt32BE(0)
    if (clientFlags & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) throw new Dropped('unknown client flags')
    const noZeroes = (clientFlags & NBD_FLAG_C_NO_ZEROES) !== 0
    for (;;) {
      const header = await reader.read(16)
      if (header.readBigUInt64BE(0) !== IHAVEOPT) throw new Dropped('bad option magic')
      const option = header.readUInt32BE(8)
      const length = header.readUInt32BE(12)
      if (length > MAX_OPTION_LENGTH) throw new Dropped('option data too long')
      const data = await reader.read(length)
      switch (option) {
        case NbdOption.EXPORT_NAME: {
          const entry = this.find(data.toString('utf8'))
          if (!entry) throw new Dropped('no such export')
          const reply = Buffer.alloc(noZeroes ? 10 : 134)
          reply.writeBigUInt64BE(entry.data.size, 0)
          reply.writeUInt16BE(this.transmissionFlags(entry), 8)
          socket.write(reply)
          return entry
        }
        case NbdOption.ABORT:
          this.optionReply(socket, option, NbdReply.ACK)
          return undefined
        case NbdOption.LIST:
          if (length !== 0) {
            this.optionReply(socket, option, NbdReply.ERR_INVALID)
            break
          }
          for (const name of this.exports.keys()) {
            const text = Buffer.from(name, 'utf8')
            const entry = Buffer.alloc(4 + text.length)
            entry.writeUInt32BE(text.length, 0)
            text.copy(entry, 4)
            this.optionReply(socket, option, NbdReply.SERVER, entry)
          }
          this.optionReply(socket, option, NbdReply.ACK)
          break
        case NbdOption.INFO:
        case NbdOption.GO: {
          const entry = this.infoOrGo(socket, option, data)
          if (entry && option === NbdOption.GO) return entry
          break
        }
        default:
          // STARTTLS, STRUCTURED_REPLY and the rest: not offered.
          this.optionReply(socket, option, NbdReply.ERR_UNSUP)
      }
    }
  }

  /** NBD_OPT_INFO / GO: the export's size and flags, its block sizes, then ACK. */
  private infoOrGo(socket: Socket, option: number, data: Buffer): NbdExport | undefined {
    const nameLength = data.length >= 4 ? data.readUInt32BE(0) : -1
    if (nameLength < 0 || 4 + nameLength + 2 > data.length) {
      this.optionReply(socket, option, NbdReply.ERR_INVALID)
      return undefined
    }
    const requests = data.readUInt16BE(4 + nameLength)
    if (data.length !== 4 + nameLength + 2 + requests * 2) {
      this.optionReply(socket, option, NbdReply.ERR_INVALID)
      return undefined
    }
    const entry = this.find(data.subarray(4, 4 + nameLength).toString('utf8'))
    if (!entry) {
      this.optionReply(socket, option, NbdReply.ERR_UNKNOWN)
      return undefined
    }
    const exportInfo = Buffer.alloc(12)
    exportInfo.writeUInt16BE(NbdInfo.EXPORT, 0)
    exportInfo.writeBigUInt64BE(entry.data.size, 2)
    exportInfo.writeUInt16BE(this.transmissionFlags(entry), 10)
    this.optionReply(socket, option, NbdReply.INFO, exportInfo)
    const { min, preferred, max } = this.blockSizes(entry)
    const blockInfo = Buffer.alloc(14)
    blockInfo.writeUInt16BE(NbdInfo.BLOCK_SIZE, 0)
    blockInfo.writeUInt32BE(min, 2)
    blockInfo.writeUInt32BE(preferred, 6)
    blockInfo.writeUInt32BE(max, 10)
    this.optionReply(socket, option, NbdReply.INFO, blockInfo)
    this.optionReply(socket, option, NbdReply.ACK)
    return entry
  }

  private reply(socket: Socket, handle: Buffer, error: number, data?: Uint8Array): void {
    const header = Buffer.alloc(16)
    header.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0)
    header.writeUInt32BE(error, 4)
    handle.copy(header, 8)
    if (!data || error !== 0) {
      socket.write(header)
      return
    }
    // Header and data go out together, without copying the data into one buffer.
    socket.cork()
    socket.write(header)
    socket.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    process.nextTick(() => socket.uncork())
  }

  private async transmission(socket: Socket, reader: SocketReader, entry: NbdExport): Promise<void> {
    const { data } = entry
    const { min, max } = this.blockSizes(entry)
    for (;;) {
      const request = await reader.read(28)
      if (request.readUInt32BE(0) !== REQUEST_MAGIC) throw new Dropped('bad request magic')
      const flags = request.readUInt16BE(4)
      const type = request.readUInt16BE(6)
      const handle = Buffer.from(request.subarray(8, 16))
      const offset = request.readBigUInt64BE(16)
      const length = request.readUInt32BE(24)
      if (type === NbdCommand.DISC) {
        await data.flush()
        return
      }
      // A write's payload is on its way whatever we answer: too big to take, the client goes.
      if (type === NbdCommand.WRITE && length > max) throw new Dropped('write larger than the maximum block size')
      const payload = type === NbdCommand.WRITE ? await reader.read(length) : undefined
      const inRange = offset + BigInt(length) <= data.size
      const aligned = offset % BigInt(min) === 0n && length % min === 0
      try {
        switch (type) {
          case NbdCommand.READ: {
            if (!inRange || !aligned || length > max) {
              this.reply(socket, handle, NbdError.EINVAL)
              break
            }
            const buffer = new Uint8Array(length)
            data.read(offset, buffer)
            this.reply(socket, handle, 0, buffer)
            break
          }
          case NbdCommand.WRITE:
            if (entry.readOnly) this.reply(socket, handle, NbdError.EPERM)
            else if (!inRange) this.reply(socket, handle, NbdError.ENOSPC)
            else if (!aligned) this.reply(socket, handle, NbdError.EINVAL)
            else {
              await data.write(offset, payload!)
              if (flags & NBD_CMD_FLAG_FUA) await data.flush()
              this.reply(socket, handle, 0)
            }
            break
          case NbdCommand.FLUSH:
            await data.flush()
            this.reply(socket, handle, 0)
            break
          default:
            // TRIM and WRITE_ZEROES are not advertised.
            this.reply(socket, handle, NbdError.EINVAL)
        }
      } catch (error) {
        if (!isNvdimmError(error)) throw error
        this.reply(socket, handle, errnoOf(error))
      }
    }
  }
}
