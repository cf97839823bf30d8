import { NvdimmError } from '@nvdimm/core'

/**
 * Intel DSM firmware status: the first u32 of every output. The low 16 bits are the status
 * (ndctl/lib/intel.h ND_INTEL_STATUS_*, drivers/acpi/nfit/intel.h), the high 16 bits an extended
 * status whose meaning depends on the function; extended codes come with status EXTEND (7).
 */
export const IntelStatus = {
  SUCCESS: 0,
  NOTSUPP: 1,
  NOTEXIST: 2,
  INVALPARM: 3,
  HWERR: 4,
  RETRY: 5,
  UNKNOWN: 6,
  EXTEND: 7,
  NORES: 8,
  NOTREADY: 9,
  INVALID_STATE: 10,
  INVALID_PASS: 11,
} as const

export const INTEL_STATUS_MASK = 0xffff
export const INTEL_STATUS_EXTEND_MASK = 0xffff0000

/** Extended statuses, all sent as `ext | EXTEND` (ndctl/lib/intel.h, drivers/acpi/nfit/intel.h). */
export const IntelExtendedStatus = {
  /** FW start: another update is open. FW send, finish, finish query: wrong context. */
  START_BUSY: 0x10000 | IntelStatus.EXTEND,
  CTX_INVALID: 0x10000 | IntelStatus.EXTEND,
  /** FW finish: an update already finished. FW finish query: still verifying. */
  FIN_DONE: 0x20000 | IntelStatus.EXTEND,
  FQ_BUSY: 0x20000 | IntelStatus.EXTEND,
  /** FW finish / query: the image failed verification. */
  FIN_BAD: 0x30000 | IntelStatus.EXTEND,
  /** FW finish: aborted as asked. FW finish query: out of sequence. */
  FIN_ABORTED: 0x40000 | IntelStatus.EXTEND,
  FQ_ORDER: 0x40000 | IntelStatus.EXTEND,
  /** SMART inject: injection is disabled on this dimm. */
  INJ_DISABLED: 0x10000 | IntelStatus.EXTEND,
  /** Query overwrite: still running (ND_INTEL_STATUS_OQUERY_INPROGRESS). */
  OQUERY_INPROGRESS: 0x10000 | IntelStatus.EXTEND,
  /** Query overwrite: no overwrite to report on (ND_INTEL_STATUS_OQUERY_SEQUENCE_ERR). */
  OQUERY_SEQUENCE_ERR: 0x20000 | IntelStatus.EXTEND,
  /** Overwrite: not supported (ND_INTEL_STATUS_OVERWRITE_UNSUPPORTED). */
  OVERWRITE_UNSUPPORTED: 0x10000 | IntelStatus.EXTEND,
} as const

/** ND_CONFIG_LOCKED: the extended-status bit of GET_CONFIG_SIZE saying the label area is locked. */
export const ND_CONFIG_LOCKED = 1

/** An output that carries only a status. */
export function encodeIntelStatus(status: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, status >>> 0, true)
  return out
}

/** The status at the head of a DSM output; EIO when the dimm did not even return one. */
export function intelStatusOf(output: Uint8Array, what: string): number {
  if (output.length < 4) {
    throw new NvdimmError('EIO', `${what}: the dimm returned ${output.length} bytes, not even a status`)
  }
  return new DataView(output.buffer, output.byteOffset, output.byteLength).getUint32(0, true)
}

export function formatIntelStatus(status: number): string {
  return `firmware status 0x${(status >>> 0).toString(16)}`
}
