import { mediaPath, NvdimmError, parseSize, type PlatformProviderKind, SZ_128K, SZ_16M, u64Json } from '@nvdimm/core'
import { z } from 'zod'
import { OCXL_PMEM_MAX_DEVS } from './link/index.js'
import { OCXL_LABEL_AREA_SIZE, ocxl } from './ocxl-provider.js'

/** Function 1 of device 0 on the link's bus: where the card's memory sits (bdfn). */
export const OCXL_MEMORY_BDFN = 0x0001

const cardSchema = z.strictObject({
  serial: u64Json,
  /** The OpenCAPI link: its PHB and the card's memory function. */
  link: z.strictObject({ phbId: z.number().int().min(0).max(0xffff), bdfn: z.number().int().min(0).max(0xffff) }),
  media: mediaPath,
  /** The whole media file: the label area, then the region's memory. */
  size: u64Json,
  labelSize: u64Json,
  fwVersion: z
    .string()
    .regex(/^[\x20-\x7e]{1,8}$/, 'the firmware version is 1-8 printable ASCII characters')
    .optional(),
  readinessTimeoutS: z.number().int().min(0).max(15).optional(),
  memoryAvailableTimeoutS: z.number().int().min(0).max(0xfff).optional(),
})

const entrySchema = z
  .strictObject({
    cards: z
      .array(cardSchema)
      .min(1, 'an OpenCAPI platform needs a card')
      .max(OCXL_PMEM_MAX_DEVS, `at most ${OCXL_PMEM_MAX_DEVS} cards (ocxlpmem0..255)`),
  })
  .superRefine((entry, ctx) => {
    const serials = new Set<bigint>()
    entry.cards.forEach((card, index) => {
      if (serials.has(card.serial)) {
        ctx.addIssue({ code: 'custom', path: ['cards', index, 'serial'], message: 'two cards have this serial number' })
      }
      serials.add(card.serial)
      if (card.labelSize < SZ_128K || card.labelSize >= card.size) {
        ctx.addIssue({
          code: 'custom',
          path: ['cards', index, 'labelSize'],
          message: 'the label area is at least 128 KiB and leaves memory for the region',
        })
      }
    })
  })

export type OcxlEntry = z.output<typeof entrySchema>

/** How OpenCAPI cards live in a platform directory: one media file per card, the card state in the firmware store. */
export const ocxlKind: PlatformProviderKind<OcxlEntry> = {
  kind: 'ocxl',
  schema: entrySchema as unknown as PlatformProviderKind<OcxlEntry>['schema'],
  mediaFiles: (entry) => entry.cards.map((card) => ({ file: card.media, size: card.size })),
  provider: (entry, opener) =>
    ocxl({
      cards: entry.cards.map((card) => ({
        link: card.link,
        media: opener.open(card.media),
        serial: card.serial,
        labelAreaSize: card.labelSize,
        config: {
          ...(card.fwVersion !== undefined ? { fwVersion: card.fwVersion } : {}),
          ...(card.readinessTimeoutS !== undefined ? { readinessTimeoutS: card.readinessTimeoutS } : {}),
          ...(card.memoryAvailableTimeoutS !== undefined
            ? { memoryAvailableTimeoutS: card.memoryAvailableTimeoutS }
            : {}),
        },
      })),
    }),
}

/** One card on the command line. */
export interface OcxlCardSpec {
  size: bigint
  labelSize: bigint
  serial: bigint
  phbId: number
  fwVersion?: string
}

/** The platform entry for these cards, a media file each, in slot order. */
export function ocxlEntry(cards: readonly OcxlCardSpec[]): z.input<typeof entrySchema> {
  if (cards.length === 0) throw new NvdimmError('EINVAL', 'an OpenCAPI platform needs at least one card')
  const hex = (value: bigint) => `0x${value.toString(16)}`
  return {
    cards: cards.map((card) => {
      if (card.size % SZ_16M !== 0n || card.size <= card.labelSize) {
        throw new NvdimmError(
          'EINVAL',
          `an OpenCAPI card of ${card.size} bytes: its media is whole 16 MiB memory sections, more than the label area`,
        )
      }
      return {
        serial: hex(card.serial),
        link: { phbId: card.phbId, bdfn: OCXL_MEMORY_BDFN },
        media: `media/ocxl-${card.serial.toString(16)}.img`,
        size: hex(card.size),
        labelSize: hex(card.labelSize),
        ...(card.fwVersion !== undefined ? { fwVersion: card.fwVersion } : {}),
      }
    }),
  }
}

/** What `--ocxl SIZE[,label-size=16M][,serial=N][,link=PHB][,fw=VERSION]` asks for. */
export function parseOcxlOption(text: string, slot: number): OcxlCardSpec {
  const [sizeText = '', ...properties] = text.split(',')
  const size = parseSize(sizeText)
  if (size === undefined) throw new NvdimmError('EINVAL', `--ocxl ${text}: '${sizeText}' is not a size`)
  const spec: OcxlCardSpec = { size, labelSize: OCXL_LABEL_AREA_SIZE, serial: 0x1000n + BigInt(slot), phbId: 0 }
  for (const property of properties) {
    const [key, value = ''] = property.split('=', 2)
    if (key === 'label-size' && parseSize(value) !== undefined) spec.labelSize = parseSize(value)!
    else if (key === 'serial' && /^(0x[0-9a-fA-F]{1,16}|\d+)$/.test(value)) spec.serial = BigInt(value)
    else if (key === 'link' && /^\d+$/.test(value) && Number(value) <= 0xffff) spec.phbId = Number(value)
    else if (key === 'fw' && /^[\x20-\x7e]{1,8}$/.test(value)) spec.fwVersion = value
    else {
      throw new NvdimmError(
        'EINVAL',
        `--ocxl: '${property}' (label-size=SIZE, serial=N, link=PHB, fw=up to 8 ASCII characters)`,
      )
    }
  }
  return spec
}
