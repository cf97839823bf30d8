import { isNvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { ManualClock, OcxlCard } from '../src/card/index.js'
import { waitReady } from '../src/driver/index.js'

async function rejection(promise: Promise<unknown>) {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

describe('waitReady', () => {
  it('returns once CRDY and MA are both set, having waited on the clock', async () => {
    const clock = new ManualClock(1000)
    const card = new OcxlCard({ clock, controllerReadyAt: 2000, memoryAvailableAt: 4500 })
    const capabilities = await waitReady(card, clock)
    expect(capabilities.fwVersion).toBe('OCXL0001')
    expect(clock.now() - 1000).toBeGreaterThanOrEqual(4500)
    expect(clock.now() - 1000).toBeLessThan(4600)
  })

  it('accepts readiness arriving exactly at the end of the summed budget', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock, readinessTimeoutS: 1, memoryAvailableTimeoutS: 2, memoryAvailableAt: 3000 })
    await expect(waitReady(card, clock)).resolves.toMatchObject({ readinessTimeoutS: 1, memoryAvailableTimeoutS: 2 })
  })

  it('times out after readiness + memory-available timeout, naming what never came', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock, readinessTimeoutS: 1, memoryAvailableTimeoutS: 2, memoryAvailableAt: 3001 })
    const error = await rejection(waitReady(card, clock))
    expect(isNvdimmError(error, 'ETIMEDOUT')).toBe(true)
    expect((error as Error).message).toMatch(/memory never became available \(CHI\.MA\)/)
    expect((error as Error).message).not.toMatch(/CRDY/)
    expect(clock.now()).toBe(3000)
  })

  it('names both bits for a card that is never ready', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock, readinessTimeoutS: 0, memoryAvailableTimeoutS: 1 })
    card.setNeverReady()
    const error = await rejection(waitReady(card, clock))
    expect(isNvdimmError(error, 'ETIMEDOUT')).toBe(true)
    expect((error as Error).message).toMatch(/controller never became ready \(CHI\.CRDY\) and the memory never/)
  })

  it('times out when the controller comes up only with "never"', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock, controllerReadyAt: 'never', readinessTimeoutS: 2, memoryAvailableTimeoutS: 0 })
    await expect(waitReady(card, clock)).rejects.toMatchObject({ errno: 'ETIMEDOUT' })
  })

  it('gives up at once on a fatal controller', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock, controllerReadyAt: 'never' })
    card.setHardwareFatal()
    await expect(waitReady(card, clock)).rejects.toMatchObject({ errno: 'EIO', message: /hardware fatal/ })
    expect(clock.now()).toBe(0)
  })

  it('brings up a ready card that has a fatal bit: its health says fatal, not the probe', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock })
    card.setFirmwareFatal()
    await expect(waitReady(card, clock)).resolves.toMatchObject({ fwVersion: 'OCXL0001' })
  })
})
