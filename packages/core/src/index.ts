/**
 * @nvdimm/core: the libnvdimm object model — buses, dimms, regions and namespaces, the
 * provider contract, the platform store, and ndctl's views of it all.
 *
 * ```ts
 * import { createNvdimm } from '@nvdimm/core'
 * import { e820 } from '@nvdimm/provider-e820'
 *
 * const nd = createNvdimm({ providers: [e820({ memmap: 'memmap=4G!12G' })] })
 * nd.on('namespace:enable', (ns) => console.log(ns.name, ns.blockDevice))
 * await nd.start()
 * console.log(nd.region('region0').persistenceDomain)
 * await nd.stop()
 * ```
 *
 * @packageDocumentation
 */

export { ARCH_NAMES, archProfile, MEMREMAP_COMPAT_ALIGN_MAX } from './arch.js'
export type { ArchName, ArchProfile } from './arch.js'
export { ERRNO, errnoName, fail, isNvdimmError, NvdimmError, strerror } from './errors.js'
export type { Errno } from './errors.js'
export type { NvdimmEventName, NvdimmEvents } from './events.js'
export {
  alignDown,
  alignUp,
  hex,
  isAligned,
  isPowerOf2,
  memparse,
  parseSize,
  SZ_128K,
  SZ_1K,
  SZ_128M,
  SZ_16M,
  SZ_1G,
  SZ_1M,
  SZ_1T,
  SZ_256M,
  SZ_2M,
  SZ_4K,
  SZ_512,
  SZ_64K,
  U64_MAX,
} from './units.js'

export { createNvdimm, Nvdimm } from './subsystem.js'
export type { CreateNvdimmOptions, LogEntry, ProviderProbeError } from './subsystem.js'
export type { KmemRuntimeState, NamespaceRuntimeState, RegionRuntimeState, RuntimeState } from './runtime-state.js'

export { Bus } from './bus/bus.js'
export { commandStatus, submitCommand, submitUserCommand } from './bus/ndctl.js'
export { prefixedLogger } from './provider/prefixed-logger.js'
export { Dimm } from './dimm/dimm.js'
export {
  activateRegionDimms,
  DimmSecurity,
  initDimmSecurity,
  nvdimmSecurityFreeze,
  nvdimmSecurityUnlock,
  refreshSecurityFlags,
  securityDisable,
  securityErase,
  securityOverwrite,
  securityOverwriteQuery,
  securityUpdate,
  zeroKey,
} from './dimm/dimm-security.js'
export type { MasterSecurityState } from './dimm/dimm-security.js'
export {
  decodeKeyBlob,
  encodeKeyBlob,
  normalizePassphrase,
  NVDIMM_PASSPHRASE_LEN,
  parseKeyHandle,
} from './dimm/key-blob.js'
export type { NvdimmKey } from './dimm/key-blob.js'
export {
  fileKeyStore,
  KEY_FILE_MODE,
  keyDescription,
  keyFileName,
  KEYS_DIR_MODE,
  memoryKeyStore,
} from './dimm/key-store.js'
export type { FileKeyStoreOptions, KeyStore, NvdimmKeyType } from './dimm/key-store.js'
export {
  ndctlFreezeSecurity,
  ndctlRemovePassphrase,
  ndctlSanitizeDimm,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  ndctlWaitOverwrite,
} from './ndctl/security.js'
export type {
  PassphraseOptions,
  SanitizeOptions,
  SecurityCommandOptions,
  WaitOverwriteOptions,
} from './ndctl/security.js'
export { Region } from './region/region.js'
export type { Mapping, NamespaceType, PersistenceDomain } from './region/region.js'
export { defaultRegionAlign } from './region/align.js'
export { Namespace } from './namespace/namespace.js'
export type { NamespaceMap, NamespaceMode } from './namespace/namespace.js'
export { NamespaceIo } from './namespace/namespace-io.js'

export { CONTROLLER_CONDITIONS, HEALTH_STATES, HEALTH_UNSUPPORTED, worseHealthState } from './health/health.js'
export type { ControllerCondition, Health, HealthState, ShutdownState } from './health/health.js'

export type { Media } from './media/media.js'
export { FileMedia } from './media/file-media.js'
export type { FileMediaOptions } from './media/file-media.js'
export { MemoryMedia } from './media/memory-media.js'
export { MediaWindow } from './media/media-window.js'
export { BufferMedia } from './media/buffer-media.js'
export { serveConfigCommand } from './provider/config-area.js'

