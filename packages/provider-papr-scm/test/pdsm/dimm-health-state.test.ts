import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  MIN_HEALTH_QUERY_INTERVAL_MS,
  PaprPmemHealth,
  PaprScmDimmHealth,
  PdsmSmartInjectFlag,
} from '../../src/pdsm/index.js'
import { FakeClock, FakeScmHealth } from './fake-hypervisor.js'

const { HEALTH_FATAL, SHUTDOWN_DIRTY, ENCRYPTED, EMPTY } = PaprPmemHealth
const FATAL = PdsmSmartInjectFlag.HEALTH_FATAL
const BAD_SHUTDOWN = PdsmSmartInjectFlag.BAD_SHUTDOWN

function setup(options: { injectMask?: bigint; changed?: () => void } = {}) {
  const phyp = new FakeScmHealth()
  const time = new FakeClock()
  const state = new PaprScmDimmHealth({ source: phyp, clock: time.clock, ...options })
  return { phyp, time, state }
}

describe('the 60 s health cache (drc_pmem_query_health)', () => {
  it('trusts the last bitmap for 60 s and asks again only once it is strictly older', async () => {
    const { phyp, time, state } = setup()
    phyp.bitmap = ENCRYPTED
    expect(await state.cachedBitmap()).toBe(ENCRYPTED)
    phyp.bitmap = EMPTY
    time.now = MIN_HEALTH_QUERY_INTERVAL_MS
    expect(await state.cachedBitmap()).toBe(ENCRYPTED)
    expect(phyp.healthCalls).toBe(1)
    time.now = MIN_HEALTH_QUERY_INTERVAL_MS + 1
    expect(await state.cachedBitmap()).toBe(EMPTY)
    expect(phyp.healthCalls).toBe(2)
  })

  it('is bypassed by the PDSM, which also restarts its 60 s', async () => {
    const { phyp, time, state } = setup()
    await state.cachedBitmap()
    time.now = 1_000
    phyp.bitmap = SHUTDOWN_DIRTY
    expect((await state.pdsmHealth()).dimmBadShutdown).toBe(1)
    expect(phyp.healthCalls).toBe(2)
    time.now = 1_000 + MIN_HEALTH_QUERY_INTERVAL_MS
    expect(await state.cachedBitmap()).toBe(SHUTDOWN_DIRTY)
    expect(phyp.healthCalls).toBe(2)
  })

  it('is dropped by an injection', async () => {
    const { phyp, time, state } = setup()
    await state.cachedBitmap()
    time.now = 10
    await state.inject({ flags: FATAL, fatalEnable: 1, unsafeShutdownEnable: 0 })
    expect(await state.cachedBitmap()).toBe(HEALTH_FATAL)
    expect(phyp.healthCalls).toBe(2)
  })

  it('keeps the bitmap and its age when H_SCM_HEALTH fails (ENXIO)', async () => {
    const { phyp, time, state } = setup()
    phyp.bitmap = ENCRYPTED
    await state.cachedBitmap()
    time.now = MIN_HEALTH_QUERY_INTERVAL_MS + 1
    phyp.failure = new Error('H_HARDWARE')
    await expect(state.cachedBitmap()).rejects.toMatchObject({ errno: 'ENXIO' })
    expect(state.healthBitmap).toBe(ENCRYPTED)
    phyp.failure = undefined
    phyp.bitmap = EMPTY
    expect(await state.cachedBitmap()).toBe(EMPTY)
  })

  it('honours only the bits the hypervisor marks valid, and takes a missing hcall as all clear', async () => {
    const { phyp, state } = setup()
    phyp.bitmap = HEALTH_FATAL | SHUTDOWN_DIRTY
    phyp.valid = SHUTDOWN_DIRTY
    expect(await state.queryBitmap()).toBe(SHUTDOWN_DIRTY)
    phyp.unimplemented = true
    expect(await state.queryBitmap()).toBe(0n)
  })
})

describe('the inject mask (papr_pdsm_smart_inject)', () => {
  it('forces bits over the hypervisor bitmap and clears only its own bits on uninject', async () => {
    const { phyp, state } = setup()
    phyp.bitmap = SHUTDOWN_DIRTY
    expect(await state.inject({ flags: FATAL | BAD_SHUTDOWN, fatalEnable: 1, unsafeShutdownEnable: 1 })).toBe(3)
    expect(state.injectMask).toBe(HEALTH_FATAL | SHUTDOWN_DIRTY)
    expect(await state.queryBitmap()).toBe(HEALTH_FATAL | SHUTDOWN_DIRTY)
    await state.inject({ flags: FATAL | BAD_SHUTDOWN, fatalEnable: 0, unsafeShutdownEnable: 0 })
    expect(state.injectMask).toBe(0n)
    // The hypervisor still says dirty: uninjecting does not hide what the platform reports.
    expect(await state.queryBitmap()).toBe(SHUTDOWN_DIRTY)
  })

  it('acts only on the flags set, takes any non-zero enable, and answers with the flags it knows', async () => {
    const { state } = setup()
    expect(await state.inject({ flags: 0xff, fatalEnable: 2, unsafeShutdownEnable: 0 })).toBe(3)
    expect(state.injectMask).toBe(HEALTH_FATAL)
    expect(await state.inject({ flags: 0, fatalEnable: 0, unsafeShutdownEnable: 1 })).toBe(0)
    expect(state.injectMask).toBe(HEALTH_FATAL)
    expect(await state.inject({ flags: BAD_SHUTDOWN, fatalEnable: 0, unsafeShutdownEnable: 1 })).toBe(BAD_SHUTDOWN)
    expect(state.injectMask).toBe(HEALTH_FATAL | SHUTDOWN_DIRTY)
  })

  it('starts from a saved mask and reports changes so they can be saved', async () => {
    let changes = 0
    const { state } = setup({ injectMask: SHUTDOWN_DIRTY, changed: () => changes++ })
    expect(await state.queryBitmap()).toBe(SHUTDOWN_DIRTY)
    await state.inject({ flags: BAD_SHUTDOWN, fatalEnable: 0, unsafeShutdownEnable: 1 })
    expect(changes).toBe(0)
    await state.inject({ flags: BAD_SHUTDOWN, fatalEnable: 0, unsafeShutdownEnable: 0 })
    expect(changes).toBe(1)
  })

  it('waits for a query in flight (health_mutex)', async () => {
    const time = new FakeClock()
    let answer!: (reply: { bitmap: bigint; valid: bigint }) => void
    const state = new PaprScmDimmHealth({
      clock: time.clock,
      source: { health: () => new Promise((resolve) => (answer = resolve)) },
    })
    const query = state.queryBitmap()
    let injected = false
    const inject = state.inject({ flags: FATAL, fatalEnable: 1, unsafeShutdownEnable: 0 }).then(() => {
      injected = true
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(injected).toBe(false)
    answer({ bitmap: 0n, valid: 0n })
    expect(await query).toBe(0n)
    await inject
    expect(state.injectMask).toBe(HEALTH_FATAL)
  })
})

describe('construction', () => {
  it('refuses counters and masks that are not u64', () => {
    const source = new FakeScmHealth()
    expect(() => new PaprScmDimmHealth({ source, dirtyShutdownCounter: -1n })).toThrow(NvdimmError)
    expect(() => new PaprScmDimmHealth({ source, injectMask: 1n << 64n })).toThrow(NvdimmError)
    expect(new PaprScmDimmHealth({ source }).dirtyShutdownCounter).toBe(0n)
  })
})
