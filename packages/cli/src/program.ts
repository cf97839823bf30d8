import { Command, CommanderError } from 'commander'
import { isNvdimmError, NvdimmError } from '@nvdimm/core'
import { registerData } from './commands/data.js'
import { registerDaxAttributes } from './commands/dax-attributes.js'
import { registerDaxctl } from './commands/daxctl.js'
import { registerNbd } from './commands/nbd.js'
import { registerDmesg } from './commands/dmesg.js'
import { registerFirmware } from './commands/firmware.js'
import { registerInfoblock } from './commands/infoblock.js'
import { registerIomem } from './commands/iomem.js'
import { registerLabels } from './commands/labels.js'
import { registerList } from './commands/list.js'
import { registerMonitor } from './commands/monitor.js'
import { registerSmart } from './commands/smart.js'
import { registerNamespaces } from './commands/namespaces.js'
import { registerNfit } from './commands/nfit.js'
import { registerOcxl } from './commands/ocxl.js'
import { registerPapr } from './commands/papr.js'
import { registerPlatform } from './commands/platform.js'
import { registerScrub } from './commands/scrub.js'
import { registerSecurity } from './commands/security.js'
import { registerXable } from './commands/xable.js'
import { exitCodeOf, printError } from './output.js'
import { VERSION } from './version.js'

export function buildProgram(): Command {
  const program = new Command('nvdimm')
    .description("the Linux NVDIMM subsystem, emulated: ndctl's commands, options and JSON")
    .version(VERSION, '--version', 'print the version')
    .option('--platform <dir>', 'platform directory (default: $NVDIMM_PLATFORM, else the per-user default)')
    .showSuggestionAfterError(true)
  registerList(program)
  registerXable(program)
  registerNamespaces(program)
  registerInfoblock(program)
  registerData(program)
  registerNbd(program)
  registerDaxAttributes(program)
  registerDaxctl(program)
  registerLabels(program)
  registerSecurity(program)
  registerSmart(program)
  registerFirmware(program)
  registerMonitor(program)
  registerPlatform(program)
  registerDmesg(program)
  registerIomem(program)
  registerNfit(program)
  registerPapr(program)
  registerOcxl(program)
  registerScrub(program)
  return program
}

/** Run the CLI; resolve to the exit code. Errors become "error: … (ERRNO)" on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram()
  let usageError: string | undefined
  const configure = (command: Command): void => {
    command.exitOverride()
    command.configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text) => {
        usageError = text
          .replace(/^error:\s*/, '')
          .trim()
          .replace(/\s*\n\s*/g, ' ')
      },
    })
    for (const sub of command.commands) configure(sub)
  }
  configure(program)
  process.exitCode = 0
  try {
    await program.parseAsync(argv as string[])
    return Number(process.exitCode ?? 0)
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0
      const message = usageError ?? error.message.replace(/^error:\s*/, '')
      const invalid = new NvdimmError('EINVAL', message)
      printError(invalid)
      return exitCodeOf(invalid)
    }
    if (isNvdimmError(error)) {
      printError(error)
      return exitCodeOf(error)
    }
    throw error
  }
}
