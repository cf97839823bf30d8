import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryMedia, NbdServer, type NamespaceData } from '../../src/index.js'
import { fuzzRuns } from '../../src/testing/index.js'

/** A socket that hands the server what a client sent, then hangs up. */
class FakeSocket extends EventEmitter {
  written = 0
  write(data: Uint8Array): boolean {
    this.written += data.length
    return true
  }
  end(): void {}
  destroy(): void {}
  setNoDelay(): void {}
  cork(): void {}
  uncork(): void {}
}

function namespace(granularity: number): NamespaceData {
  const media = new MemoryMedia(1n << 20n)
  return {
    device: 'pmem0',
    size: media.size,
    granularity,
    read: (offset, target) => media.read(offset, target),
    write: async (offset, source) => media.write(offset, source),
    flush: async () => undefined,
    close: () => undefined,
  }
}

const IHAVEOPT = Buffer.from('IHAVEOPT')
const u32 = (value: number) => {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value >>> 0)
  return buffer
}

/** Sometimes garbage, sometimes a handshake and then garbage requests. */
const traffic = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => [Buffer.from(bytes)]),
  fc
    .tuple(
      fc.constantFrom(0, 1, 2, 3),
      fc.constantFrom('pmem0', '', 'other'),
      fc.array(
        fc.record({
          magic: fc.constantFrom(0x25609513, 0x25609513, 0xdeadbeef),
          flags: fc.integer({ min: 0, max: 3 }),
          type: fc.integer({ min: 0, max: 8 }),
          offset: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          length: fc.oneof(fc.integer({ min: 0, max: 8192 }), fc.constant(0xffffffff)),
          payload: fc.uint8Array({ maxLength: 600 }),
        }),
        { maxLength: 5 },
      ),
    )
    .map(([clientFlags, name, requests]) => {
      const chunks = [u32(clientFlags), IHAVEOPT, u32(1), u32(name.length), Buffer.from(name)]
      for (const request of requests) {
        const header = Buffer.alloc(28)
        header.writeUInt32BE(request.magic, 0)
        header.writeUInt16BE(request.flags, 4)
        header.writeUInt16BE(request.type, 6)
        header.writeBigUInt64BE(request.offset, 16)
        header.writeUInt32BE(request.length, 24)
        chunks.push(header, Buffer.from(request.payload))
      }
      return chunks
    }),
)

describe('NBD server fuzz', () => {
  it('any bytes from a client end in replies or a dropped connection, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(traffic, fc.constantFrom(1, 512, 4096), async (chunks, granularity) => {
        const server = new NbdServer([{ name: 'pmem0', data: namespace(granularity), readOnly: false }])
        const socket = new FakeSocket()
        const served = server.serve(socket as unknown as Socket)
        for (const chunk of chunks) socket.emit('data', chunk)
        socket.emit('end')
        await expect(served).resolves.toBeUndefined()
        expect(socket.written).toBeGreaterThanOrEqual(18)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
