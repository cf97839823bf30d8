import type { Command } from 'commander'
import { formatFirmwareMemmap, formatIomem, NvdimmError, pmemResources } from '@nvdimm/core'
import { withReadOnly } from '../session.js'

/** `nvdimm iomem` and `nvdimm firmware-memmap`: the kernel's resource tree and the firmware's own map. */
export function registerIomem(program: Command): void {
  program
    .command('iomem')
    .description('the persistent-memory and Soft Reserved ranges of /proc/iomem and what the drivers claimed in them')
    .action(async (_options: unknown, command: Command) => {
      const text = await withReadOnly(command, async (nd) => formatIomem(pmemResources(nd)))
      process.stdout.write(text)
    })

  program
    .command('firmware-memmap')
    .description('/sys/firmware/memmap: the raw firmware memory map kexec hands on (never driver-managed RAM)')
    .action(async (_options: unknown, command: Command) => {
      const text = await withReadOnly(command, async (nd) => {
        // CONFIG_FIRMWARE_MEMMAP is x86's (and a few others'): POWER hands kexec its device tree.
        if (nd.arch.name !== 'x86_64') {
          throw new NvdimmError(
            'ENXIO',
            `${nd.arch.name} has no /sys/firmware/memmap: kexec reads the device tree's memory nodes ('platform kexec --dry-run' shows them)`,
          )
        }
        return formatFirmwareMemmap(nd.firmwareMemmap())
      })
      process.stdout.write(text)
    })
}