export { BusCmd, DimmCmd, DimmFamily } from './provider/commands.js'
export { defineProvider } from './provider/define.js'
export type { ProviderImplementation } from './provider/define.js'
export type * from './provider/dimm-ops.js'
export type * from './provider/bus-ops.js'
export * from './provider/payloads.js'
export * from './provider/cmd-pkg.js'
export { isProvider, providerSymbol } from './provider/symbols.js'
export { ND_MAX_MAPPINGS } from './provider/schemas.js'
export { DIMM_FIRMWARE_FLAGS, DIMM_FLAGS, REGION_FLAGS } from './provider/types.js'
export type {
  BusDescriptor,
  BusHandle,
  CommandResult,
  DimmDescriptor,
  DimmFirmwareFlag,
  DimmFlag,
  DimmRef,
  InterleaveSet,
  Logger,
  MappingDescriptor,
  Provider,
  ProviderComponents,
  ProviderInit,
  ProviderStability,
  RegionDescriptor,
  RegionFlag,
  RegionRef,
  RegionType,
} from './provider/types.js'

export {
  destroyPlatform,
  afterKexec,
  afterPowerCycle,
  afterPowerFail,
  initPlatform,
  isSimulatedCrash,
  KEYS_DIR,
  LOCK_FILE,
  MEDIA_DIR,
  Platform,
  PLATFORM_FILE,
} from './platform/platform.js'
export type {
  PlatformOptions,
  PlatformSession,
  PlatformSpec,
  MachineSpec,
  ProviderEntry,
  StartOptions,
} from './platform/platform.js'
export type { MediaFile, MediaOpener, PlatformProviderKind } from './platform/provider-kind.js'
export { mediaPath, u64Json } from './platform/codecs.js'
export { realFs, writeFileAtomic } from './platform/fs-ops.js'
export type { FsOps } from './platform/fs-ops.js'
export { acquireLock } from './platform/lock.js'
export type { LockOptions, PlatformLock } from './platform/lock.js'

export { ndctlList } from './ndctl/list.js'
export type { ListOptions } from './ndctl/list.js'
export { ndctlXableNamespace, ndctlXableRegion } from './ndctl/xable.js'
export type { XableAction, XableOptions, XableResult } from './ndctl/xable.js'
export { displaySize, toJsonC } from './ndctl/json.js'
export type { JsonValue } from './ndctl/json.js'
export { inNdctlOrder, kernfsNameHash } from './util/kernfs-order.js'

export { DimmDrvdata } from './dimm/dimm-drvdata.js'
export { dpaLabelId, DpaTree, PMEM_RESERVE } from './dimm/dpa.js'
export type { DpaResource } from './dimm/dpa.js'
export { NamespacePmem } from './namespace/namespace-pmem.js'
export type { ClaimClass, KernelNamespaceMode } from './namespace/namespace.js'
export {
  setNamespaceHolderClass,
  setNamespaceName,
  setNamespaceSectorSize,
  setNamespaceSize,
  setNamespaceUuid,
} from './namespace/namespace-attrs.js'
export { labelAreaGeometry, labelOffset } from './namespace/label/geometry.js'
export type { LabelAreaGeometry } from './namespace/label/geometry.js'
export {
  bestSeq,
  decodeIndexBlock,
  encodeIndexBlock,
  indexSizeFor,
  nextSeq,
  NSINDEX_SIGNATURE,
} from './namespace/label/index-block.js'
export type { IndexBlock } from './namespace/label/index-block.js'
export { ABSTRACTION_GUID, decodeLabel, encodeLabel, NSLABEL_FLAG_UPDATING } from './namespace/label/namespace-label.js'
export type { LabelSize, NamespaceLabel } from './namespace/label/namespace-label.js'
export { indexBlockFault } from './namespace/label/label-store.js'
export { checkLabelArea } from './namespace/label/label-check.js'
export type { LabelAreaFinding, LabelAreaReport } from './namespace/label/label-check.js'
export type { LabelAreaView } from './namespace/label/label-store.js'
export { fletcher64 } from './util/fletcher64.js'
export { NULL_UUID } from './util/uuid.js'
export {
  ndctlCheckLabels,
  ndctlInitLabels,
  ndctlReadLabels,
  ndctlWriteLabels,
  ndctlXableDimm,
  ndctlZeroLabels,
  selectDimms,
} from './ndctl/labels.js'
export type { LabelCommandOptions, ReadLabelsOptions } from './ndctl/labels.js'
export { ndctlCreateNamespace } from './ndctl/create-namespace.js'
export type { CreateNamespaceOptions } from './ndctl/create-namespace.js'
export { ndctlDestroyNamespace } from './ndctl/destroy-namespace.js'
export type { DestroyNamespaceOptions } from './ndctl/destroy-namespace.js'

