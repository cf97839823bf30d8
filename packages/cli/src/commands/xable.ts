import type { Command } from 'commander'
import { ndctlXableNamespace, ndctlXableRegion, NvdimmError, type XableAction, type XableResult } from '@nvdimm/core'
import { printError, printLines } from '../output.js'
import { withUpdate } from '../session.js'

function report(result: XableResult): number {
  for (const error of result.errors) printError(error)
  printLines(result.messages)
  return result.rc < 0 ? (256 + result.rc) & 0xff : 0
}

function registerRegionCommand(program: Command, action: XableAction): void {
  program
    .command(`${action}-region`)
    .description(`${action} the given region(s) and all descendant namespaces`)
    .argument('[region]', 'a region name (region0), an id, or "all"')
    .option('-b, --bus <bus-id>', '<region> must be on a bus with an id/provider of <bus-id>')
    .option('-t, --type <region-type>', '<region> must be of the specified type')
    .action(async (region: string | undefined, options: { bus?: string; type?: string }, command: Command) => {
      if (region === undefined) throw new NvdimmError('EINVAL', 'specify a specific region id to act on, or "all"')
      const result = await withUpdate(command, (nd) => ndctlXableRegion(nd, action, region, options))
      process.exitCode = report(result)
    })
}

function registerNamespaceCommand(program: Command, action: XableAction): void {
  program
    .command(`${action}-namespace`)
    .description(`${action} the given namespace(s)`)
    .argument('[namespace]', 'a namespace name (namespace0.0) or "all"')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .action(async (namespace: string | undefined, options: { bus?: string; region?: string }, command: Command) => {
      if (namespace === undefined) throw new NvdimmError('EINVAL', `specify a namespace to ${action}, or "all"`)
      const result = await withUpdate(command, (nd) => ndctlXableNamespace(nd, action, namespace, options))
      process.exitCode = report(result)
    })
}

export function registerXable(program: Command): void {
  registerNamespaceCommand(program, 'enable')
  registerNamespaceCommand(program, 'disable')
  registerRegionCommand(program, 'enable')
  registerRegionCommand(program, 'disable')
}
