import {
  mediaPath,
  MediaWindow,
  NvdimmError,
  SZ_128K,
  SZ_4K,
  u64Json,
  type Media,
  type PlatformProviderKind,
} from '@nvdimm/core'
import { z } from 'zod'
import { nfit, ACPI_NFIT_PROVIDER, type NfitLabelArea } from './nfit-provider.js'
import {
  QEMU_LABEL_MAX_XFER,
  qemuLayout,
  qemuNfitTable,
  type QemuNvdimm,
  type QemuPersistence,
} from './presets/qemu.js'
import { nfitTest0Table, nfitTest1Table } from './presets/nfit-test.js'
import { checkNfitReferences, decodeNfit, encodeNfit } from './table/index.js'
import { NfitType, type NfitSpa, type NfitTable } from './table/nfit-types.js'
import { nfitTopology } from './topology/nfit-topology.js'

/** The NFIT in platform.json: its bytes as hex, so the table a guest saw is kept exactly. */
const tableHex = z.codec(
  z.string().regex(/^([0-9a-f]{2})+$/, 'expected the table as lowercase hex bytes'),
  z.instanceof(Uint8Array),
  {
    decode: (text) => Uint8Array.from(Buffer.from(text, 'hex')),
    encode: (bytes) => Buffer.from(bytes).toString('hex'),
  },
)

const windowSchema = z.strictObject({ media: mediaPath, offset: u64Json, size: u64Json })

const entrySchema = z
  .strictObject({
    providerName: z.string().min(1).default(ACPI_NFIT_PROVIDER),
    /** Where the description came from: informational. */
    preset: z.enum(['qemu', 'nfit-test', 'table']).default('table'),
    /** The DSM functions of the dimms: QEMU's label functions, or nfit_test's whole Intel family. */
    dimmFirmware: z.enum(['qemu', 'intel']).default('qemu'),
    /** The root device's DSM (ARS, clear error, error injection); by default with the Intel dimm firmware. */
    busFirmware: z.boolean().optional(),
    table: tableHex,
    /** The bytes of each memory range, by SPA range index. */
    ranges: z.array(windowSchema.extend({ rangeIndex: z.number().int().min(0).max(0xffff) })),
    /** Each dimm's label area, by device handle. */
    labels: z.array(
      windowSchema.extend({
        handle: z.number().int().min(0).max(0xffffffff),
        maxXfer: z.number().int().min(1).max(0xffffffff),
      }),
    ),
  })
  .superRefine((entry, ctx) => {
    try {
      const { table } = decodeNfit(entry.table)
      checkNfitReferences(table)
      nfitTopology(table)
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: (error as Error).message })
    }
  })

export type NfitEntry = z.output<typeof entrySchema>

/** The files an entry uses, each once, with the size it must have. */
function entryFiles(entry: NfitEntry): { file: string; size: bigint }[] {
  const sizes = new Map<string, bigint>()
  for (const window of [...entry.ranges, ...entry.labels]) {
    const end = window.offset + window.size
    sizes.set(window.media, (sizes.get(window.media) ?? 0n) > end ? sizes.get(window.media)! : end)
  }
  return [...sizes].map(([file, size]) => ({ file, size }))
}

/** How an NFIT platform lives in a platform directory: the table, and windows of media files. */
export const nfitKind: PlatformProviderKind<NfitEntry> = {
  kind: 'nfit',
  schema: entrySchema as unknown as PlatformProviderKind<NfitEntry>['schema'],
  mediaFiles: entryFiles,
  provider: (entry, opener) => {
    const files = new Map<string, Media>()
    const open = (file: string) => {
      let media = files.get(file)
      if (!media) files.set(file, (media = opener.open(file)))
      return media
    }
    const window = (w: z.output<typeof windowSchema>) => new MediaWindow(open(w.media), w.offset, w.size)
    const ranges = new Map(entry.ranges.map((range) => [range.rangeIndex, range]))
    const labelAreas = new Map<number, NfitLabelArea>(
      entry.labels.map((label) => [label.handle, { media: window(label), maxXfer: label.maxXfer }]),
    )
    return nfit({
      table: entry.table,
      providerName: entry.providerName,
      dimmFirmware: entry.dimmFirmware,
      ...(entry.busFirmware !== undefined ? { busFirmware: entry.busFirmware } : {}),
      labelAreas,
      rangeMedia: (spa) => {
        const range = ranges.get(spa.rangeIndex)
        if (!range) throw new NvdimmError('ENXIO', `nfit: no media for spa${spa.rangeIndex}`)
        return window(range)
      },
    })
  },
}

