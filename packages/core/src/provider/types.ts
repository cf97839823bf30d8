import type { EventEmitter } from 'eventemitter3'
import type { ArchProfile } from '../arch.js'
import type { NvdimmEvents } from '../events.js'
import type { ControllerCondition, Health } from '../health/health.js'
import type { Media } from '../media/media.js'
import type { BusOps } from './bus-ops.js'
import type { DimmOps, FirmwareStore } from './dimm-ops.js'
import { providerSymbol } from './symbols.js'
import type { SoftReservedDescriptor } from '../dax/hmem.js'

/**
 * The provider contract: what a firmware-interface package hands to core. It mirrors the
 * kernel's split (include/linux/libnvdimm.h): the provider fills in descriptors and core
 * builds the devices, names them and runs the drivers.
 */

/** NDD_* dimm flags. `labeling`: the dimm can hold namespace labels. */
export const DIMM_FLAGS = [
  'aliasing',
  'unarmed',
  'locked',
  'securityOverwrite',
  'workPending',
  'labeling',
  'incoherent',
  'registerSync',
] as const
export type DimmFlag = (typeof DIMM_FLAGS)[number]

/**
 * Failures a platform reports for a dimm (NFIT memory-device flags, PAPR health bits), as
 * ndctl lists them: flag_failed_map, flag_failed_save, … flag_smart_event.
 */
export const DIMM_FIRMWARE_FLAGS = [
  'failed_map',
  'failed_save',
  'failed_arm',
  'failed_restore',
  'failed_flush',
  'smart_event',
] as const
export type DimmFirmwareFlag = (typeof DIMM_FIRMWARE_FLAGS)[number]

/** ND_REGION_* flags: pagemap (map struct pages), persistCache, persistMemctrl (ADR), async (provider flush). */
export const REGION_FLAGS = ['pagemap', 'persistCache', 'persistMemctrl', 'async', 'cxl'] as const
export type RegionFlag = (typeof REGION_FLAGS)[number]

/** nvdimm_pmem_region_create() or nvdimm_volatile_region_create(). */
export type RegionType = 'pmem' | 'volatile'

/**
 * The answer of a provider's command channel. `rc` says whether the command reached the
 * device (0 or a negative errno, the ioctl's return); `cmdRc` is the firmware status the
 * provider translated, which the ioctl path never returns on its own.
 */
export interface CommandResult {
  rc: number
  cmdRc: number
  output: Uint8Array
}

export interface DimmRef {
  /** nmemN */
  readonly name: string
  readonly providerData: unknown
}

export interface RegionRef {
  /** regionN */
  readonly name: string
  readonly providerData: unknown
}

/** struct nvdimm_bus_descriptor */
export interface BusDescriptor {
  /** "ACPI.NFIT", "e820", "ocxlpmem0", the papr_scm platform device name… */
  providerName: string
  /** The bus's parent device below /sys/devices ("/platform/e820_pmem"); "/platform/<providerName>" when not given. */
  parentDevice?: string
  /** Bus-level ND_CMD_* numbers the provider implements. */
  cmdMask?: readonly number[]
  /** NVDIMM_FAMILY_* that ND_CMD_CALL may reach on this bus's dimms. */
  dimmFamilyMask?: readonly number[]
  /** The command channel: `dimm` is null for bus commands. */
  ndctl?(dimm: DimmRef | null, cmd: number, input: Uint8Array): Promise<CommandResult>
  /** Refuse a command for now (the NFIT refuses ARS_START while a scrub runs): throw EBUSY. */
  clearToSend?(dimm: DimmRef | null, cmd: number, input: Uint8Array): Promise<void>
  /** Scrub, clear-error, error injection, translate SPA: what the bus supports. */
  ops?: BusOps
}

/** __nvdimm_create() arguments */
export interface DimmDescriptor {
  /** dimm_id: the unique id ndctl prints as "id". */
  id?: string
  /** NFIT device handle; ndctl prints it as "handle". */
  handle?: number
  /** SMBIOS physical id; ndctl prints it as "phys_id". */
  physId?: number
  flags: readonly DimmFlag[]
  /** What the platform says has failed on the dimm. */
  firmwareFlags?: readonly DimmFirmwareFlag[]
  /** Per-dimm ND_CMD_* numbers. */
  cmdMask: readonly number[]
  /** Flush hint addresses (num_flush, flush_wpq). */
  flushHints?: readonly bigint[]
  /** Native health, already translated into the common model. */
  health?(): Promise<Health>
  /** SMART thresholds and injection, security, firmware update: what the dimm supports. */
  ops?: DimmOps
  /**
   * The provider's own attributes, a sysfs group under nmemN (nmemN/nfit, nmemN/papr): what the
   * ocxlpmem review asked for in place of log lines. `list -v` shows them under the group's name.
   */
  attributes?: { group: string; read(): Readonly<Record<string, string | number | boolean>> }
  providerData?: unknown
}

