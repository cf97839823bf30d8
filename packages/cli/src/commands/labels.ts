import * as fs from 'node:fs'
import type { Command } from 'commander'
import {
  ndctlCheckLabels,
  ndctlInitLabels,
  ndctlReadLabels,
  ndctlWriteLabels,
  ndctlXableDimm,
  ndctlZeroLabels,
  NvdimmError,
} from '@nvdimm/core'
import { report } from '../output.js'
import { withReadOnly, withUpdate } from '../session.js'

/** -s / -O: a decimal count of bytes, as ndctl's OPT_UINTEGER takes it. */
function bytes(value: string): number {
  if (!/^\d+$/.test(value)) throw new NvdimmError('EINVAL', `expected a number of bytes, got '${value}'`)
  return Number(value)
}

function dimmArguments(dimms: string[], verb: string): string[] {
  if (dimms.length === 0) throw new NvdimmError('EINVAL', `specify the dimms to ${verb} (nmemN ...), or "all"`)
  return dimms
}

/** A command over dimms: `<name> [dimms...] -b -v`, as ndctl's BASE_OPTIONS give every one. */
function dimmCommand(program: Command, name: string, description: string, argument = '[dimms...]'): Command {
  return program
    .command(name)
    .description(description)
    .argument(argument, argument === '[dimm]' ? 'nmemN' : 'nmemN ... or "all"')
    .option('-b, --bus <bus-id>', '<nmem> must be on a bus with an id/provider of <bus-id>')
    .option('-v, --verbose', 'turn on debug')
}

function extentOptions(command: Command): Command {
  return command
    .option('-s, --size <n>', 'number of label bytes to operate', bytes)
    .option('-O, --offset <n>', 'offset into the label area to start operation', bytes)
}

export function registerLabels(program: Command): void {
  dimmCommand(program, 'init-labels', 'write fresh namespace index blocks to the label area')
    .option('-f, --force', 'force initialization even if existing index-block present')
    .option('-V, --label-version <version-number>', 'namespace label specification version (default: 1.1)')
    .action(
      async (dimms: string[], options: { bus?: string; force?: boolean; labelVersion?: string }, command: Command) => {
        report(await withUpdate(command, (nd) => ndctlInitLabels(nd, dimmArguments(dimms, 'initialize'), options)))
      },
    )

  dimmCommand(program, 'check-labels', 'validate the namespace index blocks and report label faults').action(
    async (dimms: string[], options: { bus?: string }, command: Command) => {
      report(await withReadOnly(command, (nd) => ndctlCheckLabels(nd, dimmArguments(dimms, 'check'), options)))
    },
  )

  program
    .command('read-labels')
    .description("read the label area, raw or as ndctl's JSON")
    .argument('[dimms...]', 'nmemN ... or "all"')
    .option('-b, --bus <bus-id>', '<nmem> must be on a bus with an id/provider of <bus-id>')
    .option('-s, --size <n>', 'number of label bytes to operate', bytes)
    .option('-O, --offset <n>', 'offset into the label area to start operation', bytes)
    .option('-o, --output <output-file>', 'filename to write label area contents')
    .option('-j, --json', 'parse label data into json')
    .option('-u, --human', 'use human friendly number formats (implies --json)')
    .option('-I, --index', 'limit read to the index block area')
    .action(
      async (
        dimms: string[],
        options: {
          bus?: string
          size?: number
          offset?: number
          output?: string
          json?: boolean
          human?: boolean
          index?: boolean
        },
        command: Command,
      ) => {
        const outcome = await withReadOnly(command, (nd) => ndctlReadLabels(nd, dimmArguments(dimms, 'read'), options))
        if (options.output !== undefined && outcome.stdout !== undefined) {
          fs.writeFileSync(options.output, outcome.stdout)
          delete outcome.stdout
        }
        report(outcome)
      },
    )

  extentOptions(
    dimmCommand(program, 'write-labels', 'write a label area image (a file or standard input) to one dimm', '[dimm]'),
  )
    .option('-i, --input <input-file>', 'filename to read label area data')
    .action(
      async (
        dimm: string | undefined,
        options: { bus?: string; size?: number; offset?: number; input?: string },
        command: Command,
      ) => {
        const [target] = dimmArguments(dimm === undefined ? [] : [dimm], 'write')
        const input = new Uint8Array(fs.readFileSync(options.input ?? 0))
        report(await withUpdate(command, (nd) => ndctlWriteLabels(nd, target!, input, options)))
      },
    )

  extentOptions(dimmCommand(program, 'zero-labels', 'zero the label area')).action(
    async (dimms: string[], options: { bus?: string; size?: number; offset?: number }, command: Command) => {
      report(await withUpdate(command, (nd) => ndctlZeroLabels(nd, dimmArguments(dimms, 'zero'), options)))
    },
  )

  for (const action of ['enable', 'disable'] as const) {
    dimmCommand(program, `${action}-dimm`, `${action} the nvdimm driver of the given dimm(s)`).action(
      async (dimms: string[], options: { bus?: string }, command: Command) => {
        report(await withUpdate(command, (nd) => ndctlXableDimm(nd, action, dimmArguments(dimms, action), options)))
      },
    )
  }
}
