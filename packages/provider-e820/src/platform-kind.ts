import { mediaPath, NvdimmError, type PlatformProviderKind, u64Json } from '@nvdimm/core'
import { z } from 'zod'
import {
  E820_TYPE_PMEM,
  E820_TYPE_PRAM,
  E820_TYPE_SOFT_RESERVED,
  type E820Range,
  validateRanges,
} from './e820-range.js'
import { E820_LABEL_AREA_SIZE, e820 } from './e820-provider.js'

const rangeSchema = z.strictObject({
  start: u64Json,
  size: u64Json,
  type: z
    .union([z.literal(E820_TYPE_PMEM), z.literal(E820_TYPE_PRAM), z.literal(E820_TYPE_SOFT_RESERVED)])
    .default(E820_TYPE_PRAM),
  numaNode: z.number().int().min(0).default(0),
  media: mediaPath,
  /** From the BIOS map rather than memmap=: /sys/firmware/memmap lists it. */
  firmware: z.literal(true).optional(),
})

const entrySchema = z
  .strictObject({
    ranges: z.array(rangeSchema).min(1, 'an e820 platform needs at least one range'),
    /** Each range keeps a label area in its last 128 KiB (e820({ labels: true })). */
    labels: z.boolean().default(false),
  })
  .superRefine((entry, ctx) => {
    if (entry.labels) {
      entry.ranges.forEach((range, index) => {
        if (range.size <= E820_LABEL_AREA_SIZE) {
          ctx.addIssue({
            code: 'custom',
            path: ['ranges', index, 'size'],
            message: 'a labelled range needs more than its 128 KiB label area',
          })
        }
      })
    }
    try {
      validateRanges(entry.ranges.map((range) => ({ ...range, source: `range at ${range.start.toString(16)}` })))
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['ranges'], message: (error as NvdimmError).message })
    }
  })

export type E820Entry = z.output<typeof entrySchema>

/** The media file of the range at `start`, inside the platform directory. */
export function e820MediaFile(start: bigint): string {
  return `media/e820-${start.toString(16).padStart(12, '0')}.img`
}

/** The platform.json entry for a set of ranges (from parseMemmap() or an e820 table). */
export function e820Entry(ranges: readonly E820Range[], numaNode = 0, labels = false): z.input<typeof entrySchema> {
  return {
    labels,
    ranges: validateRanges(ranges).map((range) => ({
      start: `0x${range.start.toString(16)}`,
      size: `0x${range.size.toString(16)}`,
      type: range.type,
      numaNode,
      media: e820MediaFile(range.start),
      ...(range.firmware ? { firmware: true as const } : {}),
    })),
  }
}

/** How an e820 provider lives in a platform directory: one sparse media file per range. */
export const e820Kind: PlatformProviderKind<E820Entry> = {
  kind: 'e820',
  schema: entrySchema as unknown as PlatformProviderKind<E820Entry>['schema'],
  // Soft Reserved memory is RAM: it has no media file.
  mediaFiles: (entry) =>
    entry.ranges
      .filter((range) => range.type !== E820_TYPE_SOFT_RESERVED)
      .map((range) => ({ file: range.media, size: range.size })),
  provider: (entry, opener) =>
    e820({
      labels: entry.labels,
      ranges: entry.ranges.map(({ media, ...range }) =>
        range.type === E820_TYPE_SOFT_RESERVED ? range : { ...range, media: opener.open(media) },
      ),
    }),
}
