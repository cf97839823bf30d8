import { describe, expect, it } from 'vitest'
import {
  type NdPaprPdsmHealth,
  pdsmHealthOf,
  PaprPmemHealth,
  type PaprPmemHealthName,
  PdsmHealthExtension,
} from '../../src/pdsm/index.js'

const HEALTHY: NdPaprPdsmHealth = {
  extensionFlags: 0,
  dimmUnarmed: 0,
  dimmBadShutdown: 0,
  dimmBadRestore: 0,
  dimmScrubbed: 0,
  dimmLocked: 0,
  dimmEncrypted: 0,
  dimmHealth: 0,
  dimmFuelGauge: 0,
  dimmDsc: 0n,
}

/** What papr_pdsm_health() sets for each bit alone. */
const PER_BIT: Record<PaprPmemHealthName, Partial<NdPaprPdsmHealth>> = {
  UNARMED: { dimmUnarmed: 1 },
  SHUTDOWN_DIRTY: { dimmBadShutdown: 1 },
  SHUTDOWN_CLEAN: {},
  EMPTY: { dimmBadRestore: 1 },
  HEALTH_CRITICAL: { dimmHealth: 2 },
  HEALTH_FATAL: { dimmHealth: 3 },
  HEALTH_UNHEALTHY: { dimmHealth: 1, dimmUnarmed: 1 },
  HEALTH_NON_CRITICAL: {},
  ENCRYPTED: { dimmEncrypted: 1 },
  SCRUBBED_AND_LOCKED: { dimmScrubbed: 1, dimmLocked: 1 },
}

describe('health bitmap → nd_papr_pdsm_health', () => {
  it('reports a healthy dimm for an empty bitmap', () => {
    expect(pdsmHealthOf(0n)).toEqual(HEALTHY)
  })

  for (const [bit, fields] of Object.entries(PER_BIT) as [PaprPmemHealthName, Partial<NdPaprPdsmHealth>][]) {
    it(`maps ${bit} alone`, () => {
      expect(pdsmHealthOf(PaprPmemHealth[bit])).toEqual({ ...HEALTHY, ...fields })
    })
  }

  it('keeps the worst of fatal, critical and unhealthy', () => {
    const { HEALTH_FATAL, HEALTH_CRITICAL, HEALTH_UNHEALTHY } = PaprPmemHealth
    expect(pdsmHealthOf(HEALTH_FATAL | HEALTH_CRITICAL | HEALTH_UNHEALTHY).dimmHealth).toBe(3)
    expect(pdsmHealthOf(HEALTH_CRITICAL | HEALTH_UNHEALTHY).dimmHealth).toBe(2)
  })

  it('ignores the reserved bits', () => {
    expect(pdsmHealthOf((1n << 54n) - 1n)).toEqual(HEALTHY)
  })

  it('adds the fuel gauge (a u16) and the dirty shutdown counter with their extension flags', () => {
    expect(pdsmHealthOf(0n, { fuelGauge: 83n })).toMatchObject({
      extensionFlags: PdsmHealthExtension.RUN_GAUGE_VALID,
      dimmFuelGauge: 83,
    })
    expect(pdsmHealthOf(0n, { fuelGauge: 0x1_0050n }).dimmFuelGauge).toBe(0x50)
    expect(pdsmHealthOf(0n, { dirtyShutdownCounter: 7n })).toMatchObject({
      extensionFlags: PdsmHealthExtension.DSC_VALID,
      dimmDsc: 7n,
    })
    expect(pdsmHealthOf(0n, { fuelGauge: 1n, dirtyShutdownCounter: 0n }).extensionFlags).toBe(3)
  })
})
