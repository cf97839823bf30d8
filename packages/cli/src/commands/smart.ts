import type { Command } from 'commander'
import { type InjectSmartOptions, ndctlInjectSmart, parseSmartRequest } from '@nvdimm/core'
import { report } from '../output.js'
import { withUpdate } from '../session.js'

/** `inject-smart` with ndctl's options (ndctl/inject-smart.c SMART_OPTIONS). */
export function registerSmart(program: Command): void {
  program
    .command('inject-smart')
    .description('perform smart threshold/injection operations on a DIMM')
    .argument('[dimm...]', 'the dimm: nmemN, N or "all" (the first that matches)')
    .option('-b, --bus <bus-id>', 'limit dimm to a bus with an id or provider of <bus-id>')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .option('-u, --human', 'use human friendly number formats')
    .option('-m, --media-temperature <value>', 'inject a value for smart media temperature')
    .option('-M, --media-temperature-threshold <value>', 'set threshold value for smart media temperature')
    .option('--media-temperature-alarm <on|off>', 'enable or disable the smart media temperature alarm')
    .option('--media-temperature-uninject', 'uninject media temperature')
    .option('-c, --ctrl-temperature <value>', 'inject a value for smart controller temperature')
    .option('-C, --ctrl-temperature-threshold <value>', 'set threshold value for smart controller temperature')
    .option('--ctrl-temperature-alarm <on|off>', 'enable or disable the smart controller temperature alarm')
    .option('--ctrl-temperature-uninject', 'uninject controller temperature')
    .option('-s, --spares <value>', 'inject a value for smart spares')
    .option('-S, --spares-threshold <value>', 'set a threshold value for smart spares')
    .option('--spares-alarm <on|off>', 'enable or disable the smart spares alarm')
    .option('--spares-uninject', 'uninject spare percentage')
    .option('-f, --fatal', 'inject fatal smart health status')
    .option('-F, --fatal-uninject', 'uninject fatal health condition')
    .option('-U, --unsafe-shutdown', 'inject smart unsafe shutdown status')
    .option('--unsafe-shutdown-uninject', 'uninject unsafe shutdown status')
    .option('-N, --uninject-all', 'uninject all possible fields')
    .action(async (dimms: string[], options: InjectSmartOptions, command: Command) => {
      // ndctl refuses bad options before it opens anything.
      parseSmartRequest(options)
      report(await withUpdate(command, (nd) => ndctlInjectSmart(nd, dimms, options)))
    })
}
