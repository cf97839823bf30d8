import { type CommandResult, ERRNO, type Health, HEALTH_STATES } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  encodePdsmHealth,
  MEM_LIFE_STAT_ID,
  paprHealth,
  PaprPmemHealth,
  type PaprPmemHealthName,
  PaprScmDimmHealth,
  pdsmHealthOf,
  pdsmHealthToHealth,
  servePdsm,
  writePdsmHeader,
} from '../../src/pdsm/index.js'
import { FakeScmHealth, FakeScmHealthWithStats } from './fake-hypervisor.js'

/** A healthy dimm as ndctl sees it: the four JSON fields plus the model's six flags. */
const HEALTHY: Health = {
  state: 'ok',
  shutdownState: 'clean',
  shutdownCount: 0,
  unarmed: false,
  badShutdown: false,
  badRestore: false,
  scrubbed: false,
  locked: false,
  encrypted: false,
}

const PER_BIT: Record<PaprPmemHealthName, Partial<Health>> = {
  UNARMED: { unarmed: true },
  SHUTDOWN_DIRTY: { badShutdown: true, shutdownState: 'dirty' },
  SHUTDOWN_CLEAN: {},
  EMPTY: { badRestore: true },
  HEALTH_CRITICAL: { state: 'critical' },
  HEALTH_FATAL: { state: 'fatal' },
  HEALTH_UNHEALTHY: { state: 'non-critical', unarmed: true },
  // Nothing in the PDSM carries it: ndctl shows such a dimm as ok.
  HEALTH_NON_CRITICAL: {},
  ENCRYPTED: { encrypted: true },
  SCRUBBED_AND_LOCKED: { scrubbed: true, locked: true },
}

describe('paprHealth: each health bit through the PDSM into the common model', () => {
  for (const [bit, fields] of Object.entries(PER_BIT) as [PaprPmemHealthName, Partial<Health>][]) {
    it(`shows ${bit}`, async () => {
      const phyp = new FakeScmHealth()
      phyp.bitmap = PaprPmemHealth[bit]
      expect(await paprHealth(new PaprScmDimmHealth({ source: phyp }))).toEqual({ ...HEALTHY, ...fields })
    })
  }

  it('reports only the fields ndctl prints for papr: no temperatures, spares or alarms', async () => {
    const phyp = new FakeScmHealthWithStats()
    phyp.stats.set(MEM_LIFE_STAT_ID, 90n)
    const health = await paprHealth(new PaprScmDimmHealth({ source: phyp }))
    expect(Object.keys(health).sort()).toEqual([...Object.keys(HEALTHY), 'lifeUsedPercentage'].sort())
  })

  it('reads a hypervisor without H_SCM_HEALTH as healthy and rejects ENXIO when the hcall fails', async () => {
    const phyp = new FakeScmHealth()
    phyp.unimplemented = true
    const state = new PaprScmDimmHealth({ source: phyp })
    expect(await paprHealth(state)).toEqual(HEALTHY)
    phyp.unimplemented = false
    phyp.failure = new Error('H_PARAMETER')
    await expect(paprHealth(state)).rejects.toMatchObject({ errno: 'ENXIO' })
  })
})

