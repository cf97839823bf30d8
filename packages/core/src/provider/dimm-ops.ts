/**
 * What a dimm can do beyond labels, in provider-neutral terms: libndctl's per-family dimm ops
 * (ndctl/lib/intel.c, papr.c) and the kernel's nvdimm_security_ops / nvdimm_fw_ops. A provider
 * implements them over its own command channel and translates its firmware's answers; core and
 * the CLI only see these shapes. Every member is optional: absent means "not supported" (ENOTTY).
 */

/** ndctl's SMART thresholds: which alarms are enabled and their trip points (°C, %). */
export interface SmartThresholds {
  alarmTemperature: boolean
  alarmControllerTemperature: boolean
  alarmSpares: boolean
  temperature?: number
  controllerTemperature?: number
  spares?: number
}

/** One inject-smart request; `uninject` restores the named fields to the firmware's own values. */
export interface SmartInjection {
  mediaTemperature?: number
  controllerTemperature?: number
  spares?: number
  fatal?: boolean
  unsafeShutdown?: boolean
  uninject?: readonly ('mediaTemperature' | 'controllerTemperature' | 'spares' | 'fatal' | 'unsafeShutdown')[]
}

export interface DimmSmartOps {
  thresholds?(): Promise<SmartThresholds>
  /** Only the fields given change. */
  setThresholds?(change: Partial<SmartThresholds>): Promise<void>
  inject?(injection: SmartInjection): Promise<void>
  /**
   * The fields `inject` can set (ndctl_dimm_smart_inject_supported()); ndctl sends no others and
   * says nothing about them. Absent: every field is tried.
   */
  injectFields?: readonly NonNullable<SmartInjection['uninject']>[number][]
}

/** ndctl's security states (sysfs nmemN/security, nmemN/frozen). */
export type SecurityState = 'disabled' | 'unlocked' | 'locked' | 'overwrite' | 'unsupported'

export interface SecurityStatus {
  state: SecurityState
  frozen: boolean
  /** A master passphrase is set (extended state ENABLED). */
  masterEnabled?: boolean
}

/** A passphrase: at most 32 bytes, never logged, never printed. */
export type Passphrase = Uint8Array

/** struct nvdimm_security_ops */
export interface DimmSecurityOps {
  status(): Promise<SecurityStatus>
  /** Set or change the user (or master) passphrase; `old` is empty when none is set. */
  changeKey(old: Passphrase, next: Passphrase, master?: boolean): Promise<void>
  disable(key: Passphrase): Promise<void>
  unlock(key: Passphrase): Promise<void>
  freeze(): Promise<void>
  erase(key: Passphrase, master?: boolean): Promise<void>
  overwrite(key: Passphrase): Promise<void>
  /** Resolves when no overwrite is running; rejects EBUSY while one is. */
  queryOverwrite(): Promise<void>
}

export interface FirmwareInfo {
  storageSize: number
  maxSendLength: number
  queryIntervalUs: number
  maxQueryTimeUs: number
  runVersion: bigint
  updatedVersion: bigint
}

/** The Intel firmware-update sequence (ndctl update-firmware); a context ties the steps together. */
export interface DimmFirmwareOps {
  info(): Promise<FirmwareInfo>
  start(): Promise<number>
  send(context: number, offset: number, data: Uint8Array): Promise<void>
  finish(context: number, abort?: boolean): Promise<void>
  /** Resolves with the new version when done; rejects EBUSY while the dimm still verifies. */
  query(context: number): Promise<bigint>
}

export interface DimmOps {
  smart?: DimmSmartOps
  security?: DimmSecurityOps
  firmware?: DimmFirmwareOps
}

/**
 * Provider state that outlives one run, as a dimm's firmware keeps it (injected SMART values,
 * passphrases, poison). JSON-safe values only (u64 as strings); saved with the platform.
 */
export interface FirmwareStore {
  load(): unknown
  save(value: unknown): void
}
