import * as fs from 'node:fs'
import { type Command } from 'commander'
import {
  checkWriteInfoblockOptions,
  ndctlReadInfoblock,
  ndctlReadInfoblockFile,
  ndctlWriteInfoblock,
  ndctlWriteInfoblockFile,
  NvdimmError,
  parseSize,
  type ReadInfoblockOptions,
  type WriteInfoblockOptions,
} from '@nvdimm/core'
import { report } from '../output.js'
import { withUpdate } from '../session.js'

/** The page size ndctl's sysconf() would see: the x86_64 one unless a platform says otherwise. */
const HOST_PAGE_SIZE = 4096n

function readInput(path: string | undefined): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(path ?? 0))
  } catch (cause) {
    throw new NvdimmError('ENXIO', `read-infoblock: failed to open ${path ?? '<stdin>'}: ${(cause as Error).message}`)
  }
}

export function registerInfoblock(program: Command): void {
  program
    .command('read-infoblock')
    .description('dump the info block(s) of a disabled namespace, a file, or standard input')
    .argument('[namespace]', 'a namespace name (namespace0.0) or "all"; none reads --input or stdin')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-o, --output <file>', 'output file for the info block data')
    .option('-i, --input <file>', 'input file to read instead of a namespace')
    .option('-V, --verify', 'validate parent uuid and checksum')
    .option('-j, --json', 'parse the info blocks into JSON')
    .option('-u, --human', 'use human friendly number formats (implies --json)')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .action(
      async (
        namespace: string | undefined,
        options: ReadInfoblockOptions & { output?: string; input?: string },
        command: Command,
      ) => {
        if (namespace !== undefined && options.input !== undefined) {
          throw new NvdimmError('EINVAL', 'specify a namespace, or --input, not both')
        }
        const outcome =
          namespace === undefined
            ? ndctlReadInfoblockFile(readInput(options.input), options.input ?? '<stdin>', options)
            : await withUpdate(command, (nd) => ndctlReadInfoblock(nd, namespace, options))
        if (options.output !== undefined && outcome.stdout !== undefined) {
          fs.writeFileSync(options.output, outcome.stdout)
          delete outcome.stdout
        }
        report(outcome)
      },
    )

  program
    .command('write-infoblock')
    .description('write an fsdax / devdax info block to a disabled namespace, a file, or standard output')
    .argument('[namespace]', 'a namespace name (namespace0.0) or "all"')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-o, --output <file>', 'output file for the info block')
    .option('-c, --stdout', 'write the info block to standard output')
    .option('-m, --mode <operation-mode>', "specify the info block mode, 'fsdax' or 'devdax' (default 'fsdax')")
    .option('-s, --size <size>', 'override the image size to instantiate the info block')
    .option('-a, --align <align>', 'specify the expected physical alignment')
    .option('-u, --uuid <uuid>', 'specify the uuid')
    .option('-M, --map <memmap-location>', "specify 'mem' or 'dev' for the location of the memmap")
    .option('-p, --parent-uuid <uuid>', 'override the parent uuid')
    .option('-O, --offset <offset>', 'EXPERT: specify the physical offset of the namespace start')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .action(
      async (
        namespace: string | undefined,
        options: WriteInfoblockOptions & { output?: string; stdout?: boolean },
        command: Command,
      ) => {
        checkWriteInfoblockOptions(options, HOST_PAGE_SIZE)
        const toFile = options.output !== undefined || options.stdout
        if (namespace === undefined && !toFile)
          throw new NvdimmError('EINVAL', 'specify a namespace to write-infoblock, or "all"')
        if (namespace !== undefined && toFile) {
          throw new NvdimmError('EINVAL', 'specify only one of a namespace filter, --output, or --stdout')
        }
        if (options.stdout && options.size === undefined)
          throw new NvdimmError('EINVAL', '--size required with --stdout')
        if (namespace !== undefined) {
          report(await withUpdate(command, (nd) => ndctlWriteInfoblock(nd, namespace, options)))
          return
        }
        let size = options.size !== undefined ? parseSize(options.size)! : 0n
        let fd: number | undefined
        if (!options.stdout) {
          fd = fs.openSync(options.output!, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o644)
          if (size === 0n) size = BigInt(fs.fstatSync(fd).size)
        }
        try {
          const outcome = ndctlWriteInfoblockFile(size, options, HOST_PAGE_SIZE)
          if (outcome.bytes) {
            if (fd === undefined) process.stdout.write(outcome.bytes)
            else fs.writeSync(fd, outcome.bytes, 0, outcome.bytes.length, 0)
          }
          delete outcome.bytes
          report(outcome)
        } finally {
          if (fd !== undefined) fs.closeSync(fd)
        }
      },
    )
}