describe('life used from the fuel gauge', () => {
  it('is 100 minus the MemLife stat when the hypervisor has it', async () => {
    const phyp = new FakeScmHealthWithStats()
    phyp.stats.set(MEM_LIFE_STAT_ID, 83n)
    expect((await paprHealth(new PaprScmDimmHealth({ source: phyp }))).lifeUsedPercentage).toBe(17)
  })

  it('is unsupported without performance stats, when they fail, or without a MemLife stat', async () => {
    expect((await paprHealth(new PaprScmDimmHealth({ source: new FakeScmHealth() }))).lifeUsedPercentage).toBe(
      undefined,
    )
    const failing = new FakeScmHealthWithStats()
    failing.statsFailure = new Error('H_AUTHORITY')
    expect((await paprHealth(new PaprScmDimmHealth({ source: failing }))).lifeUsedPercentage).toBe(undefined)
    const other = new FakeScmHealthWithStats()
    other.stats.set('MemLife', 50n).set('CtlResCt', 3n)
    expect((await paprHealth(new PaprScmDimmHealth({ source: other }))).lifeUsedPercentage).toBe(undefined)
  })

  it('goes negative as ndctl prints it for a gauge over 100', () => {
    expect(pdsmHealthToHealth(pdsmHealthOf(0n, { fuelGauge: 150n })).lifeUsedPercentage).toBe(-50)
    expect(pdsmHealthToHealth(pdsmHealthOf(0n, { fuelGauge: 0n })).lifeUsedPercentage).toBe(100)
  })
})

describe('shutdown count from the dirty shutdown counter', () => {
  it('is the counter the driver read at probe', async () => {
    const state = new PaprScmDimmHealth({ source: new FakeScmHealth(), dirtyShutdownCounter: 42n })
    expect((await paprHealth(state)).shutdownCount).toBe(42)
  })

  it('is unsupported without the DSC extension flag', () => {
    expect(pdsmHealthToHealth(pdsmHealthOf(0n)).shutdownCount).toBe(undefined)
  })

  it('keeps the low 32 bits, signed, as json_object_new_int() does', () => {
    expect(pdsmHealthToHealth(pdsmHealthOf(0n, { dirtyShutdownCounter: (1n << 32n) + 5n })).shutdownCount).toBe(5)
    expect(pdsmHealthToHealth(pdsmHealthOf(0n, { dirtyShutdownCounter: 0xffffffffn })).shutdownCount).toBe(-1)
  })
})

describe('pdsmHealthToHealth on values the kernel never sends', () => {
  it('reads an unknown dimm_health as ok and any non-zero flag byte as set', () => {
    const raw = { ...pdsmHealthOf(0n), dimmHealth: 4, dimmBadShutdown: 2, dimmLocked: 0x80 }
    expect(pdsmHealthToHealth(raw)).toMatchObject({ state: 'ok', shutdownState: 'dirty', locked: true })
    expect(HEALTH_STATES).toContain(pdsmHealthToHealth({ ...raw, dimmHealth: 0xffff }).state)
  })
})

describe('paprHealth over another transport', () => {
  it('rejects with the errno of a failed ioctl', async () => {
    const state = new PaprScmDimmHealth({ source: new FakeScmHealth() })
    const send = async (): Promise<CommandResult> => ({ rc: -ERRNO.ENOTTY, cmdRc: 0, output: new Uint8Array(0) })
    await expect(paprHealth(state, send)).rejects.toMatchObject({ errno: 'ENOTTY' })
  })

  it('reports nothing for a positive cmd_status, as papr_smart_get_flags() does', async () => {
    const state = new PaprScmDimmHealth({ source: new FakeScmHealth() })
    const send = async (envelope: Uint8Array): Promise<CommandResult> => {
      const result = await servePdsm(state, envelope)
      writePdsmHeader(result.output.subarray(64), { cmdStatus: 1, reserved: [0, 0] })
      return result
    }
    expect(await paprHealth(state, send)).toEqual({})
  })

  it('reads the payload libndctl reads, whatever the driver put there', async () => {
    const state = new PaprScmDimmHealth({ source: new FakeScmHealth() })
    const send = async (envelope: Uint8Array): Promise<CommandResult> => {
      const result = await servePdsm(state, envelope)
      result.output.set(encodePdsmHealth({ ...pdsmHealthOf(PaprPmemHealth.HEALTH_FATAL), extensionFlags: 0 }), 72)
      return result
    }
    expect(await paprHealth(state, send)).toEqual({ ...HEALTHY, state: 'fatal', shutdownCount: undefined })
  })
})
