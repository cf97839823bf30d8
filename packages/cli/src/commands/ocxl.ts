import * as fs from 'node:fs'
import type { Command } from 'commander'
import { type Dimm, type Nvdimm, NvdimmError, selectDimms } from '@nvdimm/core'
import {
  OCXL_FAULT_KINDS,
  type OcxlEntry,
  type OcxlFault,
  ocxlControllerDump,
  ocxlControllerStats,
  ocxlErrorLog,
  ocxlEventCheck,
  ocxlShutdown,
  withOcxlFault,
} from '@nvdimm/provider-ocxl'
import { exitCodeOf, printError } from '../output.js'
import { openPlatform } from '../platform-dir.js'
import { withReadOnly, withUpdate } from '../session.js'

function whole(text: string, what: string): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new NvdimmError('EINVAL', `${what} '${text}' is not a whole number`)
  return Number(text)
}

/** The OpenCAPI dimms among the named ones (ndctl's nmemN or "all"). */
function ocxlDimms(nd: Nvdimm, idents: readonly string[]): Dimm[] {
  const dimms = selectDimms(nd, idents.length ? idents : ['all'], undefined).filter((dimm) =>
    dimm.bus.providerName.startsWith('ocxlpmem'),
  )
  if (dimms.length === 0) throw new NvdimmError('ENXIO', `no OpenCAPI dimm matches ${idents.join(' ') || 'all'}`)
  return dimms
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`)
}

/** Run a card function on each dimm; every dimm is tried, and any failure decides the exit code. */
async function eachDimm<T>(dimms: Dimm[], run: (dimm: Dimm) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  const failures: NvdimmError[] = []
  for (const dimm of dimms) {
    try {
      results.push(await run(dimm))
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      failures.push(error)
    }
  }
  if (results.length === 0 && failures.length === 1) throw failures[0]
  for (const failure of failures) printError(failure)
  if (failures.length) process.exitCode = exitCodeOf(failures[0]!)
  return results
}

interface FaultOptions {
  prc: string
  data?: string
  times: string
  status: string
  smart?: string
}

function faultFrom(serialText: string, kind: string, options: FaultOptions): OcxlFault {
  if (!/^(0x)?[0-9a-fA-F]{1,16}$/.test(serialText)) {
    throw new NvdimmError('EINVAL', `'${serialText}' is not a card serial number (hex, as the dimm id: 1000 or 0x1000)`)
  }
  const serial = BigInt(serialText.startsWith('0x') ? serialText : `0x${serialText}`)
  switch (kind) {
    case 'error-log': {
      if (options.data !== undefined && !/^([0-9a-fA-F]{2})*$/.test(options.data)) {
        throw new NvdimmError('EINVAL', '--data is the entry data as hex bytes')
      }
      return {
        kind,
        serial,
        programReferenceCode: whole(options.prc, '--prc'),
        ...(options.data ? { data: Uint8Array.from(Buffer.from(options.data, 'hex')) } : {}),
      }
    }
    case 'hang':
      return { kind, serial, times: whole(options.times, '--times') }
    case 'fail':
      return { kind, serial, times: whole(options.times, '--times'), status: whole(options.status, '--status') }
    case 'smart': {
      let values: unknown
      try {
        values = JSON.parse(options.smart ?? '')
      } catch {
        throw new NvdimmError('EINVAL', `smart needs --smart '{"healthState":"critical",…}' (JSON)`)
      }
      return { kind, serial, values: values as Extract<OcxlFault, { kind: 'smart' }>['values'] }
    }
    case 'controller-dump':
    case 'firmware-fatal':
    case 'hardware-fatal':
    case 'never-ready':
    case 'clear':
      return { kind, serial }
    default:
      throw new NvdimmError('EINVAL', `'${kind}' is not an OpenCAPI fault: ${OCXL_FAULT_KINDS.join(', ')}`)
  }
}

/**
 * `nvdimm ocxl …`: the card's functions through ND_CMD_CALL on nmemN (the one command channel),
 * and the faults a test leaves on a card.
 */
export function registerOcxl(program: Command): void {
  const ocxl = program.command('ocxl').description('OpenCAPI persistent memory cards (experimental)')
  const dimmsArgument = ['[dimms...]', 'nmemN ... or "all" (the default)'] as const

  ocxl
    .command('error-log')
    .description("read (and take) the oldest entry of each card's error log")
    .argument(...dimmsArgument)
    .option('-s, --size <bytes>', 'buffer for what follows the header: a multiple of 8, at least 16', '4096')
    .action(async (idents: string[], options: { size: string }, command: Command) => {
      const size = whole(options.size, '--size')
      const logs = await withUpdate(command, (nd) =>
        eachDimm(ocxlDimms(nd, idents), async (dimm) => {
          const log = await ocxlErrorLog(dimm, size)
          return {
            dimm: dimm.name,
            log_identifier: log.logIdentifier,
            program_reference_code: `0x${log.programReferenceCode.toString(16).padStart(8, '0')}`,
            timestamp_ms: log.timestamp,
            data_length: log.length,
            data: Buffer.from(log.data.subarray(16)).toString('hex'),
          }
        }),
      )
      printJson(logs)
    })

  ocxl
    .command('controller-stats')
    .description("each card's controller statistics")
    .argument(...dimmsArgument)
    .action(async (idents: string[], _options: unknown, command: Command) => {
      const stats = await withUpdate(command, (nd) =>
        eachDimm(ocxlDimms(nd, idents), async (dimm) => {
          const { powerOnMs, adminCommands, errorLogEntries } = await ocxlControllerStats(dimm)
          return {
            dimm: dimm.name,
            power_on_ms: powerOnMs,
            admin_commands: adminCommands,
            error_log_entries: errorLogEntries,
          }
        }),
      )
      printJson(stats)
    })

  ocxl
    .command('controller-dump')
    .description("read a card's controller dump into a file (the card drops it once read)")
    .argument('<dimm>', 'nmemN')
    .requiredOption('-o, --output <file>', 'where the dump goes')
    .action(async (ident: string, options: { output: string }, command: Command) => {
      const dump = await withUpdate(command, async (nd) => {
        const [dimm] = ocxlDimms(nd, [ident])
        return { dimm: dimm!.name, bytes: await ocxlControllerDump(dimm!) }
      })
      const staging = `${options.output}.tmp-${process.pid}`
      fs.writeFileSync(staging, dump.bytes)
      fs.renameSync(staging, options.output)
      printJson({ dimm: dump.dimm, size: dump.bytes.length, file: options.output })
    })

  ocxl
    .command('events')
    .description('the controller conditions standing on each card (error log, dump, firmware or hardware fatal)')
    .argument(...dimmsArgument)
    .action(async (idents: string[], _options: unknown, command: Command) => {
      const events = await withReadOnly(command, (nd) =>
        eachDimm(ocxlDimms(nd, idents), async (dimm) => ({ dimm: dimm.name, events: await ocxlEventCheck(dimm) })),
      )
      printJson(events)
    })

  ocxl
    .command('shutdown')
    .description('shut the controllers down cleanly: memory unavailable until the next power-on, which finds it clean')
    .argument(...dimmsArgument)
    .action(async (idents: string[], _options: unknown, command: Command) => {
      const done = await withUpdate(command, (nd) =>
        eachDimm(ocxlDimms(nd, idents), async (dimm) => {
          await ocxlShutdown(dimm)
          return dimm.name
        }),
      )
      process.stderr.write(`shut down ${done.length} controller${done.length === 1 ? '' : 's'}\n`)
    })

  ocxl
    .command('fault')
    .argument('<serial>', 'the card, by serial number in hex, as its dimm id shows it (1000 or 0x1000)')
    .argument('<kind>', OCXL_FAULT_KINDS.join(' | '))
    .description('leave a condition on a card for the next command to meet')
    .option('--prc <code>', 'error-log: the program reference code', '0')
    .option('--data <hex>', 'error-log: the entry data, hex bytes')
    .option('--times <n>', 'hang, fail: how many admin commands', '1')
    .option('--status <n>', 'fail: the status they complete with (0x05 DEVICE_ERROR)', '0x05')
    .option('--smart <json>', 'smart: SMART values, e.g. \'{"healthState":"critical","mediaTemperature":90}\'')
    .action(async (serial: string, kind: string, options: FaultOptions, command: Command) => {
      const fault = faultFrom(serial, kind, options)
      const platform = await openPlatform(command.optsWithGlobals().platform)
      const provider = platform.providers.findIndex((entry) => entry.kind === 'ocxl')
      if (provider < 0) throw new NvdimmError('ENXIO', `${platform.dir} has no OpenCAPI cards`)
      await platform.updateFirmware(provider, (entry, state, counts) =>
        withOcxlFault(entry as OcxlEntry, state, counts, fault),
      )
    })
}
