import { describe, expect, it } from 'vitest'
import {
  GLOBAL_MMIO_CHI,
  GLOBAL_MMIO_CHI_ALL,
  GLOBAL_MMIO_CHI_CDA,
  GLOBAL_MMIO_CHI_CRDY,
  GLOBAL_MMIO_CHI_ELA,
  GLOBAL_MMIO_CHIE,
  GLOBAL_MMIO_CHIEC,
  ManualClock,
  OcxlCard,
} from '../src/card/index.js'
import { AdminCommandEngine, heartbeat, readErrorLog } from '../src/driver/index.js'
import { readyCard } from './helpers.js'

describe('card state JSON', () => {
  it('round-trips the error log, SMART values, firmware version, dump and faults', async () => {
    const { card } = readyCard({ fwVersion: 'V7' })
    card.injectErrorLog({ programReferenceCode: 0x42, data: Uint8Array.of(1, 2, 3) })
    card.setSmart({ lifeUsedPercentage: 33, healthState: 'non-critical' })
    card.collectControllerDump(Uint8Array.of(9, 8, 7))
    card.hangCommands(2)
    const json = JSON.parse(JSON.stringify(card.toJSON()))
    const clock = new ManualClock()
    const reopened = OcxlCard.fromJSON(json, { clock })
    expect(reopened.fwVersion).toBe('V7')
    expect(reopened.smartValues).toMatchObject({
      lifeUsedPercentage: 33,
      healthState: 'non-critical',
      dirtyShutdownCount: 1,
    })
    expect(reopened.chi() & (GLOBAL_MMIO_CHI_ELA | GLOBAL_MMIO_CHI_CDA)).toBe(GLOBAL_MMIO_CHI_ELA | GLOBAL_MMIO_CHI_CDA)
    expect(reopened.toJSON()).toEqual({ ...json, cleanShutdown: false, smart: reopened.smartValues })
    const engine = new AdminCommandEngine(reopened, clock)
    await expect(heartbeat(engine)).rejects.toMatchObject({ errno: 'ETIMEDOUT' })
    await expect(heartbeat(engine)).rejects.toMatchObject({ errno: 'ETIMEDOUT' })
    await heartbeat(engine)
    const log = await readErrorLog(engine, 64)
    expect(log.programReferenceCode).toBe(0x42)
    expect(log.data.subarray(16)).toEqual(Uint8Array.of(1, 2, 3))
  })

  it.each([
    ['null', null],
    ['a wrong version', { version: 2 }],
    ['odd hex', { ...new OcxlCard({ clock: new ManualClock() }).toJSON(), controllerDump: 'abc' }],
    ['an extra key', { ...new OcxlCard({ clock: new ManualClock() }).toJSON(), extra: 1 }],
  ])('rejects %s with EINVAL', (_, json) => {
    expect(() => OcxlCard.fromJSON(json, { clock: new ManualClock() })).toThrow(
      expect.objectContaining({ errno: 'EINVAL' }),
    )
  })
})

describe('card MMIO', () => {
  it('CHIE sets and CHIEC clears interrupt enables; CHI itself is read-only', () => {
    const card = new OcxlCard({ clock: new ManualClock() })
    card.write64(GLOBAL_MMIO_CHIE, GLOBAL_MMIO_CHI_ALL | (1n << 40n))
    expect(card.read64(GLOBAL_MMIO_CHIE)).toBe(GLOBAL_MMIO_CHI_ALL)
    card.write64(GLOBAL_MMIO_CHIEC, GLOBAL_MMIO_CHI_ALL)
    expect(card.read64(GLOBAL_MMIO_CHIEC)).toBe(0n)
    card.write64(GLOBAL_MMIO_CHI, 0n)
    expect(card.read64(GLOBAL_MMIO_CHI) & GLOBAL_MMIO_CHI_CRDY).toBe(GLOBAL_MMIO_CHI_CRDY)
  })

  it('reads all ones outside the BAR or unaligned', () => {
    const card = new OcxlCard({ clock: new ManualClock() })
    expect(card.read64(0x2000)).toBe(0xffff_ffff_ffff_ffffn)
    expect(card.read64(3)).toBe(0xffff_ffff_ffff_ffffn)
  })
})
