import { type DimmFirmwareOps, NvdimmError } from '@nvdimm/core'
import { FWVER_STRING, type OcxlMmio, readField } from '../card/index.js'
import type { AdminCommandEngine } from './admin-command-engine.js'
import { updateFirmware } from './controller-commands.js'

/** The largest image the card takes: ours (the series' limit was not quoted). */
export const OCXL_FIRMWARE_MAX_IMAGE = 16 << 20

/**
 * ndctl update-firmware's start / send / finish / query over the card's FW_UPDATE: the image is
 * gathered in order, and finish sends it to the card in data-buffer chunks, the last one
 * committing. The card runs the new image at once, so query returns its version (FWVER's eight
 * bytes as a little-endian u64) and nothing waits for a power cycle.
 */
export function ocxlFirmwareOps(mmio: OcxlMmio, engine: AdminCommandEngine, changed: () => void): DimmFirmwareOps {
  let nextContext = 1
  let staging: { context: number; image: Uint8Array; length: number } | undefined
  const staged = (context: number) => {
    if (staging?.context !== context) throw new NvdimmError('EINVAL', `firmware update context ${context} is not open`)
    return staging
  }
  return {
    info: async () => ({
      storageSize: OCXL_FIRMWARE_MAX_IMAGE,
      maxSendLength: engine.metadata.dataSize,
      queryIntervalUs: 1000,
      maxQueryTimeUs: 16_000_000,
      runVersion: readField(mmio, FWVER_STRING),
      updatedVersion: 0n,
    }),
    start: async () => {
      if (staging) throw new NvdimmError('EBUSY', 'a firmware update is already open on this card')
      staging = { context: nextContext++, image: new Uint8Array(OCXL_FIRMWARE_MAX_IMAGE), length: 0 }
      return staging.context
    },
    send: async (context, offset, data) => {
      const open = staged(context)
      if (offset !== open.length || offset + data.length > open.image.length) {
        throw new NvdimmError('EINVAL', `firmware data at ${offset} is out of order or past the image's end`)
      }
      open.image.set(data, offset)
      open.length += data.length
    },
    finish: async (context, abort) => {
      const open = staged(context)
      staging = undefined
      if (abort) return
      try {
        await updateFirmware(engine, open.image.subarray(0, open.length))
      } finally {
        changed()
      }
    },
    query: async () => readField(mmio, FWVER_STRING),
  }
}
