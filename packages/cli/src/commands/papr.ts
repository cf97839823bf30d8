import * as fs from 'node:fs'
import type { Command } from 'commander'
import { NvdimmError } from '@nvdimm/core'
import {
  decodeFdt,
  findPaprScmNodes,
  formatDts,
  parsePaprScmNode,
  readDeviceTreeDir,
  type DtNode,
} from '@nvdimm/provider-papr-scm'
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
  const papr = program.command('papr').description('PowerPC pseries: device trees of SCM devices')
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
