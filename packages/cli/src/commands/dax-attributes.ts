import type { Command } from 'commander'
import { findNamespace, type Namespace, type Nvdimm, NvdimmError } from '@nvdimm/core'
import { withReadOnly, withUpdate } from '../session.js'

function parseSwitch(value: string): boolean {
  if (value === '1' || value === 'on') return true
  if (value === '0' || value === 'off') return false
  throw new NvdimmError('EINVAL', `expected 1 or 0 (on or off), got '${value}'`)
}

function daxNamespace(nd: Nvdimm, ident: string): Namespace {
  const namespace = findNamespace(nd, ident)
  nd.daxAttributes.check(namespace)
  return namespace
}

/**
 * `nvdimm write-cache DEV [0|1]` (/sys/block/pmemN/dax/write_cache) and `nvdimm map-sync DEV
 * [0|1]`, the device attribute the seed chose over a prctl: read it, or write it until the
 * next boot. Each prints the value as the sysfs file reads.
 */
export function registerDaxAttributes(program: Command): void {
  program
    .command('write-cache')
    .description("read or set a dax device's write_cache: whether fsync writes the CPU caches back")
    .argument('<device>', 'namespaceX.Y, pmemX[.Y] or daxX.Y')
    .argument('[value]', '1 (on) or 0 (off)')
    .action(async (ident: string, value: string | undefined, _options: unknown, command: Command) => {
      const run = async (nd: Nvdimm) => {
        const namespace = daxNamespace(nd, ident)
        if (value !== undefined) nd.daxAttributes.setWriteCache(namespace, parseSwitch(value))
        return nd.daxAttributes.writeCache(namespace) ? '1' : '0'
      }
      process.stdout.write(
        `${value === undefined ? await withReadOnly(command, run) : await withUpdate(command, run)}\n`,
      )
    })

  program
    .command('map-sync')
    .description(
      "read or set whether a dax device grants MAP_SYNC (synchronous faults); 'unsupported' on an async region",
    )
    .argument('<device>', 'namespaceX.Y, pmemX[.Y] or daxX.Y')
    .argument('[value]', '1 (on) or 0 (off)')
    .action(async (ident: string, value: string | undefined, _options: unknown, command: Command) => {
      const run = async (nd: Nvdimm) => {
        const namespace = daxNamespace(nd, ident)
        if (value !== undefined) nd.daxAttributes.setMapSync(namespace, parseSwitch(value))
        const state = nd.daxAttributes.mapSync(namespace)
        return state.capable ? (state.enabled ? '1' : '0') : `unsupported: ${state.why}`
      }
      process.stdout.write(
        `${value === undefined ? await withReadOnly(command, run) : await withUpdate(command, run)}\n`,
      )
    })
}
