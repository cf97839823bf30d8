import { defineProvider, type Media, MemoryMedia, type ProviderInit } from '@nvdimm/core'
import { type E820Range, validateRanges } from './e820-range.js'
import { parseMemmap } from './memmap.js'

export interface E820RegionOptions extends E820Range {
  /** NUMA node of the range (phys_to_target_node()); 0 when not given. */
  numaNode?: number
  targetNode?: number
  /** The bytes of the range; sparse memory when not given. */
  media?: Media
}

export interface E820Options {
  /** Ranges of e820 type 7 or 12. */
  ranges?: readonly E820RegionOptions[]
  /** memmap= text, as on the kernel command line: 'memmap=4G!12G,4G!20G'. */
  memmap?: string
}

/**
 * Legacy persistent memory (drivers/nvdimm/e820.c): one bus "e820", one pagemap region per
 * range in address order, no dimms, no commands, no health, no provider flush. With no
 * dimms to hold labels every region gets one label-less namespace.
 */
export function e820(options: E820Options): ProviderInit {
  const given: E820RegionOptions[] = [...(options.ranges ?? [])]
  if (options.memmap !== undefined) given.push(...parseMemmap(options.memmap))
  const ranges = validateRanges(given) as E820RegionOptions[]
  const media = ranges.map((range) => range.media ?? new MemoryMedia(range.size))

  return defineProvider('e820', ({ registerBus }) => ({
    async probe() {
      const bus = registerBus({ providerName: 'e820' })
      ranges.forEach((range, index) => {
        const node = range.numaNode ?? 0
        bus.createRegion({
          type: 'pmem',
          resource: { start: range.start, size: range.size },
          media: media[index]!,
          mappings: [],
          numaNode: node,
          targetNode: range.targetNode ?? node,
          flags: ['pagemap'],
        })
      })
    },
  }))
}
