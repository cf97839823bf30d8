import * as fs from 'node:fs'
import type { Command } from 'commander'
import { NvdimmError } from '@nvdimm/core'
import {
  checkNfitReferences,
  decodeNfit,
  encodeNfit,
  formatNfit,
  nfitFromJson,
  nfitToJson,
} from '@nvdimm/provider-nfit'
import { printLines } from '../output.js'

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
    .action((file: string | undefined, options: { output?: string }) => {
      const text = readInput(file, 'description').toString('utf8')
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        throw new NvdimmError('EINVAL', `the description is not JSON: ${(error as Error).message}`)
      }
      const bytes = encodeNfit(nfitFromJson(json))
      if (options.output) fs.writeFileSync(options.output, bytes)
      else process.stdout.write(bytes)
    })
}
