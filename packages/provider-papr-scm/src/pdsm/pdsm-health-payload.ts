import { NvdimmError } from '@nvdimm/core'
import { ND_PDSM_PAYLOAD_MAX_SIZE } from './pdsm-header.js'

/**
 * struct nd_papr_pdsm_health (papr_pdsm.h), the PAPR_PDSM_HEALTH payload: a maximal 184-byte
 * union whose later fields are valid only when their extension flag is set. Natural
 * alignment, native-endian (little-endian here):
 *   u32 extension_flags @0, u8 dimm_unarmed @4, dimm_bad_shutdown @5, dimm_bad_restore @6,
 *   dimm_scrubbed @7, dimm_locked @8, dimm_encrypted @9, u16 dimm_health @10,
 *   u16 dimm_fuel_gauge @12 (RUN_GAUGE_VALID), 2 bytes padding, u64 dimm_dsc @16 (DSC_VALID).
 */

export const ND_PAPR_PDSM_HEALTH_SIZE = ND_PDSM_PAYLOAD_MAX_SIZE

/** dimm_health: PAPR_PDSM_DIMM_* */
export const PaprPdsmDimmHealth = {
  HEALTHY: 0,
  UNHEALTHY: 1,
  CRITICAL: 2,
  FATAL: 3,
} as const

/** extension_flags */
export const PdsmHealthExtension = {
  /** PDSM_DIMM_HEALTH_RUN_GAUGE_VALID: dimm_fuel_gauge holds the life remaining, percent. */
  RUN_GAUGE_VALID: 1,
  /** PDSM_DIMM_DSC_VALID: dimm_dsc holds the dirty shutdown counter. */
  DSC_VALID: 2,
} as const

export interface NdPaprPdsmHealth {
  extensionFlags: number
  /** The u8 flags: the kernel writes 0 or 1, readers test for non-zero. */
  dimmUnarmed: number
  dimmBadShutdown: number
  dimmBadRestore: number
  dimmScrubbed: number
  dimmLocked: number
  dimmEncrypted: number
  /** PAPR_PDSM_DIMM_* */
  dimmHealth: number
  /** Life remaining, percent (0-100 from a sane hypervisor). */
  dimmFuelGauge: number
  dimmDsc: bigint
}

const U8_FIELDS = [
  ['dimmUnarmed', 4],
  ['dimmBadShutdown', 5],
  ['dimmBadRestore', 6],
  ['dimmScrubbed', 7],
  ['dimmLocked', 8],
  ['dimmEncrypted', 9],
] as const

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new NvdimmError('EINVAL', `nd_papr_pdsm_health: ${what} ${value} does not fit (0-${max})`)
  }
}

/** The payload bytes; everything past the known fields is zero, as the kernel's struct assignment leaves it. */
export function encodePdsmHealth(health: NdPaprPdsmHealth): Uint8Array {
  checkUint(health.extensionFlags, 0xffffffff, 'extension_flags')
  for (const [field] of U8_FIELDS) checkUint(health[field], 0xff, field)
  checkUint(health.dimmHealth, 0xffff, 'dimm_health')
  checkUint(health.dimmFuelGauge, 0xffff, 'dimm_fuel_gauge')
  if (health.dimmDsc < 0n || health.dimmDsc > 0xffffffffffffffffn) {
    throw new NvdimmError('EINVAL', `nd_papr_pdsm_health: dimm_dsc ${health.dimmDsc} is not a u64`)
  }
  const out = new Uint8Array(ND_PAPR_PDSM_HEALTH_SIZE)
  const dv = view(out)
  dv.setUint32(0, health.extensionFlags, true)
  for (const [field, offset] of U8_FIELDS) dv.setUint8(offset, health[field])
  dv.setUint16(10, health.dimmHealth, true)
  dv.setUint16(12, health.dimmFuelGauge, true)
  dv.setBigUint64(16, health.dimmDsc, true)
  return out
}

/** Read the 184-byte payload (longer input is fine: only the first 184 bytes are looked at). */
export function decodePdsmHealth(payload: Uint8Array): NdPaprPdsmHealth {
  if (payload.length < ND_PAPR_PDSM_HEALTH_SIZE) {
    throw new NvdimmError(
      'EINVAL',
      `nd_papr_pdsm_health: ${payload.length} bytes, the payload is ${ND_PAPR_PDSM_HEALTH_SIZE}`,
    )
  }
  const dv = view(payload)
  return {
    extensionFlags: dv.getUint32(0, true),
    dimmUnarmed: dv.getUint8(4),
    dimmBadShutdown: dv.getUint8(5),
    dimmBadRestore: dv.getUint8(6),
    dimmScrubbed: dv.getUint8(7),
    dimmLocked: dv.getUint8(8),
    dimmEncrypted: dv.getUint8(9),
    dimmHealth: dv.getUint16(10, true),
    dimmFuelGauge: dv.getUint16(12, true),
    dimmDsc: dv.getBigUint64(16, true),
  }
}
