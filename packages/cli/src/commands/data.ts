import * as fs from 'node:fs'
import type { Command } from 'commander'
import cliProgress from 'cli-progress'
import {
  findNamespace,
  NvdimmError,
  openNamespaceData,
  parseSize,
  readNamespaceData,
  type TransferProgress,
  writeNamespaceData,
} from '@nvdimm/core'
import { withReadOnly, withUpdate } from '../session.js'

/** Sizes and offsets as ndctl takes them: 4096, 0x1000, 4K, 2M, 1G. */
function size(text: string | undefined, what: string): bigint | undefined {
  if (text === undefined) return undefined
  const value = parseSize(text)
  if (value === undefined) throw new NvdimmError('EINVAL', `${what} '${text}' is not a size (4096, 0x1000, 4K, 2M, 1G)`)
  return value
}

/** A bar on a terminal for transfers of 16 MiB or more; nothing otherwise. */
function progressBar(label: string): { update: TransferProgress; stop(): void } {
  let bar: cliProgress.SingleBar | undefined
  return {
    update: (done, total) => {
      if (!process.stderr.isTTY || total === undefined || total < 16n << 20n) return
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% | {value}/{total} MiB | {eta_formatted}`, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
        bar.start(Number(total >> 20n), 0)
      }
      bar.update(Number(done >> 20n))
    },
    stop: () => bar?.stop(),
  }
}

async function* inputChunks(file: string | undefined): AsyncIterable<Uint8Array> {
  const stream = file === undefined ? process.stdin : fs.createReadStream(file)
  for await (const chunk of stream) yield chunk as Uint8Array
}

interface ReadOptions {
  offset?: string
  length?: string
  output?: string
}

interface WriteOptions {
  offset?: string
  input?: string
  mapSync?: boolean
}

/**
 * `nvdimm read` / `nvdimm write`: a namespace's data through its personality, as dd on
 * /dev/pmemNs, /dev/pmemN or /dev/daxN.M would reach it.
 */
export function registerData(program: Command): void {
  program
    .command('read')
    .description("read a namespace's data (BTT sectors, the fsdax or devdax data area, or the raw range)")
    .argument('<namespace>', 'namespaceX.Y, or its device: pmemXs, pmemX.Y, daxX.Y')
    .option('-o, --offset <bytes>', 'where to start (a whole sector in sector mode)', '0')
    .option('-l, --length <bytes>', 'how much (default: to the end)')
    .option('--output <file>', 'write the bytes here instead of standard output')
    .action(async (ident: string, options: ReadOptions, command: Command) => {
      const offset = size(options.offset, '--offset')!
      const length = size(options.length, '--length')
      const output = options.output === undefined ? undefined : fs.openSync(options.output, 'w')
      const bar = progressBar(`read ${ident}`)
      try {
        await withReadOnly(command, async (nd) => {
          const data = openNamespaceData(findNamespace(nd, ident))
          try {
            await readNamespaceData(
              data,
              { offset, ...(length !== undefined ? { length } : {}) },
              (chunk) =>
                output === undefined
                  ? new Promise<void>((resolve, reject) =>
                      process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())),
                    )
                  : void fs.writeSync(output, chunk),
              bar.update,
            )
          } finally {
            data.close()
          }
        })
      } finally {
        bar.stop()
        if (output !== undefined) fs.closeSync(output)
      }
    })

  program
    .command('write')
    .description(
      "write to a namespace's data (BTT sectors, the fsdax or devdax data area, or the raw range), then flush",
    )
    .argument('<namespace>', 'namespaceX.Y, or its device: pmemXs, pmemX.Y, daxX.Y')
    .option('-o, --offset <bytes>', 'where to start (a whole sector in sector mode)', '0')
    .option('--input <file>', 'read the bytes from here instead of standard input')
    .option(
      '--map-sync',
      'write through a MAP_SYNC mapping (devdax, fsdax): refused where the device does not grant it',
    )
    .action(async (ident: string, options: WriteOptions, command: Command) => {
      const offset = size(options.offset, '--offset')!
      let total: bigint | undefined
      if (options.input !== undefined) {
        try {
          total = BigInt(fs.statSync(options.input).size)
        } catch (error) {
          throw new NvdimmError('ENXIO', `cannot open ${options.input}: ${(error as NodeJS.ErrnoException).code}`)
        }
      }
      const bar = progressBar(`write ${ident}`)
      try {
        const written = await withUpdate(command, async (nd) => {
          const data = openNamespaceData(findNamespace(nd, ident), { mapSync: options.mapSync ?? false })
          try {
            const bytes = await writeNamespaceData(
              data,
              { offset, ...(total !== undefined ? { total } : {}) },
              inputChunks(options.input),
              bar.update,
            )
            return { bytes, device: data.device }
          } finally {
            data.close()
          }
        })
        bar.stop()
        process.stderr.write(`wrote ${written.bytes} bytes to ${written.device} at ${offset}\n`)
      } finally {
        bar.stop()
      }
    })
}
