import { describe, expect, it } from 'vitest'
import {
  GLOBAL_MMIO_CHI_CDA,
  GLOBAL_MMIO_CHI_CFFS,
  GLOBAL_MMIO_CHI_CHFS,
  GLOBAL_MMIO_CHI_CRDY,
  GLOBAL_MMIO_CHI_ELA,
  GLOBAL_MMIO_CHI_MA,
  OcxlCard,
} from '../src/card/index.js'
import { chiEvents, decodeSmart, ocxlHealth, shutdownController } from '../src/driver/index.js'
import { readyCard } from './helpers.js'

describe('SMART → Health', () => {
  it('reports the SMART values of a healthy card', async () => {
    const { engine } = readyCard({
      smart: {
        mediaTemperature: -5,
        controllerTemperature: 61,
        sparesPercentage: 87,
        lifeUsedPercentage: 12,
        alarmSpares: true,
      },
    })
    expect(await ocxlHealth(engine)).toEqual({
      state: 'ok',
      temperature: -5,
      controllerTemperature: 61,
      sparesPercentage: 87,
      lifeUsedPercentage: 12,
      alarmTemperature: false,
      alarmSpares: true,
      alarmControllerTemperature: false,
      shutdownState: 'clean',
      shutdownCount: 0,
      unarmed: false,
      errorLogAvailable: false,
      controllerDumpAvailable: false,
      firmwareFatal: false,
      hardwareFatal: false,
    })
  })

  it('carries the SMART health state', async () => {
    const { card, engine } = readyCard()
    card.setSmart({ healthState: 'critical' })
    expect((await ocxlHealth(engine)).state).toBe('critical')
  })

  it.each([
    ['firmware', (card: ReturnType<typeof readyCard>['card']) => card.setFirmwareFatal()],
    ['hardware', (card: ReturnType<typeof readyCard>['card']) => card.setHardwareFatal()],
  ])('a %s fatal CHI bit makes the state fatal and the dimm unarmed', async (_, makeFatal) => {
    const { card, engine } = readyCard()
    makeFatal(card)
    expect(await ocxlHealth(engine)).toEqual({
      state: 'fatal',
      unarmed: true,
      errorLogAvailable: false,
      controllerDumpAvailable: false,
      firmwareFatal: _ === 'firmware',
      hardwareFatal: _ === 'hardware',
    })
  })

  it('counts a shutdown that was not clean as dirty on the next power-on', async () => {
    const { card, clock } = readyCard()
    const cleanCard = readyCard()
    const again = OcxlCard.fromJSON(card.toJSON(), { clock })
    expect(again.smartValues).toMatchObject({ dirtyShutdownCount: 1, lastShutdownDirty: true })
    await shutdownController(cleanCard.engine)
    const clean = OcxlCard.fromJSON(cleanCard.card.toJSON(), { clock })
    expect(clean.smartValues).toMatchObject({ dirtyShutdownCount: 0, lastShutdownDirty: false })
  })

  it('rejects SMART data that is not an SM block', () => {
    expect(() => decodeSmart(new Uint8Array(24))).toThrow(/'SM' header/)
    const bad = new Uint8Array(24)
    const view = new DataView(bad.buffer)
    view.setBigUint64(0, (0x534dn << 48n) | 0x10n, true)
    view.setBigUint64(8, 9n, true)
    expect(() => decodeSmart(bad)).toThrow(/health state 9/)
  })
})

describe('chiEvents', () => {
  it('reports only the bits that rose', () => {
    const ready = GLOBAL_MMIO_CHI_CRDY | GLOBAL_MMIO_CHI_MA
    expect(chiEvents(ready, ready | GLOBAL_MMIO_CHI_ELA | GLOBAL_MMIO_CHI_CDA)).toEqual([
      'error-log-available',
      'controller-dump-available',
    ])
    expect(chiEvents(ready | GLOBAL_MMIO_CHI_ELA, ready | GLOBAL_MMIO_CHI_ELA)).toEqual([])
    expect(chiEvents(ready | GLOBAL_MMIO_CHI_ELA, ready)).toEqual([])
    expect(chiEvents(0n, GLOBAL_MMIO_CHI_CFFS | GLOBAL_MMIO_CHI_CHFS)).toEqual(['firmware-fatal', 'hardware-fatal'])
  })

  it('follows the card: an injected error log raises error-log-available', () => {
    const { card } = readyCard()
    const before = card.chi()
    card.injectErrorLog({ programReferenceCode: 3 })
    card.setHardwareFatal()
    expect(chiEvents(before, card.chi())).toEqual(['error-log-available', 'hardware-fatal'])
  })
})
