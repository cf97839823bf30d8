import * as fs from 'node:fs'
import * as path from 'node:path'
import { type Command, Option } from 'commander'
import {
  ARCH_NAMES,
  type ArchName,
  AUTO_ONLINE_POLICIES,
  type AutoOnlinePolicy,
  type MachineSpec,
  parseSize,
  planKexec,
  toJsonC,
  destroyPlatform,
  initPlatform,
  NvdimmError,
  type Platform,
  type PlatformSpec,
} from '@nvdimm/core'
import { ocxlEntry, parseOcxlOption } from '@nvdimm/provider-ocxl'
import { paprScmEntry, parsePaprOption, type PaprScmEntry } from '@nvdimm/provider-papr-scm'
import {
  e820Entry,
  type E820Range,
  parseE820Table,
  parseMemmap,
  readFirmwareMemmap,
  validateRanges,
} from '@nvdimm/provider-e820'
import { nfitPlatformEntries, type NfitInitOptions } from '../nfit-init.js'
import { DEFAULT_MEMMAP, defaultPlatformSpec } from '../default-platform.js'
import { providerKinds } from '../kinds.js'
import { choosePlatformDir, openPlatform } from '../platform-dir.js'
import { collect } from '../options.js'

interface InitOptions extends NfitInitOptions {
  papr: string[]
  ocxl: string[]
  arch: ArchName
  e820: string[]
  e820Table: string[]
  e820FirmwareMemmap: string[]
  e820Labels?: boolean
  memory?: string
  memhpDefaultState?: AutoOnlinePolicy
  mapSync: boolean
  daxctlConf?: string
  force?: boolean
}

