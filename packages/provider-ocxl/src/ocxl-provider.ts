import {
  defineProvider,
  DimmCmd,
  isNvdimmError,
  prefixedLogger,
  type Media,
  MediaWindow,
  type ProviderComponents,
  type ProviderInit,
  serveConfigCommand,
} from '@nvdimm/core'
import {
  type Clock,
  GLOBAL_MMIO_CHI_ALL,
  GLOBAL_MMIO_CHI_CDA,
  GLOBAL_MMIO_CHI_CFFS,
  GLOBAL_MMIO_CHI_CHFS,
  GLOBAL_MMIO_CHI_ELA,
  GLOBAL_MMIO_CHIE,
  GLOBAL_MMIO_CHIEC,
  ManualClock,
  OcxlCard,
  type OcxlCardOptions,
} from './card/index.js'
import {
  AdminCommandEngine,
  chiConditions,
  type OcxlCapabilities,
  ocxlFirmwareOps,
  ocxlHealth,
  waitReady,
} from './driver/index.js'
import { NVDIMM_FAMILY_OCXL, serveOcxlCall } from './family/index.js'
import { EmulatedOpal, LpcLink, ocxlPmemName, type LinkAddress, type OpalFirmware } from './link/index.js'
import { loadOcxlCards, serialKey, type SavedOcxlCards } from './ocxl-card-store.js'

/** The ppc64 memory section (SECTION_SIZE_BITS 24): the series keeps the label area in the first one. */
export const OCXL_LABEL_AREA_SIZE = 16n << 20n
/** How much of the label area one config command moves. */
const OCXL_LABEL_MAX_XFER = 4096
/** The doorbells the driver rings on: every condition but readiness. */
const CONDITION_DOORBELLS = GLOBAL_MMIO_CHI_ELA | GLOBAL_MMIO_CHI_CDA | GLOBAL_MMIO_CHI_CFFS | GLOBAL_MMIO_CHI_CHFS

export interface OcxlCardSetup {
  /** The OpenCAPI link (PHB and device) the card's function 1 sits on. */
  link: LinkAddress
  /**
   * The card itself. Without it the provider powers one on from `config` and the state it saved
   * in the platform's firmware store (resumed as it was within one boot, powered on again after
   * a power cycle).
   */
  card?: OcxlCard
  config?: Omit<OcxlCardOptions, 'clock'>
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
  /** Default: a clock that moves only when the driver waits, so a wait never really sleeps. */
  clock?: Clock
}

const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]

/** nmemN/ocxl: what read_device_metadata() logged in the series, as attributes (the review's ask). */
function cardAttributes(card: OcxlCard, capabilities: OcxlCapabilities, setup: OcxlCardSetup) {
  return () => ({
    serial: `0x${setup.serial.toString(16)}`,
    link: `${setup.link.phbId}:${setup.link.bdfn.toString(16)}`,
    fw_version: card.fwVersion,
    scm_revision: `${capabilities.revision.major}.${capabilities.revision.minor}`,
    read_latency_ns: capabilities.readLatencyNs,
    readiness_timeout_s: capabilities.readinessTimeoutS,
    memory_available_timeout_s: capabilities.memoryAvailableTimeoutS,
    max_controller_dump_size: capabilities.maxControllerDumpSize,
  })
}

/**
 * OpenCAPI persistent memory (the ocxlpmem series, experimental): per card a bus `ocxlpmemN`, a
 * dimm whose label area is the first memory section, and a pmem region over the rest, mapped
 * through the link's LPC memory once the card says its controller is ready and its memory
 * available. A card that fails is logged and left out; the others come up. The card's error
 * log, stats, dump, shutdown and firmware update are reached through ND_CMD_CALL on the dimm.
 */
export function ocxl(options: OcxlOptions): ProviderInit {
  return defineProvider(
    'ocxl',
    (components) => {
      const probed: { card: OcxlCard; link: LpcLink }[] = []
      let save = () => undefined as void
      return {
        async probe() {
          const saved = loadOcxlCards(components.firmware)
          const cards = new Map<string, OcxlCard>()
          save = () => {
            const states: SavedOcxlCards['cards'] = { ...saved?.cards }
            for (const [key, card] of cards) states[key] = card.toJSON()
            components.firmware.save({ boot: components.boot, cards: states })
          }
          await probeCards(options, components, saved, cards, probed, () => save())
          save()
        },
        async remove() {
          // free_ocxlpmem(): disable the doorbells first, then let the memory go.
          for (const { card, link } of probed.splice(0)) {
            card.write64(GLOBAL_MMIO_CHIEC, GLOBAL_MMIO_CHI_ALL)
            card.setInterruptHandler(undefined)
            link.release()
          }
          save()
        },
      }
    },
    'experimental',
  )
}

