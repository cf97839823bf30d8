/**
 * What a bus can do about media errors, in provider-neutral terms: scrub the address space for
 * poison, clear it, inject it (for testing), and say which dimm holds an address. A provider
 * implements these over its own command channel (the NFIT bus DSMs, papr_scm's hcalls) the way
 * its kernel driver does, and translates its firmware's answers into NvdimmErrors. Every member
 * is optional: absent means the bus cannot (ndctl says "Operation not supported").
 */

/** The bus's scrub as sysfs `nfit/scrub` shows it: "count" or "count+" while one runs. */
export interface ScrubStatus {
  /** A scrub is queued or running. */
  active: boolean
  /** Scrubs completed since the bus came up. */
  count: number
  /** How far the running scrub is (0..1), when the platform can tell; for progress display only. */
  progress?: number
}

/** Writing 1 to sysfs `scrub` (acpi_nfit_ars_rescan()) and reading it back. */
export interface BusScrubOps {
  /** Queue a full scrub of every range: EBUSY when one is already queued, ENOTTY when no range can be scrubbed. */
  start(): Promise<void>
  status(): Promise<ScrubStatus>
}

/** A range of injected poison, in system-physical addresses. */
export interface PoisonRange {
  spa: bigint
  length: bigint
}

/** The platform's error injection (NFIT functions 7, 8, 9): for testing error handling. */
export interface BusErrorInjectionOps {
  /** Poison `length` bytes at `spa`; with `notify` the platform tells the OS, which rescans. */
  inject(spa: bigint, length: bigint, notify: boolean): Promise<void>
  /** Remove injected poison; the kernel's own badblocks stay until the blocks are written. */
  uninject(spa: bigint, length: bigint): Promise<void>
  /** The injected poison the platform still holds. */
  status(): Promise<PoisonRange[]>
}

/** One dimm an address lands on (translate SPA): its NFIT device handle and the address on it. */
export interface SpaDevice {
  handle: number
  dpa: bigint
}

export interface BusOps {
  scrub?: BusScrubOps
  /** The granularity poison clears in over [spa, spa + length) (ARS capabilities' clear_err_unit): a power of 2. */
  clearErrorUnit?(spa: bigint, length: bigint): Promise<number>
  /**
   * Clear the poison of [spa, spa + length) and say how many bytes were cleared (may be fewer):
   * nvdimm_clear_poison()'s firmware part. Both must be multiples of clearErrorUnit (ENXIO).
   */
  clearError?(spa: bigint, length: bigint): Promise<bigint>
  errorInjection?: BusErrorInjectionOps
  /** The dimms behind a system-physical address; EINVAL for an address no dimm maps. */
  translateSpa?(spa: bigint): Promise<SpaDevice[]>
}