/** struct nd_mapping_desc */
export interface MappingDescriptor {
  dimm: DimmRef
  /** DPA start within the dimm. */
  start: bigint
  size: bigint
  position: number
}

/** struct nd_interleave_set */
export interface InterleaveSet {
  cookie1: bigint
  cookie2: bigint
  altcookie: bigint
  typeGuid?: string
}

/** struct nd_region_desc */
export interface RegionDescriptor {
  type: RegionType
  /** The system-physical address range. */
  resource: { start: bigint; size: bigint }
  /** The bytes of the range. */
  media: Media
  mappings: readonly MappingDescriptor[]
  interleaveSet?: InterleaveSet
  numaNode: number
  targetNode: number
  flags: readonly RegionFlag[]
  /**
   * The firmware's name for the range in /proc/iomem ("Persistent Memory" for an NFIT SPA range,
   * "Persistent Memory (legacy)" for e820 type 12); none where the firmware map has no entry.
   */
  firmwareResource?: string
  /**
   * The firmware's own memory map lists the range (an e820 type 12 or 7 entry from the BIOS),
   * so /sys/firmware/memmap shows it under `firmwareResource`. Not for memmap= ranges, which
   * edit only the kernel's copy, nor for NFIT ranges, which e820 does not describe.
   */
  firmwareMemmap?: boolean
  /** The provider's flush (papr_scm, virtio): required exactly when `flags` has 'async'. */
  flush?(region: RegionRef): Promise<void>
  /** What that flush is, for messages ("H_SCM_FLUSH"). */
  flushName?: string
  providerData?: unknown
}

/** What nvdimm_bus_register() hands back. */
export interface BusHandle {
  /** ndbusN */
  readonly name: string
  createDimm(descriptor: DimmDescriptor): DimmRef
  createRegion(descriptor: RegionDescriptor): RegionRef
  /**
   * nvdimm_bus_add_badrange(): the platform found poison at [spa, spa + length) (a scrub record,
   * a machine check); the region and namespace badblocks that cover it follow.
   */
  addBadrange(spa: bigint, length: bigint): void
  /** The dimm raised a controller condition (sysfs_notify of its health): a 'dimm:health-event'. */
  notifyHealth(dimm: DimmRef, condition: ControllerCondition): void
  unregister(): Promise<void>
}

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** What core gives a provider when it is composed (libp2p-style late injection). */
export interface ProviderComponents {
  /** May be called several times: papr_scm registers one bus per device. */
  registerBus(descriptor: BusDescriptor): BusHandle
  /** A Soft Reserved range for dax_hmem (not an nvdimm region): it gets a memregion id and a dax device. */
  registerSoftReserved(descriptor: SoftReservedDescriptor): void
  readonly arch: ArchProfile
  readonly logger: Logger
  readonly events: EventEmitter<NvdimmEvents>
  /** This provider's firmware state from the last run, and where to put the new one. */
  readonly firmware: FirmwareStore
  /** Which boot of the platform this is (RuntimeState.boot): a change means the power was cycled. */
  readonly boot: number
  /** Which kernel of the platform this is (RuntimeState.kernel): moves on at a power cycle and at a kexec. */
  readonly kernel: number
  /** This boot followed a power failure, not an orderly shutdown. */
  readonly powerLost: boolean
}

export type ProviderStability = 'stable' | 'experimental'

export interface Provider {
  readonly [providerSymbol]: true
  /** Short name for logs and CLI flags: 'nfit', 'e820'. */
  readonly name: string
  readonly stability: ProviderStability
  /** platform_driver.probe: register buses, dimms and regions. */
  probe(): Promise<void>
  /** platform_driver.remove: release what probe took (buses are unregistered by core). */
  remove(): Promise<void>
}

export type ProviderInit = (components: ProviderComponents) => Provider
