import {
  defineProvider,
  NvdimmError,
  type DimmRef,
  type Health,
  type Media,
  type ProviderInit,
  type RegionDescriptor,
} from '@nvdimm/core'
import { NFIT_BUS_CMD_MASK, NfitBusChannel } from './dsm/bus-channel.js'
import { NfitBusFirmware, nfitBusOps, type NfitScrubRange, type SpaTranslationAnswer } from './dsm/bus/index.js'
import { NfitDimmChannel } from './dsm/dimm-channel.js'
import { sanitizeRegions } from './dsm/sanitize.js'
import { handleKey, loadNfitFirmware } from './dsm/firmware-store.js'
import { IntelDimmFirmware, intelDimmOps, intelHealth, IntelFn, type SanitizeKind } from './dsm/intel/index.js'
import { decodeNfit } from './table/index.js'
import type { NfitSpa, NfitTable } from './table/nfit-types.js'
import { nfitTopology, type NfitDimm, type NfitRegion, type NfitTopology } from './topology/nfit-topology.js'

/** A dimm's label storage area, served by the label DSM functions 4, 5 and 6. */
export interface NfitLabelArea {
  media: Media
  /** The largest transfer one label command may carry (QEMU: 4076). */
  maxXfer: number
}

/**
 * Which DSM functions the dimms implement: QEMU's (the label functions, when there is a label
 * area) or the whole Intel family as the kernel's nfit_test emulates it (SMART, thresholds,
 * injection, security, firmware update).
 */
export type NfitDimmFirmwareKind = 'qemu' | 'intel'

export interface NfitOptions {
  /** The NFIT, as bytes (what /sys/firmware/acpi/tables/NFIT holds) or decoded. */
  table: Uint8Array | NfitTable
  /** The bus provider name: 'ACPI.NFIT', or 'nfit_test.0' for the kernel's test bus. */
  providerName?: string
  /** The bytes of each memory range. */
  rangeMedia(spa: NfitSpa): Media
  /** Label areas by device handle; a dimm without one has no label functions. */
  labelAreas?: ReadonlyMap<number, NfitLabelArea>
  /** Default 'qemu'. */
  dimmFirmware?: NfitDimmFirmwareKind
  /**
   * The root device's DSM (ARS, clear error, translate SPA, error injection), which QEMU does
   * not implement and nfit_test does. Default: with the Intel dimm firmware.
   */
  busFirmware?: boolean
  /** Milliseconds, for the firmware's delays (overwrite, firmware verify). */
  clock?: () => number
}

export const ACPI_NFIT_PROVIDER = 'ACPI.NFIT'

/**
 * The ACPI NFIT provider (drivers/acpi/nfit): one bus, a dimm per memory device with its DSM
 * firmware, a region per memory range, with the cookies, flags and flush hints the table gives.
 * Firmware state (SMART injections, passphrases, firmware updates) lives in the platform's
 * firmware store and sees a power cycle when the platform's boot count moved on.
 */