export { ClaimDevice } from './claim/claim-device.js'
export type { ClaimKind } from './claim/claim-device.js'
export { NdBtt } from './claim/nd-btt.js'
export { NdPfn, defaultPfnAlign } from './claim/nd-pfn.js'
export type { PfnLocation } from './claim/nd-pfn.js'
export { setBttSectorSize, setClaimNamespace, setClaimUuid, setPfnAlign, setPfnMode } from './claim/claim-attrs.js'
export { deleteClaim, disableClaim, enableClaim } from './claim/claim-driver.js'
export {
  DAX_SIG,
  decodePfnInfoBlock,
  encodePfnInfoBlock,
  PFN_INFO_OFFSET,
  PFN_INFO_SIZE,
  PFN_SIG,
  pfnInfoChecksum,
  PfnMode,
} from './pfn/pfn-info-block.js'
export type { PfnInfoBlock } from './pfn/pfn-info-block.js'
export { MAX_STRUCT_PAGE_SIZE, pfnLayout } from './pfn/pfn-layout.js'
export type { PfnLayout } from './pfn/pfn-layout.js'
export { validatePfnInfo } from './pfn/pfn-validate.js'
export type { PfnValidateInput, ValidPfnInfo } from './pfn/pfn-validate.js'
export { Btt } from './btt/btt.js'
export type { BttAttachOptions } from './btt/btt.js'
export type { BttArenaInfo } from './btt/btt-arena.js'
export {
  BTT_SECTOR_SIZES,
  BTT_SIG,
  bttInfoBlockChecksum,
  bttInfoBlockIsValid,
  decodeBttInfoBlock,
  encodeBttInfoBlock,
} from './btt/btt-info-block.js'
export type { BttInfoBlock } from './btt/btt-info-block.js'
export { bttArenaPlan, bttCapacity, bttInitialOffset } from './btt/btt-layout.js'
export type { BttArenaPlan, BttVersion } from './btt/btt-layout.js'
export { decodeLogGroup, encodeLogGroup, logGetOld, nextSeq as nextBttLogSeq } from './btt/btt-log.js'
export type { BttLogEntry, BttLogIndex } from './btt/btt-log.js'
export { checkBtt, formatBttCheckMessage } from './btt/btt-check.js'
export type { BttCheckArena, BttCheckMessage, BttCheckOptions, BttCheckResult } from './btt/btt-check.js'
export type { BlockDevice } from './data/block-device.js'
export { nvdimmFlush } from './region/region-flush.js'
export { namespaceMedia } from './namespace/nsio.js'
export type { NdctlOutcome } from './ndctl/outcome.js'
export {
  buildPfnInfoBlocks,
  checkWriteInfoblockOptions,
  infoBlocksToJson,
  INFOBLOCK_SIZE,
  ndctlReadInfoblock,
  ndctlReadInfoblockFile,
  ndctlWriteInfoblock,
  ndctlWriteInfoblockFile,
} from './ndctl/infoblock.js'
export type { ReadInfoblockOptions, WriteInfoblockOptions } from './ndctl/infoblock.js'
export { ndctlCheckNamespace } from './ndctl/check-namespace.js'
export type { CheckNamespaceOptions } from './ndctl/check-namespace.js'
export {
  decodeSmartTemperature,
  encodeSmartTemperature,
  ndctlInjectSmart,
  parseSmartRequest,
} from './ndctl/inject-smart.js'
export type { InjectSmartOptions, SmartInjectStep, SmartRequest } from './ndctl/inject-smart.js'
export { checkUpdateFirmwareOptions, ndctlUpdateFirmware } from './ndctl/update-firmware.js'
export type { UpdateFirmwareOptions } from './ndctl/update-firmware.js'
export {
  applyMonitorConfig,
  CONTROLLER_EVENTS,
  DIMM_EVENTS,
  dimmEventFlags,
  dimmEventLine,
  DimmMonitor,
  firedDimmEvents,
  formatMonitorLog,
  healthNotified,
  monitorLogTarget,
  monitorTimestamp,
  parseDimmEvents,
  toJsonPlain,
} from './ndctl/monitor.js'
export type {
  DimmEventName,
  DimmSample,
  HealthStateSample,
  MonitorConfigurable,
  MonitorLogEntry,
  MonitorLogTarget,
  MonitorOptions,
  MonitorPriority,
} from './ndctl/monitor.js'

