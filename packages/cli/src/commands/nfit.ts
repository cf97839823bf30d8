import * as fs from 'node:fs'
import type { Command } from 'commander'
import { NvdimmError, parseSize } from '@nvdimm/core'
import {
  checkNfitReferences,
  decodeNfit,
  encodeNfit,
  formatNfit,
  nfitFromJson,
  nfitTest0Table,
  nfitTest1Table,
  nfitToJson,
  parseQemuImageOption,
  qemuNfitTable,
  type NfitTable,
} from '@nvdimm/provider-nfit'
import { printLines } from '../output.js'
import { collect } from '../options.js'

interface EncodeOptions {
  output?: string
  qemu: string[]
  qemuBase: string
  nfitTest?: string
}

/** The table an encode command line describes: QEMU's for the given sizes, nfit_test's, or a JSON description. */
function tableFrom(file: string | undefined, options: EncodeOptions): NfitTable {
  if (options.qemu.length) {
    const base = parseSize(options.qemuBase)
    if (base === undefined) throw new NvdimmError('EINVAL', `--qemu-base ${options.qemuBase} is not an address`)
    const nvdimms = options.qemu.map((text) => {
      // SIZE stands where --nfit-qemu takes an image: the size of the backing file.
      const { path: sizeText, ...properties } = parseQemuImageOption(text)
      const fileSize = parseSize(sizeText)
      if (fileSize === undefined) throw new NvdimmError('EINVAL', `--qemu ${text}: '${sizeText}' is not a size`)
      return { ...properties, fileSize }
    })
    return qemuNfitTable(nvdimms, { base })
  }
  if (options.nfitTest !== undefined) {
    if (options.nfitTest === '0') return nfitTest0Table()
    if (options.nfitTest === '1') return nfitTest1Table()
    throw new NvdimmError('EINVAL', `--nfit-test ${options.nfitTest}: expected 0 or 1`)
  }
  const text = readInput(file, 'description').toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new NvdimmError('EINVAL', `the description is not JSON: ${(error as Error).message}`)
  }
  return nfitFromJson(json)
}

function readInput(file: string | undefined, what: string): Buffer {
  try {
    return fs.readFileSync(file === undefined || file === '-' ? 0 : file)
  } catch (error) {
    throw new NvdimmError('ENXIO', `cannot read ${what} ${file ?? 'from standard input'}: ${(error as Error).message}`)
  }
}

export function registerNfit(program: Command): void {
  const nfit = program.command('nfit').description('read and write ACPI NFIT tables')

  nfit
    .command('decode')
    .argument('[file]', 'the table (e.g. /sys/firmware/acpi/tables/NFIT); - or nothing for standard input')
    .description('print an NFIT field by field, as iasl -d does')
    .option('-j, --json', 'print the table as JSON (what nfit encode reads)')
    .option('--ignore-checksum', 'decode a table whose checksum is wrong')
    .action((file: string | undefined, options: { json?: boolean; ignoreChecksum?: boolean }) => {
      const { table, warnings } = decodeNfit(readInput(file, 'NFIT'), {
        checksum: options.ignoreChecksum ? 'ignore' : 'verify',
      })
      printLines(warnings.map((warning) => `warning: ${warning.message}`))
      // A dangling index is worth knowing about, but the table is still worth reading.
      try {
        checkNfitReferences(table)
      } catch (error) {
        printLines([`warning: ${(error as Error).message}`])
      }
      process.stdout.write(options.json ? `${JSON.stringify(nfitToJson(table), null, 2)}\n` : formatNfit(table))
    })

  nfit
    .command('encode')
    .argument('[file]', 'a JSON description (as nfit decode --json prints); - or nothing for standard input')
    .description('build an NFIT from a description, with its length and checksum')
    .option('-o, --output <file>', 'write the table here instead of standard output')
    .option(
      '--qemu <size>',
      "QEMU's table for a -device nvdimm backed by SIZE bytes: 'SIZE[,label-size=128K][,node=N][,unarmed=on]' (repeatable)",
      collect,
      [],
    )
    .option('--qemu-base <addr>', "guest-physical base of QEMU's device memory", '0x100000000')
    .option('--nfit-test <n>', "the kernel's nfit_test.0 or nfit_test.1 table")
    .action((file: string | undefined, options: EncodeOptions) => {
      const bytes = encodeNfit(tableFrom(file, options))
      if (options.output) fs.writeFileSync(options.output, bytes)
      else process.stdout.write(bytes)
    })
}