/** One existing QEMU image for `platform init --nfit-qemu IMG[,label-size=128K]`. */
export interface QemuImage extends QemuNvdimm {
  path: string
}

/**
 * The platform entry for QEMU `-device nvdimm` images: the NFIT QEMU would generate, each
 * range the head of its image and each label area its tail, as QEMU stores them.
 */
export function nfitQemuEntry(
  images: readonly QemuImage[],
  options: { base?: bigint; persistence?: QemuPersistence } = {},
): z.input<typeof entrySchema> {
  if (images.length === 0) throw new NvdimmError('EINVAL', 'a QEMU NFIT platform needs at least one image')
  const layout = qemuLayout(images, options.base)
  const table = qemuNfitTable(images, options)
  return {
    providerName: ACPI_NFIT_PROVIDER,
    preset: 'qemu',
    dimmFirmware: 'qemu',
    table: Buffer.from(encodeNfit(table)).toString('hex'),
    ranges: layout.map((slot) => ({
      rangeIndex: slot.rangeIndex,
      media: images[slot.slot]!.path,
      offset: '0x0',
      size: `0x${slot.size.toString(16)}`,
    })),
    labels: layout
      .filter((slot) => slot.labelSize > 0n)
      .map((slot) => ({
        handle: slot.handle,
        media: images[slot.slot]!.path,
        offset: `0x${slot.labelOffset.toString(16)}`,
        size: `0x${slot.labelSize.toString(16)}`,
        maxXfer: QEMU_LABEL_MAX_XFER,
      })),
  }
}

/** Default label storage of a dimm that a table describes: 128 KiB moved 4 KiB at a time (nfit_test). */
export const NFIT_LABEL_SIZE = SZ_128K
export const NFIT_LABEL_MAX_XFER = Number(SZ_4K)

/**
 * The platform entry for any NFIT: one sparse media file per memory range and, unless
 * `labels` is false, a 128 KiB label file per dimm, all inside the platform directory. The
 * dimms get the Intel DSM family as nfit_test emulates it.
 */
export function nfitTableEntry(
  table: NfitTable | Uint8Array,
  options: { providerName?: string; preset?: 'nfit-test' | 'table'; labels?: boolean } = {},
): z.input<typeof entrySchema> {
  const bytes = table instanceof Uint8Array ? table : encodeNfit(table)
  const decoded = decodeNfit(bytes).table
  const topology = nfitTopology(decoded)
  const spas = new Map(
    decoded.subtables.filter((sub): sub is NfitSpa => sub.type === NfitType.SPA).map((spa) => [spa.rangeIndex, spa]),
  )
  const hex = (value: bigint) => `0x${value.toString(16)}`
  const providerName = options.providerName ?? ACPI_NFIT_PROVIDER
  // Files are named after the bus so that several NFIT buses share one platform directory.
  const tag = providerName.toLowerCase().replace(/[^a-z0-9_.-]/g, '_')
  return {
    providerName,
    preset: options.preset ?? 'table',
    dimmFirmware: 'intel',
    table: Buffer.from(bytes).toString('hex'),
    ranges: topology.regions.map((region) => ({
      rangeIndex: region.spa.rangeIndex,
      media: `media/${tag}-spa${region.spa.rangeIndex}.img`,
      offset: '0x0',
      size: hex(spas.get(region.spa.rangeIndex)!.length),
    })),
    labels:
      options.labels === false
        ? []
        : topology.dimms.map((dimm) => ({
            handle: dimm.handle,
            media: `media/${tag}-labels-${dimm.handle.toString(16).padStart(8, '0')}.img`,
            offset: '0x0',
            size: hex(NFIT_LABEL_SIZE),
            maxXfer: NFIT_LABEL_MAX_XFER,
          })),
  }
}

/**
 * The kernel's nfit_test buses (tools/testing/nvdimm/test/nfit.c): nfit_test.0 with its four
 * labelled dimms and two interleave sets, and nfit_test.1, whose dimm holds no labels so its
 * range is a label-less namespace, and has no SMART.
 */
export function nfitTestEntries(): z.input<typeof entrySchema>[] {
  return [
    nfitTableEntry(nfitTest0Table(), { providerName: 'nfit_test.0', preset: 'nfit-test' }),
    // nfit_test.1's dimms answer only the label and LSS functions; its bus scrubs.
    {
      ...nfitTableEntry(nfitTest1Table(), { providerName: 'nfit_test.1', preset: 'nfit-test', labels: false }),
      dimmFirmware: 'qemu',
      busFirmware: true,
    },
  ]
}
