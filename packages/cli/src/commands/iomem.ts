import type { Command } from 'commander'
import { formatIomem, pmemResources } from '@nvdimm/core'
import { withReadOnly } from '../session.js'

/** `nvdimm iomem`: the persistent-memory part of /proc/iomem, in the kernel's format. */
export function registerIomem(program: Command): void {
  program
    .command('iomem')
    .description('the persistent-memory ranges of /proc/iomem and what the drivers claimed in them')
    .action(async (_options: unknown, command: Command) => {
      const text = await withReadOnly(command, async (nd) => formatIomem(pmemResources(nd)))
      process.stdout.write(text)
    })
}