/**
 * The card as this boot finds it: the one handed in, or the saved one, resumed within a boot or
 * powered on again. An orderly power-off lets the controller finish (a clean shutdown); after a
 * power failure only a SHUTDOWN sent before it counts as clean.
 */
function cardFor(
  setup: OcxlCardSetup,
  saved: SavedOcxlCards | undefined,
  components: Pick<ProviderComponents, 'boot' | 'powerLost'>,
  clock: Clock,
): OcxlCard {
  if (setup.card) return setup.card
  const state = saved?.cards[serialKey(setup.serial)] as { cleanShutdown?: unknown } | undefined
  const options = { ...setup.config, clock }
  if (state === undefined) return new OcxlCard(options)
  if (saved!.boot === components.boot) return OcxlCard.resume(state, options)
  return OcxlCard.fromJSON(components.powerLost ? state : { ...state, cleanShutdown: true }, options)
}

async function probeCards(
  options: OcxlOptions,
  components: ProviderComponents,
  saved: SavedOcxlCards | undefined,
  cards: Map<string, OcxlCard>,
  probed: { card: OcxlCard; link: LpcLink }[],
  save: () => void,
): Promise<void> {
  const { registerBus, logger } = components
  const opal = options.opal ?? new EmulatedOpal()
  const clock = options.clock ?? new ManualClock()
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
    const where = `ocxlpmem: card ${setup.serial.toString(16)} on link ${setup.link.phbId}`
    let card: OcxlCard
    try {
      card = cardFor(setup, saved, components, clock)
    } catch (error) {
      if (!isNvdimmError(error)) throw error
      logger.error(`${where}: its saved state is unusable: ${error.message}`)
      continue
    }
    cards.set(serialKey(setup.serial), card)
    const base = link.map()
    if (base === 0n) continue
    let capabilities: OcxlCapabilities
    try {
      capabilities = await waitReady(card, clock)
    } catch (error) {
      if (!isNvdimmError(error)) throw error
      logger.error(`${where}: ${error.message}`)
      link.release()
      continue
    }
    const labelSize = setup.labelAreaSize ?? OCXL_LABEL_AREA_SIZE
    if (labelSize <= 0n || labelSize >= setup.media.size) {
      logger.error(`${where}: a ${labelSize}-byte label area leaves no memory for the region (EINVAL)`)
      link.release()
      continue
    }
    const engine = new AdminCommandEngine(card, clock)
    const labels = new MediaWindow(setup.media, 0n, labelSize)
    const name = ocxlPmemName(minor++)
    const log = prefixedLogger(logger, `${name}: `)
    const bus = registerBus({
      providerName: name,
      cmdMask: [],
      dimmFamilyMask: [NVDIMM_FAMILY_OCXL],
      ndctl: async (dimm, cmd, input) => {
        if (!dimm) return { rc: -25, cmdRc: 0, output: new Uint8Array(0) }
        try {
          return cmd === DimmCmd.CALL
            ? await serveOcxlCall(engine, input, log)
            : await serveConfigCommand(labels, OCXL_LABEL_MAX_XFER, cmd, input)
        } finally {
          save()
        }
      },
    })
    const dimm = bus.createDimm({
      id: setup.serial.toString(16).padStart(16, '0'),
      flags: [],
      cmdMask: [...LABEL_COMMANDS, DimmCmd.CALL],
      health: () => ocxlHealth(engine),
      ops: { firmware: ocxlFirmwareOps(card, engine, save) },
      attributes: { group: 'ocxl', read: cardAttributes(card, capabilities, setup) },
      providerData: setup,
    })
    // The doorbells: each condition that rises is a health notification on the dimm.
    card.setInterruptHandler((raised) => {
      for (const condition of chiConditions(raised)) bus.notifyHealth(dimm, condition)
    })
    card.write64(GLOBAL_MMIO_CHIE, CONDITION_DOORBELLS)
    probed.push({ card, link })
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
}
