import { type Command, Option } from 'commander'
import { ndctlList } from '@nvdimm/core'
import { withReadOnly } from '../session.js'

function increase(_value: string, previous: number): number {
  return previous + 1
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list buses, dimms, regions and namespaces as ndctl does')
    .option('-b, --bus <bus-id>', 'filter by bus')
    .option('-r, --region <region-id>', 'filter by region')
    .option('-d, --dimm <dimm-id>', 'filter by dimm')
    .option('-n, --namespace <namespace-id>', 'filter by namespace id')
    .option('-m, --mode <namespace-mode>', 'filter by namespace mode')
    .option('-t, --type <region-type>', 'filter by region-type')
    .option('-U, --numa-node <numa-node>', 'filter by numa node')
    .option('-B, --buses', 'include bus info')
    .option('-D, --dimms', 'include dimm info')
    .option('-F, --firmware', 'include firmware info')
    .option('-H, --health', 'include dimm health')
    .option('-R, --regions', 'include region info')
    .option('-N, --namespaces', 'include namespace info (default)')
    .option('-X, --device-dax', 'include device-dax info')
    .option('-C, --capabilities', 'include region capability info')
    .option('-i, --idle', 'include idle devices')
    .option('-c, --configured', 'include configured namespaces, disabled or not')
    .option('-M, --media-errors', 'include media errors')
    .option('-u, --human', 'use human friendly number formats')
    .addOption(new Option('-v, --verbose', 'increase output detail').argParser(increase).default(0))
    .action(async (options, command: Command) => {
      const output = await withReadOnly(command, (nd) => ndctlList(nd, options))
      if (output !== undefined) process.stdout.write(`${output}\n`)
    })
}
