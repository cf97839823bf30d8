import type { DaxDev } from '../dax/dax-dev.js'
import { NvdimmError, strerror } from '../errors.js'
import type { MemoryBlock } from '../memory/memory-block.js'
import type { MemoryHotplug } from '../memory/memory-hotplug.js'

/**
 * Onlining and offlining a kmem device's memory blocks, as daxctl does it (daxctl/device.c
 * dev_online_memory() / dev_offline_memory(), libdaxctl daxctl_memory_op()): 0, 1 when every
 * block already was in that state, or a throw; `say` gets daxctl's lines.
 */

export interface MemoryOpOptions {
  verbose?: boolean
  /** Online to ZONE_NORMAL ("online") instead of ZONE_MOVABLE ("online_movable"). */
  noMovable?: boolean
}

const RACE_WARNING = (name: string) =>
  `${name}:\n  WARNING: detected a race while onlining memory\n  Some memory may not be in the expected zone. It is\n  recommended to disable any other onlining mechanisms,\n  and retry. If onlining is to be left to other agents,\n  use the --no-online option to suppress this warning`

const sections = (count: number) => `${count} memory section${count === 1 ? '' : 's'}`

function blocksOf(dax: DaxDev): MemoryBlock[] {
  const memory = dax.memory
  if (!memory) throw new NvdimmError('ENXIO', `${dax.name}: memory operations are not applicable in devdax mode`)
  return memory.blocks
}

/** The sysfs path daxctl writes for a block (through the target node's directory). */
function statePath(block: MemoryBlock): string {
  return `/sys/devices/system/node/node${block.node}/${block.name}/state`
}

/** Bring every block of the device to `state`, as dev_online_memory() / dev_offline_memory() do. */
export function changeMemory(
  memory: MemoryHotplug,
  dax: DaxDev,
  state: 'online' | 'offline',
  say: (line: string) => void,
  options: MemoryOpOptions = {},
): 0 | 1 {
  const blocks = blocksOf(dax)
  const already = blocks.filter((block) => block.state === state).length
  if (state === 'online' && already > 0) say(RACE_WARNING(dax.name))
  if (already === blocks.length) {
    say(`${dax.name}: all memory sections (${blocks.length}) already ${state}`)
    return 1
  }
  if (already > 0) say(`${dax.name}: ${sections(already)} already ${state}`)
  let changed = 0
  for (const block of blocks) {
    if (block.state === state) continue
    if (state === 'online') memory.online(block, options.noMovable ? 'online' : 'online_movable')
    else {
      try {
        memory.offline(block)
      } catch (error) {
        if (!(error instanceof NvdimmError)) throw error
        say(
          `libdaxctl: offline_one_memblock: ${dax.name}: Failed to offline ${statePath(block)}: ${strerror(error.errno)}`,
        )
        say(`${dax.name}: failed to offline memory: ${strerror(error.errno)}`)
        throw error
      }
    }
    changed++
  }
  if (options.verbose) say(`${dax.name}: ${sections(changed)} ${state}d`)
  return 0
}
