import { type Command, Option } from 'commander'
import {
  type CheckNamespaceOptions,
  ndctlCheckNamespace,
  ndctlCreateNamespace,
  ndctlDestroyNamespace,
  NvdimmError,
  parseSize,
} from '@nvdimm/core'
import { report } from '../output.js'
import { withUpdate } from '../session.js'

export function registerNamespaces(program: Command): void {
  program
    .command('create-namespace')
    .description('provision or reconfigure a namespace: fsdax, devdax, sector (BTT) or raw')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-e, --reconfig <reconfig namespace>', 'reconfigure an existing namespace')
    .option('-u, --uuid <uuid>', 'specify the uuid')
    .option('-n, --name <name>', 'specify an optional free form name for the namespace')
    .option('-s, --size <size>', 'specify the namespace size in bytes (default: available capacity)')
    .option('-m, --mode <operation-mode>', "specify a mode for the namespace, 'sector', 'fsdax', 'devdax' or 'raw'")
    .option(
      '-M, --map <memmap-location>',
      "specify 'mem' or 'dev' for the location of the memmap, or 'none' (devdax only) for no info block",
    )
    .option('-l, --sector-size <lba-size>', 'specify the logical sector size in bytes')
    .option('-t, --type <type>', "specify the type of namespace to create 'pmem' or 'blk'")
    .option('-a, --align <align>', 'specify the namespace alignment in bytes (default: 2M)')
    .option('-f, --force', 'reconfigure namespace even if currently active')
    .addOption(new Option('-R, --autorecover', 'delete partially configured namespaces (default)').default(true))
    .option('--no-autorecover', 'keep a partially configured namespace')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .action(async (options, command: Command) => {
      report(await withUpdate(command, (nd) => ndctlCreateNamespace(nd, options)))
    })

  program
    .command('destroy-namespace')
    .description('destroy the given namespace(s)')
    .argument('[namespace]', 'a namespace name (namespace0.1) or "all"')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-f, --force', 'destroy namespace even if currently active')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .action(
      async (
        namespace: string | undefined,
        options: { bus?: string; region?: string; force?: boolean },
        command: Command,
      ) => {
        if (namespace === undefined) throw new NvdimmError('EINVAL', 'specify a namespace to destroy, or "all"')
        report(await withUpdate(command, (nd) => ndctlDestroyNamespace(nd, namespace, options)))
      },
    )

  program
    .command('check-namespace')
    .description('check (and with --repair fix) the BTT metadata of a sector-mode namespace')
    .argument('[namespace]', 'a namespace name (namespace0.0) or "all"')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-R, --repair', 'perform metadata repairs')
    .option('-L, --rewrite-log', 'regenerate the log')
    .option('-f, --force', 'check namespace even if currently active')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .action(async (namespace: string | undefined, options: CheckNamespaceOptions, command: Command) => {
      if (namespace === undefined) throw new NvdimmError('EINVAL', 'specify a namespace to check, or "all"')
      report(await withUpdate(command, (nd) => ndctlCheckNamespace(nd, namespace, options)))
    })

  program
    .command('region-align')
    .description("show or set a region's namespace alignment (the kernel's regionN/align attribute)")
    .argument('<region>', 'regionN')
    .argument('[align]', 'new alignment, e.g. 0x200000 or 2M')
    .action(async (region: string, align: string | undefined, _options: unknown, command: Command) => {
      await withUpdate(command, async (nd) => {
        const target = nd.region(region)
        if (align !== undefined) {
          const value = parseSize(align)
          if (value === undefined) throw new NvdimmError('EINVAL', `cannot parse alignment '${align}'`)
          target.setAlign(value)
        }
        process.stdout.write(`0x${target.align.toString(16)}\n`)
      })
    })
}