export function nfit(options: NfitOptions): ProviderInit {
  return defineProvider('nfit', ({ registerBus, logger, firmware: store, boot }) => {
    let busChannel: NfitBusChannel | undefined
    return {
      async remove() {
        busChannel?.ops.shutdown()
      },
      async probe() {
        let table: NfitTable
        if (options.table instanceof Uint8Array) {
          const decoded = decodeNfit(options.table)
          for (const warning of decoded.warnings) logger.warn(`nfit: ${warning.message}`)
          table = decoded.table
        } else {
          table = options.table
        }
        const topology = nfitTopology(table)
        const saved = loadNfitFirmware(store, boot)
        const regionMedia = new Map<NfitRegion, Media>(topology.regions.map((region) => [region, mediaOf(region)]))
        const channels = new Map<number, NfitDimmChannel>()
        const save = () => {
          const dimms: Record<string, unknown> = {}
          for (const [handle, channel] of channels) dimms[handleKey(handle)] = channel.firmware.toJSON()
          store.save({ boot, dimms, ...(busChannel ? { bus: busChannel.firmware.toJSON() } : {}) })
        }
        const scrubRanges: NfitScrubRange[] = topology.regions
          .filter((region) => region.spaType === 'pmem' || region.spaType === 'volatile')
          .map((region) => ({ address: region.spa.address, length: region.spa.length, type: region.type }))
        if (options.busFirmware ?? options.dimmFirmware === 'intel') {
          busChannel = busChannelOf(topology, scrubRanges, saved.bus, save, options.clock)
        }
        for (const dimm of topology.dimms) channels.set(dimm.handle, channelOf(dimm))
        // The boot count moved on since these dimms last ran: their power was cycled.
        if (saved.boot !== boot) for (const channel of channels.values()) channel.firmware.powerCycle()
        save()

        const byName = new Map<string, NfitDimmChannel>()
        const bus = registerBus({
          providerName: options.providerName ?? ACPI_NFIT_PROVIDER,
          // The ACPI0012 root device the NFIT bus hangs off (drivers/acpi/nfit/core.c).
          parentDevice: '/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00',
          cmdMask: busChannel ? NFIT_BUS_CMD_MASK : [],
          ...(busChannel ? { ops: busChannel.ops } : {}),
          ndctl: async (ref, cmd, input) => {
            const channel = ref ? byName.get(ref.name) : busChannel
            if (!channel) return { rc: -25, cmdRc: 0, output: new Uint8Array(0) }
            return channel.command(cmd, input)
          },
          clearToSend: async (ref, cmd, input) => {
            if (ref) byName.get(ref.name)?.clearToSend(cmd, input)
            else busChannel?.clearToSend(cmd)
          },
        })
        const refs = new Map<number, DimmRef>()
        for (const dimm of topology.dimms) {
          const channel = channels.get(dimm.handle)!
          const ref = bus.createDimm({
            id: dimm.id,
            handle: dimm.handle,
            physId: dimm.physId,
            flags: channel.firmware.isLocked() ? [...dimm.flags, 'locked'] : dimm.flags,
            firmwareFlags: dimm.firmwareFlags,
            cmdMask: channel.cmdMask,
            flushHints: dimm.flushHints,
            ...(channel.has(IntelFn.SMART) ? { health: () => healthOf(dimm, channel) } : {}),
            ops: intelDimmOps(channel.firmware, channel.send),
            providerData: dimm,
          })
          byName.set(ref.name, channel)
          refs.set(dimm.handle, ref)
        }
        for (const region of topology.regions)
          bus.createRegion(regionDescriptor(region, regionMedia.get(region)!, refs))
        // acpi_nfit_register_regions(): fetch what the platform knows of each range's errors.
        await busChannel?.ops.registerRanges(bus, scrubRanges)

        function channelOf(dimm: NfitDimm): NfitDimmChannel {
          const labels = options.labelAreas?.get(dimm.handle)
          const mapped = topology.regions.filter((region) => region.mappings.some((m) => m.handle === dimm.handle))
          const firmwareOptions = {
            smart: options.dimmFirmware === 'intel',
            ...(labels ? { labelArea: labels.media, maxXfer: labels.maxXfer } : {}),
            ...(options.clock ? { clock: options.clock } : {}),
            sanitized: (kind: SanitizeKind) =>
              sanitizeRegions(
                mapped.map((region) => ({ media: regionMedia.get(region)! })),
                kind,
                dimm.handle + 1,
              ),
          }
          const state = saved.dimms[handleKey(dimm.handle)]
          const firmware =
            state === undefined
              ? new IntelDimmFirmware(firmwareOptions)
              : IntelDimmFirmware.fromJSON(state, firmwareOptions)
          return new NfitDimmChannel(firmware, save)
        }
      },
    }
  })

  function mediaOf(region: NfitRegion): Media {
    const media = options.rangeMedia(region.spa)
    if (media.size !== region.spa.length) {
      throw new NvdimmError(
        'EINVAL',
        `nfit: spa${region.spa.rangeIndex} is ${region.spa.length} bytes but its media holds ${media.size}`,
      )
    }
    return media
  }
}

/** The root device's DSM firmware, as saved, and the kernel's scrub machinery over it. */
function busChannelOf(
  topology: NfitTopology,
  ranges: NfitScrubRange[],
  saved: unknown,
  save: () => void,
  clock: (() => number) | undefined,
): NfitBusChannel {
  const firmwareOptions = {
    ranges,
    translate: (spa: bigint) => translateSpa(topology.regions, spa),
    changed: save,
    ...(clock ? { clock } : {}),
  }
  const firmware =
    saved === undefined ? new NfitBusFirmware(firmwareOptions) : NfitBusFirmware.fromJSON(saved, firmwareOptions)
  return new NfitBusChannel(firmware, nfitBusOps(firmware, undefined, clock ? { clock } : {}))
}

/**
 * What translate SPA answers for an address: the dimm and DPA of a one-way range; for an
 * interleaved one, as nfit_test does, the last dimm of the set at the offset into the range.
 */
function translateSpa(regions: readonly NfitRegion[], spa: bigint): SpaTranslationAnswer | undefined {
  const region = regions.find((r) => spa >= r.spa.address && spa < r.spa.address + r.spa.length)
  const last = region?.mappings.at(-1)
  if (!region || !last) return undefined
  const offset = spa - region.spa.address
  const dpa = region.mappings.length === 1 ? last.start + offset : offset
  return { devices: [{ handle: last.handle, dpa }], length: region.spa.address + region.spa.length - spa }
}

/** SMART in the common model, with what the memory-device flags say beside it. */
async function healthOf(dimm: NfitDimm, channel: NfitDimmChannel): Promise<Health> {
  const health = await intelHealth(channel.firmware, channel.send)
  return dimm.flags.includes('unarmed') ? { ...health, unarmed: true } : health
}

function regionDescriptor(region: NfitRegion, media: Media, refs: ReadonlyMap<number, DimmRef>): RegionDescriptor {
  return {
    type: region.type,
    resource: { start: region.spa.address, size: region.spa.length },
    media,
    mappings: region.mappings.map((mapping) => ({
      dimm: refs.get(mapping.handle)!,
      start: mapping.start,
      size: mapping.size,
      position: mapping.position,
    })),
    interleaveSet: region.interleaveSet,
    numaNode: region.numaNode,
    targetNode: region.targetNode,
    flags: region.flags,
    // The SPA range as the e820/EFI memory map gives it (E820_TYPE_PMEM).
    ...(region.type === 'pmem' ? { firmwareResource: 'Persistent Memory' } : {}),
    providerData: region,
  }
}
