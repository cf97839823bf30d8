import * as fs from 'node:fs'
import * as net from 'node:net'
import type { Command } from 'commander'
import { findNamespace, NbdServer, NvdimmError, openNamespaceData } from '@nvdimm/core'
import { withUpdate } from '../session.js'

interface NbdOptions {
  listen?: string
  socket?: string
  readOnly?: boolean
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** host:port, [v6]:port or a bare port on 127.0.0.1. */
function listenAddress(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text)
  const port = Number(match?.[3])
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new NvdimmError('EINVAL', `--listen '${text}' is not HOST:PORT`)
  }
  return { host: match[1] || match[2] || '127.0.0.1', port }
}

/**
 * `nvdimm nbd NAMESPACE...`: serve namespaces over NBD, one export per namespace (named after
 * it), until SIGINT or SIGTERM. The platform stays locked meanwhile, as a device in use is.
 */
export function registerNbd(program: Command): void {
  program
    .command('nbd')
    .description(
      'serve namespaces over NBD (unauthenticated: loopback and Unix sockets unless --listen says otherwise)',
    )
    .argument('<namespaces...>', 'namespaceX.Y (or its device), one export each, named after the namespace')
    .option('--listen <host:port>', 'TCP address (default 127.0.0.1:10809); another host is unauthenticated')
    .option('--socket <path>', 'a Unix socket instead of TCP')
    .option('--read-only', 'refuse writes (EPERM)')
    .action(async (idents: string[], options: NbdOptions, command: Command) => {
      if (options.listen && options.socket) throw new NvdimmError('EINVAL', '--listen or --socket, not both')
      const address = listenAddress(options.listen ?? '127.0.0.1:10809')
      await withUpdate(command, async (nd) => {
        const exports = idents.map((ident) => {
          const namespace = findNamespace(nd, ident)
          return { name: namespace.name, data: openNamespaceData(namespace), readOnly: options.readOnly ?? false }
        })
        const server = new NbdServer(exports)
        const connections = new Set<Promise<void>>()
        const sockets = new Set<net.Socket>()
        const listener = net.createServer((socket) => {
          sockets.add(socket)
          socket.once('close', () => sockets.delete(socket))
          const served = server.serve(socket).catch((error: unknown) => {
            process.stderr.write(`nbd: a connection failed: ${(error as Error).message}\n`)
          })
          connections.add(served)
          void served.finally(() => connections.delete(served))
        })
        await new Promise<void>((resolve, reject) => {
          listener.once('error', (error: NodeJS.ErrnoException) =>
            reject(
              new NvdimmError(error.code === 'EADDRINUSE' ? 'EBUSY' : 'EINVAL', `cannot listen: ${error.message}`),
            ),
          )
          if (options.socket) {
            if (fs.existsSync(options.socket)) fs.unlinkSync(options.socket)
            listener.listen(options.socket, resolve)
          } else listener.listen(address.port, address.host, resolve)
        })
        const where = options.socket ?? `${address.host}:${(listener.address() as net.AddressInfo).port}`
        if (!options.socket && !LOOPBACK.has(address.host)) {
          process.stderr.write(`nbd: warning: ${where} is reachable from the network and NBD has no authentication\n`)
        }
        process.stderr.write(`nbd: serving ${exports.map((e) => e.name).join(', ')} on ${where}\n`)
        await new Promise<void>((resolve) => {
          const stop = () => resolve()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        const closed = new Promise<void>((resolve) => listener.close(() => resolve()))
        // Requests already read finish; clients still connected are cut off.
        for (const socket of sockets) socket.destroy()
        await closed
        await Promise.allSettled([...connections])
        for (const entry of exports) await entry.data.flush()
        if (options.socket && fs.existsSync(options.socket)) fs.unlinkSync(options.socket)
        process.stderr.write('nbd: stopped\n')
      })
    })
}
