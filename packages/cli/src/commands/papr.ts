import * as fs from 'node:fs'
import type { Command } from 'commander'
import { NvdimmError } from '@nvdimm/core'
import {
  decodeFdt,
  findPaprScmNodes,
  formatDts,
  parseHcall,
  parsePaprScmNode,
  readDeviceTreeDir,
  withPaprFault,
  type DtNode,
  type PaprFault,
  type PaprScmEntry,
} from '@nvdimm/provider-papr-scm'
import { openPlatform } from '../platform-dir.js'
import { printLines } from '../output.js'

/** A DTB file, or a /proc/device-tree-style directory. */
function readTree(source: string): { tree: DtNode; memReserve?: { address: bigint; size: bigint }[] } {
  let stat
  try {
    stat = fs.statSync(source)
  } catch (error) {
    throw new NvdimmError('ENXIO', `cannot open ${source}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  if (stat.isDirectory()) return { tree: readDeviceTreeDir(source) }
  const decoded = decodeFdt(fs.readFileSync(source))
  return { tree: decoded.tree, memReserve: decoded.memReserve }
}

export function registerPapr(program: Command): void {
  const papr = program.command('papr').description('PowerPC pseries: device trees and hypervisor faults of SCM devices')
  registerPaprFault(papr)
  const dtb = papr.command('dtb').description('flattened device trees')
  dtb
    .command('decode')
    .argument('<source>', 'a DTB file, or a /proc/device-tree directory')
    .description('print the ibm,pmemory nodes papr_scm would probe, or the whole tree as dtc -O dts does')
    .option('--dts', 'print the whole tree as dtc -I dtb -O dts does')
    .action((source: string, options: { dts?: boolean }) => {
      const { tree, memReserve } = readTree(source)
      if (options.dts) {
        process.stdout.write(formatDts(tree, memReserve ? { memReserve } : {}))
        return
      }
      const nodes = []
      for (const { node, path } of findPaprScmNodes(tree)) {
        try {
          const scm = parsePaprScmNode(node, path)
          nodes.push({
            path: scm.path,
            drc_index: `0x${scm.drcIndex.toString(16)}`,
            block_size: Number(scm.blockSize),
            blocks: Number(scm.blockCount),
            size: Number(scm.blockSize * scm.blockCount),
            unit_guid: scm.unitGuid,
            ...(scm.metadataSize !== undefined ? { metadata_size: scm.metadataSize } : {}),
            volatile: scm.isVolatile,
            hcall_flush_required: scm.hcallFlushRequired,
            compatible: scm.compatible,
          })
        } catch (error) {
          // papr_scm_probe() fails that one device and goes on.
          if (!(error instanceof NvdimmError)) throw error
          printLines([`error: ${error.message} (${error.errno})`])
          process.exitCode = 256 - 19
        }
      }
      process.stdout.write(`${JSON.stringify(nodes, null, 2)}\n`)
    })
}

interface FaultOptions {
  opcode: string
  times: string
  order: string
  bits?: string
}

const FAULT_KINDS = ['busy', 'long-busy', 'hardware', 'leave-binding', 'health', 'clear'] as const

function whole(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new NvdimmError('EINVAL', `${what} '${text}' is not a whole number`)
  return Number(text)
}

/** The fault a `papr fault` command line describes. */
function faultFrom(drc: string, kind: string, options: FaultOptions): PaprFault {
  const drcIndex = Number(drc)
  if (!Number.isInteger(drcIndex) || drcIndex < 0) throw new NvdimmError('EINVAL', `'${drc}' is not a drc index`)
  const opcode = parseHcall(options.opcode)
  const times = whole(options.times, '--times')
  switch (kind) {
    case 'busy':
    case 'hardware':
      return { kind, drcIndex, opcode, times }
    case 'long-busy':
      return { kind, drcIndex, opcode, times, order: whole(options.order, '--order') }
    case 'leave-binding':
    case 'clear':
      return { kind, drcIndex }
    case 'health': {
      if (!options.bits || !/^(0x[0-9a-fA-F]+|\d+)$/.test(options.bits)) {
        throw new NvdimmError('EINVAL', 'health needs --bits, the H_SCM_HEALTH bitmap (bit 0 is the most significant)')
      }
      return { kind, drcIndex, bits: BigInt(options.bits) }
    }
    default:
      throw new NvdimmError('EINVAL', `'${kind}' is not a fault: ${FAULT_KINDS.join(', ')}`)
  }
}

export function registerPaprFault(papr: Command): void {
  papr
    .command('fault')
    .argument('<drc>', 'the SCM device, by its drc index (0x90000000)')
    .argument('<kind>', FAULT_KINDS.join(' | '))
    .description("leave a fault in the hypervisor for the platform's next start to meet")
    .option('--opcode <hcall>', 'the hcall to fail (busy, long-busy, hardware)', 'H_SCM_BIND_MEM')
    .option('--times <n>', 'how many calls fail', '1')
    .option('--order <n>', 'long-busy: 0..5 for 1 ms … 100 s', '0')
    .option('--bits <bitmap>', 'health: H_SCM_HEALTH bits to set')
    .action(async (drc: string, kind: string, options: FaultOptions, command: Command) => {
      const fault = faultFrom(drc, kind, options)
      const platform = await openPlatform(command.optsWithGlobals().platform)
      const provider = platform.providers.findIndex((entry) => entry.kind === 'papr-scm')
      if (provider < 0) throw new NvdimmError('ENXIO', `${platform.dir} has no pseries SCM devices`)
      await platform.updateFirmware(provider, (entry, state, counts) =>
        withPaprFault(entry as PaprScmEntry, state, counts, fault),
      )
    })
}
