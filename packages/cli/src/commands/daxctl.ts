import type { Command } from 'commander'
import {
  daxctlList,
  type DaxctlListOptions,
  daxctlMemoryCommand,
  daxctlReconfigureDevice,
  parseDaxctlConf,
  parseSize,
} from '@nvdimm/core'
import { openPlatform } from '../platform-dir.js'
import { report } from '../output.js'
import { withReadOnly, withUpdate } from '../session.js'

interface ReconfigureCliOptions {
  mode?: string
  region?: string
  online: boolean
  force?: boolean
  movable: boolean
  size?: string
  align?: string
  human?: boolean
  verbose?: boolean
  checkConfig?: boolean
}

interface MemoryCliOptions {
  region?: string
  movable?: boolean
  verbose?: boolean
}

/** parse_size64(): what does not parse counts as not given. */
const size = (text: string) => parseSize(text)

/** `nvdimm daxctl …`: ndctl's companion for dax devices, as daxctl (v76) speaks. */
export function registerDaxctl(program: Command): void {
  const daxctl = program
    .command('daxctl')
    .description('dax devices: list them, and turn them into System RAM (kmem) and back, as daxctl does')

  daxctl
    .command('list')
    .description('list dax devices and regions as JSON')
    .option('-r, --region <region-id>', 'filter by region')
    .option('-d, --dev <dev-id>', 'filter by dax device instance name')
    .option('-D, --devices', 'include dax device info')
    .option('-R, --regions', 'include dax region info')
    .option('-M, --mappings', 'include dax mappings info')
    .option('-i, --idle', 'include idle devices')
    .option('-u, --human', 'use human friendly number formats')
    .action(async (options: DaxctlListOptions, command: Command) => {
      report(await withReadOnly(command, async (nd) => daxctlList(nd, options)))
    })

  daxctl
    .command('reconfigure-device')
    .description("change a dax device's mode: system-ram (kmem) or devdax")
    .argument('[device]', 'daxX.Y, X.Y, or "all"')
    .option('-r, --region <region-id>', 'filter by region')
    .option('-m, --mode <mode>', 'mode to switch the device to (system-ram, devdax)')
    .option('-N, --no-online', "don't auto-online memory sections")
    .option('-f, --force', 'attempt to offline memory sections before reconfiguration')
    .option('--no-movable', 'online memory in ZONE_NORMAL')
    .option('-s, --size <size>', 'size to switch the device to')
    .option('-a, --align <align>', 'alignment to switch the device to')
    .option('-C, --check-config', "use the platform's daxctl configuration (platform daxctl-conf) for the parameters")
    .option('-u, --human', 'use human friendly number formats')
    .option('-v, --verbose', 'emit more debug messages')
    .action(async (device: string | undefined, options: ReconfigureCliOptions, command: Command) => {
      const checkConfig = options.checkConfig
        ? parseDaxctlConf((await openPlatform(command.optsWithGlobals().platform)).machine.daxctlConf ?? '')
        : undefined
      const { checkConfig: _, online, movable, size: sizeText, align: alignText, ...rest } = options
      const outcome = await withUpdate(command, async (nd) =>
        daxctlReconfigureDevice(nd, device, {
          ...rest,
          noOnline: !online,
          noMovable: !movable,
          ...(sizeText !== undefined ? { size: size(sizeText) } : {}),
          ...(alignText !== undefined ? { align: size(alignText) } : {}),
          ...(checkConfig ? { checkConfig } : {}),
        }),
      )
      report(outcome)
    })

  for (const action of ['online', 'offline'] as const) {
    const sub = daxctl
      .command(`${action}-memory`)
      .description(`${action} the memory of a dax device in system-ram mode`)
      .argument('[device]', 'daxX.Y, X.Y, or "all"')
      .option('-r, --region <region-id>', 'filter by region')
      .option('-u, --human', 'use human friendly number formats')
      .option('-v, --verbose', 'emit more debug messages')
    if (action === 'online') sub.option('--no-movable', 'online memory in ZONE_NORMAL')
    sub.action(async (device: string | undefined, options: MemoryCliOptions, command: Command) => {
      const outcome = await withUpdate(command, async (nd) =>
        daxctlMemoryCommand(nd, action, device, { ...options, noMovable: options.movable === false }),
      )
      report(outcome)
    })
  }
}