/** How the machine boots: its memory, kernel options and daxctl's boot configuration. */
function machineFrom(options: InitOptions): MachineSpec {
  const memory = options.memory === undefined ? undefined : parseSize(options.memory)
  if (options.memory !== undefined && memory === undefined) {
    throw new NvdimmError('EINVAL', `--memory '${options.memory}' is not a size (512M, 4G)`)
  }
  return {
    ...(memory !== undefined ? { memory } : {}),
    ...(options.memhpDefaultState ? { memhpDefaultState: options.memhpDefaultState } : {}),
    ...(options.mapSync ? {} : { mapSync: false }),
    ...(options.daxctlConf !== undefined ? { daxctlConf: readText(options.daxctlConf) } : {}),
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (error) {
    throw new NvdimmError('ENXIO', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`)
  }
}

/** The platform an init command line asks for; the default topology when it names no provider. */
function specFrom(options: InitOptions): PlatformSpec {
  const ranges: E820Range[] = [
    ...options.e820.flatMap((text) => parseMemmap(text)),
    ...options.e820Table.flatMap((file) => parseE820Table(fs.readFileSync(file, 'utf8'))),
    ...options.e820FirmwareMemmap.flatMap((dir) => readFirmwareMemmap(dir)),
  ]
  const nfitEntries = nfitPlatformEntries(options)
  const papr = options.papr.length
    ? [{ kind: 'papr-scm', entry: paprScmEntry(options.papr.map((text, slot) => parsePaprOption(text, slot))) }]
    : []
  const ocxl = options.ocxl.length
    ? [{ kind: 'ocxl', entry: ocxlEntry(options.ocxl.map((text, slot) => parseOcxlOption(text, slot))) }]
    : []
  const e820Asked = options.e820.length + options.e820Table.length + options.e820FirmwareMemmap.length > 0
  if (!e820Asked && nfitEntries.length === 0 && papr.length === 0 && ocxl.length === 0) {
    if (!options.e820Labels) return { ...defaultPlatformSpec, arch: options.arch, machine: machineFrom(options) }
    ranges.push(...parseMemmap(DEFAULT_MEMMAP))
  }
  const e820 = ranges.length
    ? [{ kind: 'e820', entry: e820Entry(validateRanges(ranges), 0, options.e820Labels ?? false) }]
    : []
  return {
    arch: options.arch,
    machine: machineFrom(options),
    providers: [...nfitEntries.map((entry) => ({ kind: 'nfit', entry })), ...papr, ...ocxl, ...e820],
  }
}

/** The device tree a pseries LPAR boots with, beside its description: device-tree.dtb. */
function writeDeviceTrees(platform: Platform): void {
  for (const { kind, entry } of platform.providers) {
    if (kind !== 'papr-scm') continue
    const file = path.join(platform.dir, 'device-tree.dtb')
    const staging = `${file}.tmp-${process.pid}`
    fs.writeFileSync(staging, (entry as PaprScmEntry).dtb)
    fs.renameSync(staging, file)
  }
}

export function registerPlatform(program: Command): void {
  const platform = program.command('platform').description('create, show and remove emulated platforms')

  platform
    .command('init')
    .description(`create a platform (with no provider options: e820 ${DEFAULT_MEMMAP})`)
    .addOption(
      new Option('--arch <arch>', 'architecture whose page size and alignment rules apply')
        .choices(ARCH_NAMES)
        .default('x86_64'),
    )
    .option(
      '--e820 <memmap>',
      "legacy pmem ranges as the kernel takes them: 'memmap=4G!12G,4G!20G' (repeatable)",
      collect,
      [],
    )
    .option(
      '--e820-table <file>',
      'an e820 table as the kernel logs it (BIOS-e820: [mem …] persistent (type 12))',
      collect,
      [],
    )
    .option('--e820-firmware-memmap <dir>', 'a /sys/firmware/memmap directory', collect, [])
    .option('--e820-labels', 'give every e820 range a label area (its last 128 KiB) so it can hold several namespaces')
    .option(
      '--nfit-qemu <img>',
      "an existing QEMU nvdimm image: 'IMG[,label-size=128K][,node=N][,unarmed=on]' (repeatable, slot order)",
      collect,
      [],
    )
    .option('--nfit-qemu-base <addr>', "guest-physical base of QEMU's device memory", '0x100000000')
    .addOption(
      new Option('--nfit-persistence <domain>', 'QEMU -machine nvdimm-persistence=').choices(['cpu', 'mem-ctrl']),
    )
    .addOption(
      new Option('--nfit-preset <name>', "an NFIT platform: the kernel's nfit_test buses").choices(['nfit-test']),
    )
    .option('--nfit <file>', 'an NFIT table (e.g. /sys/firmware/acpi/tables/NFIT): media files for its ranges')
    .option('--nfit-no-labels', 'give the dimms of --nfit no label areas')
    .option(
      '--papr <size>',
      "a pseries LPAR's spapr-nvdimm: 'SIZE[,label-size=128K][,uuid=U][,node=N][,pmem=on]', SIZE a multiple of 256M (repeatable)",
      collect,
      [],
    )
    .option(
      '--ocxl <size>',
      "an OpenCAPI persistent memory card (experimental): 'SIZE[,label-size=16M][,serial=N][,link=PHB][,fw=VERSION]', SIZE whole 16 MiB sections (repeatable; cards share link 0 unless told)",
      collect,
      [],
    )
    .option('--memory <size>', 'boot memory (QEMU -m; default 1G): what /sys/firmware/memmap lists')
    .addOption(
      new Option('--memhp-default-state <policy>', 'memhp_default_state=: how hot-added memory comes up').choices(
        AUTO_ONLINE_POLICIES,
      ),
    )
    .option('--no-map-sync', 'build default: dax devices refuse MAP_SYNC until turned on (nvdimm map-sync DEV 1)')
    .option('--daxctl-conf <file>', 'daxctl.conf.d contents applied at every boot ([reconfigure-device NAME] sections)')
    .option('-f, --force', 'replace a platform that already exists there')
    .action(async (options: InitOptions, command: Command) => {
      const { dir } = choosePlatformDir(command.optsWithGlobals().platform)
      // A pseries LPAR and an OpenCAPI host are POWER unless the command line says otherwise.
      if ((options.papr.length || options.ocxl.length) && command.getOptionValueSource('arch') === 'default') {
        options.arch = 'ppc64'
      }
      const created = await initPlatform(dir, specFrom(options), providerKinds, { replace: options.force ?? false })
      writeDeviceTrees(created)
      const summary = created.providers.map(({ kind, entry }) => {
        const { ranges, devices, cards } = entry as { ranges?: unknown[]; devices?: unknown[]; cards?: unknown[] }
        if (cards) return `${kind} (${cards.length} cards)`
        return devices ? `${kind} (${devices.length} devices)` : `${kind} (${ranges?.length ?? 0} ranges)`
      })
      process.stderr.write(`created platform at ${created.dir}: ${created.arch}, ${summary.join(', ')}\n`)
    })

  platform
    .command('show')
    .description('print the platform description')
    .action(async (_options: unknown, command: Command) => {
      const opened = await openPlatform(command.optsWithGlobals().platform)
      process.stdout.write(`${JSON.stringify({ dir: opened.dir, ...(opened.toJSON() as object) }, null, 2)}\n`)
    })

  platform
    .command('power-cycle')
    .description('turn the platform off and on: sysfs settings reset, firmware locks and freezes reset')
    .action(async (_options: unknown, command: Command) => {
      const opened = await openPlatform(command.optsWithGlobals().platform)
      await opened.powerCycle()
      process.stderr.write(`power cycled platform at ${opened.dir}\n`)
    })

  platform
    .command('power-fail')
    .description(
      'the power fails: stores a program left in flight keep or lose each line by the seed, and the firmware sees no orderly shutdown (dirty shutdowns count)',
    )
    .option('--seed <n>', 'which lines in flight the caches had evicted in time (default 0)', '0')
    .action(async (options: { seed: string }, command: Command) => {
      if (!/^\d+$/.test(options.seed) || Number(options.seed) > 0xffffffff) {
        throw new NvdimmError('EINVAL', `--seed '${options.seed}' is not a whole number up to 2^32-1`)
      }
      const opened = await openPlatform(command.optsWithGlobals().platform)
      const { uncertainLines, linesLost } = await opened.powerFail({ seed: Number(options.seed) })
      process.stderr.write(
        `power failed platform at ${opened.dir}: ${uncertainLines} cache line${uncertainLines === 1 ? '' : 's'} in flight, ${linesLost} lost\n`,
      )
    })

  platform
    .command('kexec')
    .description(
      'kexec into a new kernel: hypervisor bindings and firmware state stay, sysfs settings and System RAM (kmem) go',
    )
    .option('--dry-run', 'only print what the kexec would do with memory (JSON)')
    .option('--kdump', 'with --dry-run: what a crash into the capture kernel would dump')
    .action(async (options: { dryRun?: boolean; kdump?: boolean }, command: Command) => {
      const opened = await openPlatform(command.optsWithGlobals().platform)
      if (options.kdump && !options.dryRun) throw new NvdimmError('EINVAL', '--kdump goes with --dry-run')
      if (options.dryRun) {
        const session = await opened.start({ readOnly: true })
        try {
          const plan = planKexec(session.nd, { kdump: options.kdump ?? false })
          const range = (r: { start: bigint; end: bigint; name?: string; type?: string }) => ({
            start: `0x${r.start.toString(16)}`,
            end: `0x${r.end.toString(16)}`,
            ...(r.name ? { name: r.name } : {}),
            ...(r.type ? { type: r.type } : {}),
          })
          const json = {
            kind: plan.kind,
            memmap: plan.memmap.map(range),
            ...(plan.kind === 'kexec'
              ? {
                  segments: plan.segments.map((segment) => ({
                    name: segment.name,
                    start: `0x${segment.start.toString(16)}`,
                    size: `0x${segment.size.toString(16)}`,
                  })),
                  skipped: plan.skipped.map(range),
                }
              : { dump: plan.dump.map(range) }),
          }
          process.stdout.write(`${toJsonC(json)}\n`)
        } finally {
          await session.close()
        }
        return
      }
      await opened.kexec()
      process.stderr.write(`kexec'd platform at ${opened.dir}\n`)
    })

  platform
    .command('hot-add-memory')
    .description('plug in a DIMM of ordinary RAM (an ACPI memory device): System RAM that enters the firmware map')
    .argument('<size>', 'whole memory blocks: 1G, 512M (SIZE[@START] to place it)')
    .action(async (text: string, _options: unknown, command: Command) => {
      const [sizeText, startText] = text.split('@') as [string, string | undefined]
      const size = parseSize(sizeText)
      const start = startText === undefined ? undefined : parseSize(startText)
      if (size === undefined || (startText !== undefined && start === undefined)) {
        throw new NvdimmError('EINVAL', `'${text}' is not SIZE[@START] (1G, 1G@64G)`)
      }
      const opened = await openPlatform(command.optsWithGlobals().platform)
      const placed = await opened.hotAddMemory(size, start)
      process.stderr.write(
        `hot-added ${sizeText} of RAM at 0x${placed.start.toString(16)}: System RAM, listed in /sys/firmware/memmap\n`,
      )
    })

  platform
    .command('daxctl-conf')
    .description("show, replace or remove daxctl's boot configuration (applied as devices appear at the next boot)")
    .argument('[file]', "a daxctl.conf ('-' for standard input)")
    .option('--remove', 'remove the configuration')
    .action(async (file: string | undefined, options: { remove?: boolean }, command: Command) => {
      const opened = await openPlatform(command.optsWithGlobals().platform)
      if (options.remove || file !== undefined) {
        await opened.setDaxctlConf(options.remove ? undefined : readText(file!))
        process.stderr.write(`daxctl configuration ${options.remove ? 'removed' : 'set'}: the next boot applies it\n`)
        return
      }
      process.stdout.write(opened.machine.daxctlConf ?? '')
    })

  platform
    .command('destroy')
    .description('remove the platform and its media files')
    .action(async (_options: unknown, command: Command) => {
      const { dir } = choosePlatformDir(command.optsWithGlobals().platform)
      await destroyPlatform(dir)
      process.stderr.write(`destroyed platform at ${dir}\n`)
    })
}
