import {
  DimmCmd,
  defineProvider,
  type DimmRef,
  type Media,
  MediaWindow,
  MemoryMedia,
  NvdimmError,
  type ProviderInit,
  SZ_128K,
  serveConfigCommand,
} from '@nvdimm/core'
import { E820_TYPE_PRAM, E820_TYPE_SOFT_RESERVED, type E820Range, formatRange, validateRanges } from './e820-range.js'
import { parseMemmap } from './memmap.js'

export interface E820RegionOptions extends E820Range {
  /** NUMA node of the range (phys_to_target_node()); 0 when not given. */
  numaNode?: number
  targetNode?: number
  /** The bytes of the range; sparse memory when not given. */
  media?: Media
}

export interface E820Options {
  /** Ranges of e820 type 7 or 12, or Soft Reserved (0xefffffff) ranges for dax_hmem. */
  ranges?: readonly E820RegionOptions[]
  /** memmap= text, as on the kernel command line: 'memmap=4G!12G,4G!20G'. */
  memmap?: string
  /**
   * Give every range a dimm with a label area (the last 128 KiB of the range, as the kernel's
   * ramdax driver keeps it), so a range can hold several namespaces.
   */
  labels?: boolean
}

/** The label area of a labelled range: its last 128 KiB (drivers/nvdimm/ramdax.c LABEL_AREA_SIZE). */
export const E820_LABEL_AREA_SIZE = SZ_128K
/** Largest label transfer, as the seed's e820 labels RFC offered (SZ_4K). */
export const E820_LABEL_MAX_XFER = 4096
/** ramdax's interleave-set cookie, the same for cookie1, cookie2 and altcookie. */
export const E820_LABEL_COOKIE = 0xcafebeefcafebeefn

const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]

/**
 * Legacy persistent memory (drivers/nvdimm/e820.c): one bus "e820", one pagemap region per
 * range in address order, no commands, no health, no provider flush. Soft Reserved ranges are
 * not nvdimm: they are handed to dax_hmem. Without labels no dimm
 * holds labels, so every region gets one label-less namespace; with labels each range gets a
 * dimm whose label area is the range's last 128 KiB.
 */
export function e820(options: E820Options): ProviderInit {
  const given: E820RegionOptions[] = [...(options.ranges ?? [])]
  if (options.memmap !== undefined) given.push(...parseMemmap(options.memmap))
  const all = validateRanges(given) as E820RegionOptions[]
  const softReserved = all.filter((range) => range.type === E820_TYPE_SOFT_RESERVED)
  const ranges = all.filter((range) => range.type !== E820_TYPE_SOFT_RESERVED)
  if (options.labels) {
    for (const range of ranges) {
      if (range.size <= E820_LABEL_AREA_SIZE) {
        throw new NvdimmError(
          'EINVAL',
          `${range.source ?? formatRange(range)}: a labelled range needs more than its 128 KiB label area`,
        )
      }
    }
  }
  const media = ranges.map((range) => range.media ?? new MemoryMedia(range.size))

  return defineProvider('e820', ({ registerBus, registerSoftReserved }) => ({
    async probe() {
      // Soft Reserved ranges go to dax_hmem, built in: their memregion ids come first.
      for (const range of softReserved) {
        const node = range.numaNode ?? 0
        registerSoftReserved({
          start: range.start,
          size: range.size,
          targetNode: range.targetNode ?? node,
          ...(range.firmware ? { firmwareMemmap: true } : {}),
        })
      }
      // e820_pmem exists only where the map has persistent memory.
      if (ranges.length === 0) return
      const labelAreas = new Map<string, Media>()
      const bus = registerBus({
        providerName: 'e820',
        parentDevice: '/platform/e820_pmem',
        ndctl: async (dimm: DimmRef | null, cmd: number, input: Uint8Array) => {
          const area = dimm && labelAreas.get(dimm.name)
          if (!area) return { rc: -25, cmdRc: 0, output: new Uint8Array(0) }
          return serveConfigCommand(area, E820_LABEL_MAX_XFER, cmd, input)
        },
      })
      ranges.forEach((range, index) => {
        const node = range.numaNode ?? 0
        const rangeMedia = media[index]!
        const mappings = []
        if (options.labels) {
          const dimm = bus.createDimm({ flags: ['labeling'], cmdMask: LABEL_COMMANDS })
          labelAreas.set(
            dimm.name,
            new MediaWindow(rangeMedia, range.size - E820_LABEL_AREA_SIZE, E820_LABEL_AREA_SIZE),
          )
          mappings.push({ dimm, start: 0n, size: range.size - E820_LABEL_AREA_SIZE, position: 0 })
        }
        bus.createRegion({
          type: 'pmem',
          resource: { start: range.start, size: range.size },
          media: rangeMedia,
          mappings,
          ...(options.labels
            ? {
                interleaveSet: { cookie1: E820_LABEL_COOKIE, cookie2: E820_LABEL_COOKIE, altcookie: E820_LABEL_COOKIE },
              }
            : {}),
          numaNode: node,
          targetNode: range.targetNode ?? node,
          flags: ['pagemap'],
          // e820_type_to_string(): what /proc/iomem calls the range.
          firmwareResource: range.type === E820_TYPE_PRAM ? 'Persistent Memory (legacy)' : 'Persistent Memory',
          // memmap= edits the kernel's copy of the map; a BIOS entry is in the firmware's own.
          ...(range.firmware ? { firmwareMemmap: true } : {}),
        })
      })
    },
  }))
}