export { Badrange } from './badblocks/badrange.js'
export type { BadrangeEntry } from './badblocks/badrange.js'
export { Badblocks, BB_MAX_LEN, MAX_BADBLOCKS } from './badblocks/badblocks.js'
export type { BadblocksEntry } from './badblocks/badblocks.js'
export { populateBadblocks } from './badblocks/populate.js'
export type { PhysRange } from './badblocks/populate.js'
export { diskBadblocks, pmemDiskRange, regionBadblocks } from './badblocks/device-badblocks.js'
export { nvdimmClearPoison } from './badblocks/clear-poison.js'
export { SCRUB_POLL_STEP_MS } from './badblocks/scrub-wait.js'
export type { ScrubWaitEnv } from './badblocks/scrub-wait.js'
export { busScrubState, ndctlStartScrub, ndctlWaitScrub } from './ndctl/scrub.js'
export type { ScrubCommandOptions } from './ndctl/scrub.js'
export { ndctlInjectError } from './ndctl/inject-error.js'
export type { InjectErrorOptions } from './ndctl/inject-error.js'
export { ndctlClearErrors } from './ndctl/clear-errors.js'
export type { ClearErrorsOptions } from './ndctl/clear-errors.js'
export { CpuCacheModel, seededRandom } from './persistence/cache-model.js'
export type {
  InFlightStore,
  PersistenceOp,
  PowerFailOptions,
  PowerFailReport,
  UncertainLine,
} from './persistence/cache-model.js'
export { explorePowerFailures } from './persistence/explore.js'
export type { ConsistencyCheck, CrashState, ExploreOptions, ExploreReport } from './persistence/explore.js'
export { RegionPersistence } from './persistence/region-persistence.js'
export { OverlayMedia } from './media/overlay-media.js'
export { findNamespace, openNamespaceData, readNamespaceData, writeNamespaceData } from './data/namespace-data.js'
export type { NamespaceData, TransferProgress } from './data/namespace-data.js'
export { NbdServer } from './nbd/nbd-server.js'
export type { NbdExport } from './nbd/nbd-server.js'
export { formatIomem, pmemResources } from './iomem/iomem.js'
export type { IomemResource } from './iomem/iomem.js'

export { DaxAttributes } from './dax/dax-attributes.js'
export type { DaxAttributeOverrides, MapSyncState } from './dax/dax-attributes.js'
export { Kmem, KMEM_RESOURCE_NAME, kmemRange } from './dax/kmem.js'
export type { KmemBinding, KmemDevice } from './dax/kmem.js'
export { DaxDevice, DaxMapping, daxDeviceName } from './data/dax-device.js'
export { daxDevices } from './daxctl/dax-devices.js'
export { daxctlList } from './daxctl/daxctl-list.js'
export type { DaxctlListOptions } from './daxctl/daxctl-list.js'
export { daxctlReconfigureDevice } from './daxctl/reconfigure-device.js'
export type { ReconfigureOptions } from './daxctl/reconfigure-device.js'
export { daxctlMemoryCommand } from './daxctl/online-offline.js'
export type { MemoryCommandOptions } from './daxctl/online-offline.js'
export { applyDaxctlConf, parseDaxctlConf } from './daxctl/daxctl-conf.js'
export type { DaxctlConfEntry } from './daxctl/daxctl-conf.js'
export { MemoryBlock } from './memory/memory-block.js'
export type { MemoryZone } from './memory/memory-block.js'
export { AUTO_ONLINE_POLICIES, MemoryHotplug } from './memory/memory-hotplug.js'
export type { AutoOnlinePolicy, HotplugResource, OnlineType } from './memory/memory-hotplug.js'
export { bootMemmap, DEFAULT_RAM_SIZE, formatFirmwareMemmap, qemuPcMemmap } from './memory/firmware-memmap.js'
export type { FirmwareMemmapEntry } from './memory/firmware-memmap.js'
export { planKexec, systemRam } from './memory/kexec-plan.js'
export type { KexecPlan, KexecSegment, SystemRamRange } from './memory/kexec-plan.js'
export { placeHotAddedMemory } from './memory/hot-add.js'
export { HmemDaxDevice, HmemRegion } from './dax/hmem.js'
export type { SoftReservedDescriptor } from './dax/hmem.js'
export type { DaxDev } from './dax/dax-dev.js'
