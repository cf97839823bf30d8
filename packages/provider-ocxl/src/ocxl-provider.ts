import {
  defineProvider,
  DimmCmd,
  isNvdimmError,
  MediaWindow,
  serveConfigCommand,
  type DimmRef,
  type Media,
  type ProviderInit,
} from '@nvdimm/core'
import { systemClock, type Clock, type OcxlCard } from './card/index.js'
import { AdminCommandEngine, ocxlHealth, waitReady } from './driver/index.js'
import { EmulatedOpal, LpcLink, ocxlPmemName, type LinkAddress, type OpalFirmware } from './link/index.js'

/** The ppc64 memory section (SECTION_SIZE_BITS 24): the series keeps the label area in the first one. */
export const OCXL_LABEL_AREA_SIZE = 16n << 20n
/** How much of the label area one config command moves. */
const OCXL_LABEL_MAX_XFER = 4096

export interface OcxlCardSetup {
  /** The OpenCAPI link (PHB and device) the card's function 1 sits on. */
  link: LinkAddress
  card: OcxlCard
  /** The card's media: the label area first, then the memory the region covers. */
  media: Media
  /** The serial number the interleave-set cookies come from. */
  serial: bigint
  /** Default: the ppc64 section size. */
  labelAreaSize?: bigint
}

export interface OcxlOptions {
  cards: readonly OcxlCardSetup[]
  opal?: OpalFirmware
  clock?: Clock
}

const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]

/**
 * OpenCAPI persistent memory (the ocxlpmem series, experimental): per card a bus `ocxlpmemN`, a
 * dimm whose label area is the first memory section, and a pmem region over the rest, mapped
 * through the link's LPC memory once the card says its controller is ready and its memory
 * available. A card that fails is logged and left out; the others come up.
 */
export function ocxl(options: OcxlOptions): ProviderInit {
  return defineProvider(
    'ocxl',
    ({ registerBus, logger }) => ({
      async probe() {
        const opal = options.opal ?? new EmulatedOpal()
        const clock = options.clock ?? systemClock
        const links = new Map<string, LpcLink>()
        // Every card registers its memory on its link before any maps it (the series' rule).
        const placed = options.cards.map((setup) => {
          const key = `${setup.link.phbId}:${setup.link.bdfn}`
          let link = links.get(key)
          if (!link) links.set(key, (link = new LpcLink(opal, setup.link, logger)))
          const offset = link.lpcMemorySize
          link.addLpcMemory(offset, setup.media.size)
          return { setup, link, offset }
        })
        let minor = 0
        for (const { setup, link, offset } of placed) {
          const base = link.map()
          if (base === 0n) continue
          const engine = new AdminCommandEngine(setup.card, clock)
          try {
            await waitReady(setup.card, clock)
          } catch (error) {
            if (!isNvdimmError(error)) throw error
            logger.error(`ocxlpmem: card ${setup.serial.toString(16)} on link ${setup.link.phbId}: ${error.message}`)
            link.release()
            continue
          }
          const labelSize = setup.labelAreaSize ?? OCXL_LABEL_AREA_SIZE
          const labels = new MediaWindow(setup.media, 0n, labelSize)
          const bus = registerBus({
            providerName: ocxlPmemName(minor++),
            ndctl: async (dimm: DimmRef | null, cmd, input) =>
              dimm
                ? serveConfigCommand(labels, OCXL_LABEL_MAX_XFER, cmd, input)
                : { rc: -25, cmdRc: 0, output: new Uint8Array(0) },
          })
          const dimm = bus.createDimm({
            id: `${setup.serial.toString(16).padStart(16, '0')}`,
            flags: [],
            cmdMask: LABEL_COMMANDS,
            health: () => ocxlHealth(engine),
            providerData: setup,
          })
          const size = setup.media.size - labelSize
          bus.createRegion({
            type: 'pmem',
            resource: { start: base + offset + labelSize, size },
            media: new MediaWindow(setup.media, labelSize, size),
            mappings: [{ dimm, start: 0n, size, position: 0 }],
            interleaveSet: { cookie1: setup.serial, cookie2: setup.serial, altcookie: 0n },
            numaNode: 0,
            targetNode: 0,
            flags: ['persistMemctrl'],
            providerData: setup,
          })
        }
      },
    }),
    'experimental',
  )
}
