import { type Command, Option } from 'commander'
import { NvdimmError } from '@nvdimm/core'
import { withReadOnly } from '../session.js'

/** util-linux dmesg's level names for the kernel's log levels this model has. */
const LEVELS = { err: 'error', warn: 'warn', info: 'info', debug: 'debug' } as const

/**
 * `nvdimm dmesg`: what the kernel logged while it probed the platform (every command boots it
 * afresh, so this is the log of the boot the other commands see): a card that never became
 * ready, a device-tree node that was refused, a bind that had to be retried.
 */
export function registerDmesg(program: Command): void {
  program
    .command('dmesg')
    .description("the kernel's log of probing the platform")
    .addOption(
      new Option('-l, --level <list>', 'only these levels, comma-separated (err, warn, info, debug)').argParser(
        (text: string) =>
          text.split(',').map((name) => {
            const level = LEVELS[name as keyof typeof LEVELS]
            if (!level) throw new NvdimmError('EINVAL', `unknown level '${name}' (err, warn, info, debug)`)
            return level
          }),
      ),
    )
    .action(async (options: { level?: string[] }, command: Command) => {
      const lines = await withReadOnly(command, async (nd) =>
        nd.dmesg.filter((entry) => !options.level || options.level.includes(entry.level)).map((entry) => entry.message),
      )
      process.stdout.write(lines.map((line) => `${line}\n`).join(''))
    })
}
