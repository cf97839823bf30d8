import { randomUUID } from 'node:crypto'
import {
  mediaPath,
  MediaWindow,
  NvdimmError,
  parseSize,
  SZ_128K,
  u64Json,
  type Media,
  type PlatformProviderKind,
} from '@nvdimm/core'
import { z } from 'zod'
import {
  buildPseriesTree,
  decodeFdt,
  encodeFdt,
  normalizeUnitGuid,
  parsePmemoryNodes,
  pmemDrcIndex,
  SPAPR_MINIMUM_SCM_BLOCK_SIZE,
} from './device-tree/index.js'
import { paprScm, type PaprScmBacking } from './papr-scm-provider.js'

/** The device tree in platform.json: its bytes as hex, exactly as the LPAR was given it. */
const dtbHex = z.codec(
  z.string().regex(/^([0-9a-f]{2})+$/, 'expected the device tree as lowercase hex bytes'),
  z.instanceof(Uint8Array),
  {
    decode: (text) => Uint8Array.from(Buffer.from(text, 'hex')),
    encode: (bytes) => Buffer.from(bytes).toString('hex'),
  },
)

const deviceSchema = z.strictObject({
  drcIndex: z.number().int().min(0).max(0xffffffff),
  /** A backing file as QEMU's spapr-nvdimm uses it: the blocks first, the label area last. */
  media: mediaPath,
  dataSize: u64Json,
  labelSize: u64Json,
})

const entrySchema = z
  .strictObject({ dtb: dtbHex, devices: z.array(deviceSchema).min(1, 'a pseries platform needs an SCM device') })
  .superRefine((entry, ctx) => {
    try {
      const nodes = parsePmemoryNodes(decodeFdt(entry.dtb).tree)
      for (const device of entry.devices) {
        if (!nodes.some((node) => node.drcIndex === device.drcIndex)) {
          throw new NvdimmError('EINVAL', `no ibm,pmemory node has drc index 0x${device.drcIndex.toString(16)}`)
        }
      }
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['dtb'], message: (error as Error).message })
    }
  })

export type PaprScmEntry = z.output<typeof entrySchema>

/** How a pseries LPAR lives in a platform directory: its device tree and one backing file per SCM device. */
export const paprScmKind: PlatformProviderKind<PaprScmEntry> = {
  kind: 'papr-scm',
  schema: entrySchema as unknown as PlatformProviderKind<PaprScmEntry>['schema'],
  mediaFiles: (entry) =>
    entry.devices.map((device) => ({ file: device.media, size: device.dataSize + device.labelSize })),
  provider: (entry, opener) =>
    paprScm({
      deviceTree: entry.dtb,
      devices: new Map<number, PaprScmBacking>(
        entry.devices.map((device) => {
          const file: Media = opener.open(device.media)
          return [
            device.drcIndex,
            {
              data: new MediaWindow(file, 0n, device.dataSize),
              metadata: new MediaWindow(file, device.dataSize, device.labelSize),
            },
          ]
        }),
      ),
    }),
}

/** One `-device spapr-nvdimm`: its backing file and the properties the guest sees. */
export interface SpaprNvdimm {
  /** The backing file, inside the platform directory or an absolute path to an existing image. */
  path: string
  fileSize: bigint
  labelSize: bigint
  uuid: string
  node?: number
  /** The backend is pmem=on without pmem-override: no ibm,hcall-flush-required. */
  pmem?: boolean
}

/** spapr_nvdimm_validate(): what QEMU refuses, with its words. */
function validate(nvdimm: SpaprNvdimm): void {
  if (nvdimm.labelSize === 0n) throw new NvdimmError('EINVAL', 'PAPR requires NVDIMM devices to have label-size set')
  if (nvdimm.labelSize < SZ_128K) {
    throw new NvdimmError(
      'EINVAL',
      `Property 'spapr-nvdimm.label-size' (0x${nvdimm.labelSize.toString(16)}) is required at least 0x20000`,
    )
  }
  const size = nvdimm.fileSize - nvdimm.labelSize
  if (size <= 0n || size % SPAPR_MINIMUM_SCM_BLOCK_SIZE !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      'PAPR requires NVDIMM memory size (excluding label) to be a multiple of 256MB (the file is data, then the label area)',
    )
  }
}

/**
 * The platform entry for a pseries LPAR with these spapr-nvdimm devices in slot order: the
 * device tree QEMU 7.2 gives it (DRC index 0x90000000 + slot, 256 MiB blocks) and the files.
 */
export function paprScmEntry(nvdimms: readonly SpaprNvdimm[]): z.input<typeof entrySchema> {
  if (nvdimms.length === 0) throw new NvdimmError('EINVAL', 'a pseries platform needs at least one SCM device')
  nvdimms.forEach(validate)
  const devices = nvdimms.map((nvdimm, slot) => ({
    drcIndex: pmemDrcIndex(slot),
    unitGuid: normalizeUnitGuid(nvdimm.uuid),
    blockCount: (nvdimm.fileSize - nvdimm.labelSize) / SPAPR_MINIMUM_SCM_BLOCK_SIZE,
    metadataSize: Number(nvdimm.labelSize),
    hcallFlushRequired: !nvdimm.pmem,
    ...(nvdimm.node !== undefined ? { numaNode: nvdimm.node } : {}),
  }))
  const hex = (value: bigint) => `0x${value.toString(16)}`
  return {
    dtb: Buffer.from(encodeFdt(buildPseriesTree(devices))).toString('hex'),
    devices: nvdimms.map((nvdimm, slot) => ({
      drcIndex: pmemDrcIndex(slot),
      media: nvdimm.path,
      dataSize: hex(nvdimm.fileSize - nvdimm.labelSize),
      labelSize: hex(nvdimm.labelSize),
    })),
  }
}

/** What `--papr SIZE[,label-size=128K][,uuid=U][,node=N][,pmem=on]` asks for: a new backing file. */
export function parsePaprOption(text: string, slot: number): SpaprNvdimm {
  const [sizeText = '', ...properties] = text.split(',')
  const size = parseSize(sizeText)
  if (size === undefined) throw new NvdimmError('EINVAL', `--papr ${text}: '${sizeText}' is not a size`)
  let labelSize = SZ_128K
  let uuid: string = randomUUID()
  let node: number | undefined
  let pmem = false
  for (const property of properties) {
    const [key, value = ''] = property.split('=', 2)
    if (key === 'label-size') {
      const parsed = parseSize(value)
      if (parsed === undefined) throw new NvdimmError('EINVAL', `--papr: label-size=${value} is not a size`)
      labelSize = parsed
    } else if (key === 'uuid') uuid = value
    else if (key === 'node' && /^\d+$/.test(value)) node = Number(value)
    else if (key === 'pmem' && ['on', 'off'].includes(value)) pmem = value === 'on'
    else throw new NvdimmError('EINVAL', `--papr: '${property}' (label-size, uuid, node, pmem=on|off)`)
  }
  return {
    path: `media/papr-${pmemDrcIndex(slot).toString(16)}.img`,
    fileSize: size + labelSize,
    labelSize,
    uuid,
    ...(node !== undefined ? { node } : {}),
    pmem,
  }
}
