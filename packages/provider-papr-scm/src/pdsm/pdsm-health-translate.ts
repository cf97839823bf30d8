import {
  PAPR_PMEM_BAD_RESTORE_MASK,
  PAPR_PMEM_BAD_SHUTDOWN_MASK,
  PAPR_PMEM_UNARMED_MASK,
  PaprPmemHealth,
} from './health-bitmap.js'
import { type NdPaprPdsmHealth, PaprPdsmDimmHealth, PdsmHealthExtension } from './pdsm-health-payload.js'

/** What papr_pdsm_health() adds beyond the bitmap, each only when the driver has it. */
export interface PdsmHealthExtras {
  /** The "MemLife " performance stat: life remaining, percent. */
  fuelGauge?: bigint
  /** The dirty shutdown counter (ibm,persistence-failed-count). */
  dirtyShutdownCounter?: bigint
}

const U16 = 0xffffn
const U64 = (1n << 64n) - 1n

function flag(bitmap: bigint, mask: bigint): number {
  return (bitmap & mask) !== 0n ? 1 : 0
}

/** dimm_health: the worst of fatal, critical, unhealthy; HEALTH_NON_CRITICAL alone leaves it healthy. */
function dimmHealthOf(bitmap: bigint): number {
  if (bitmap & PaprPmemHealth.HEALTH_FATAL) return PaprPdsmDimmHealth.FATAL
  if (bitmap & PaprPmemHealth.HEALTH_CRITICAL) return PaprPdsmDimmHealth.CRITICAL
  if (bitmap & PaprPmemHealth.HEALTH_UNHEALTHY) return PaprPdsmDimmHealth.UNHEALTHY
  return PaprPdsmDimmHealth.HEALTHY
}

/**
 * papr_pdsm_health() (papr_scm.c): the payload from the health bitmap (valid bits only, the
 * inject mask already applied), then the fuel gauge (papr_pdsm_fuel_gauge(), stored in a u16)
 * and the dirty shutdown counter (papr_pdsm_dsc()), each with its extension flag.
 */
export function pdsmHealthOf(bitmap: bigint, extras: PdsmHealthExtras = {}): NdPaprPdsmHealth {
  const scrubbedAndLocked = flag(bitmap, PaprPmemHealth.SCRUBBED_AND_LOCKED)
  const health: NdPaprPdsmHealth = {
    extensionFlags: 0,
    dimmUnarmed: flag(bitmap, PAPR_PMEM_UNARMED_MASK),
    dimmBadShutdown: flag(bitmap, PAPR_PMEM_BAD_SHUTDOWN_MASK),
    dimmBadRestore: flag(bitmap, PAPR_PMEM_BAD_RESTORE_MASK),
    // One bit says both: the contents were scrubbed and the dimm is locked until a CEC reboot.
    dimmScrubbed: scrubbedAndLocked,
    dimmLocked: scrubbedAndLocked,
    dimmEncrypted: flag(bitmap, PaprPmemHealth.ENCRYPTED),
    dimmHealth: dimmHealthOf(bitmap),
    dimmFuelGauge: 0,
    dimmDsc: 0n,
  }
  if (extras.fuelGauge !== undefined) {
    health.extensionFlags |= PdsmHealthExtension.RUN_GAUGE_VALID
    health.dimmFuelGauge = Number(extras.fuelGauge & U16)
  }
  if (extras.dirtyShutdownCounter !== undefined) {
    health.extensionFlags |= PdsmHealthExtension.DSC_VALID
    health.dimmDsc = extras.dirtyShutdownCounter & U64
  }
  return health
}
