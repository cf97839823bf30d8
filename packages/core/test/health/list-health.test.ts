import { describe, expect, it } from 'vitest'
import { createNvdimm, NvdimmError, ndctlList, type Nvdimm } from '../../src/index.js'
import { mockProvider } from '../../src/testing/index.js'
import type { MockProviderInit } from '../../src/testing/mock-provider.js'
import { goldenText, hasGolden } from '../golden.js'
import { NFIT_TEST_SMART, nfitTestDimm, smartPlatform } from './smart-fixtures.js'

async function started(provider: MockProviderInit): Promise<Nvdimm> {
  const nd = createNvdimm({ providers: [provider] })
  await nd.start()
  return nd
}

/** ndctl-list.txt's -H example: nfit_test's default SMART as an older ndctl printed it (notes §1.2). */
const DOC_EXAMPLE = `{
  "dev":"nmem0",
  "health":{
    "health_state":"non-critical",
    "temperature_celsius":23,
    "spares_percentage":75,
    "alarm_temperature":true,
    "alarm_spares":true,
    "temperature_threshold":40,
    "spares_threshold":5,
    "life_used_percentage":5,
    "shutdown_state":"clean"
  }
}`

/** What ndctl v76.1 prints for nmem0 of nfit_test.0 under `list -DH -d nmem0` (json-smart.c, json-c doubles). */
const V76_NMEM0 = `[
  {
    "dev":"nmem0",
    "id":"cdab-0a-07e0-ffffffff",
    "handle":0,
    "phys_id":0,
    "health":{
      "health_state":"non-critical",
      "temperature_celsius":23.0,
      "controller_temperature_celsius":25.0,
      "spares_percentage":75,
      "alarm_temperature":true,
      "alarm_controller_temperature":false,
      "alarm_spares":true,
      "alarm_enabled_media_temperature":true,
      "temperature_threshold":40.0,
      "alarm_enabled_ctrl_temperature":false,
      "alarm_enabled_spares":true,
      "spares_threshold":5,
      "life_used_percentage":5,
      "shutdown_state":"clean",
      "shutdown_count":42
    }
  }
]`

describe('ndctl list -DH: the health object of json-smart.c', () => {
  it("prints nfit_test's default SMART with its thresholds, field for field", async () => {
    const nd = await started(smartPlatform())
    expect(await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem0' })).toBe(V76_NMEM0)
    await nd.stop()
  })

  it('keeps every field of the documented example, in the same order and with the same values', async () => {
    const nd = await started(smartPlatform())
    const [dimm] = JSON.parse((await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem0' }))!)
    const doc = JSON.parse(DOC_EXAMPLE)
    const keys = Object.keys(dimm.health)
    const docKeys = Object.keys(doc.health)
    // Newer ndctl adds fields between them; the documented ones keep their relative order.
    const positions = docKeys.map((key) => keys.indexOf(key))
    expect(positions.every((position) => position >= 0)).toBe(true)
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
    for (const key of docKeys) expect(dimm.health[key]).toEqual(doc.health[key])
    expect(dimm.dev).toBe(doc.dev)
    await nd.stop()
  })

  it('shows an alarm threshold only while its alarm is enabled', async () => {
    const provider = smartPlatform()
    provider.control.setSmartThresholds(1, {
      alarmTemperature: false,
      alarmControllerTemperature: true,
      alarmSpares: false,
      temperature: 40,
      controllerTemperature: 30.5,
      spares: 5,
    })
    const nd = await started(provider)
    const text = await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem1' })
    const [dimm] = JSON.parse(text!)
    expect(Object.keys(dimm.health).filter((key) => /threshold|alarm_enabled/.test(key))).toEqual([
      'alarm_enabled_media_temperature',
      'alarm_enabled_ctrl_temperature',
      'controller_temperature_threshold',
      'alarm_enabled_spares',
    ])
    expect(text).toContain('"controller_temperature_threshold":30.5,')
    expect(dimm.health.alarm_enabled_media_temperature).toBe(false)
    await nd.stop()
  })

  it('reports "unknown" health, and nothing else, when the SMART command fails', async () => {
    const provider = smartPlatform()
    provider.control.failSmart(2, 'health', new NvdimmError('EIO', 'smart failed'))
    const nd = await started(provider)
    const dimms = JSON.parse((await ndctlList(nd, { dimms: true, health: true }))!)
    const nmem2 = dimms.find((d: { dev: string }) => d.dev === 'nmem2')
    expect(nmem2.health).toEqual({ health_state: 'unknown' })
    expect(dimms.find((d: { dev: string }) => d.dev === 'nmem3').health.health_state).toBe('non-critical')
    await nd.stop()
  })

  it('leaves the thresholds out when the threshold command fails or the dimm has none', async () => {
    const provider = smartPlatform([
      nfitTestDimm(0),
      nfitTestDimm(1, { smartThresholds: undefined }),
      nfitTestDimm(0x100),
      nfitTestDimm(0x101),
    ])
    provider.control.failSmart(0, 'thresholds', new NvdimmError('EIO', 'threshold failed'))
    const nd = await started(provider)
    const dimms = JSON.parse((await ndctlList(nd, { dimms: true, health: true }))!)
    for (const dev of ['nmem0', 'nmem1']) {
      const health = dimms.find((d: { dev: string }) => d.dev === dev).health
      expect(Object.keys(health).some((key) => /threshold|alarm_enabled/.test(key))).toBe(false)
      expect(health.alarm_spares).toBe(true)
      expect(health.shutdown_count).toBe(42)
    }
    await nd.stop()
  })

  it('prints all three alarm flags once any is reported (one valid bit), and omits unreported fields', async () => {
    const nd = await started(
      mockProvider({
        buses: [
          {
            dimms: [
              { health: { state: 'ok', alarmSpares: true } },
              { health: { state: 'critical', temperature: -3.5, lifeUsedPercentage: 90 } },
            ],
          },
        ],
      }),
    )
    const text = (await ndctlList(nd, { dimms: true, health: true }))!
    const dimms = JSON.parse(text)
    const byDev = (dev: string) => dimms.find((d: { dev: string }) => d.dev === dev).health
    expect(byDev('nmem0')).toEqual({
      health_state: 'ok',
      alarm_temperature: false,
      alarm_controller_temperature: false,
      alarm_spares: true,
    })
    expect(byDev('nmem1')).toEqual({ health_state: 'critical', temperature_celsius: -3.5, life_used_percentage: 90 })
    expect(text).toContain('"temperature_celsius":-3.5,')
    await nd.stop()
  })

  it('has no --human form of its own: -u changes the dimm fields only', async () => {
    const nd = await started(smartPlatform())
    const plain = JSON.parse((await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem3' }))!)[0]
    const human = JSON.parse((await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem3', human: true }))!)
    expect(human.handle).toBe('0x101')
    expect(human.health).toEqual(plain.health)
    expect(plain.health).toMatchObject({ temperature_celsius: NFIT_TEST_SMART.temperature })
    await nd.stop()
  })

  it('prints no health for a dimm without SMART, as QEMU shows it', async () => {
    const nd = await started(smartPlatform())
    const [dimm] = JSON.parse((await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem4' }))!)
    expect(dimm).toEqual({ dev: 'nmem4', id: '8680-56341200', handle: 1, phys_id: 0 })
    await nd.stop()
  })

  it.skipIf(!hasGolden)('matches the QEMU goldens of list -DH and -DHu', async () => {
    const nd = await started(
      mockProvider({
        buses: [
          {
            providerName: 'ACPI.NFIT',
            dimms: [
              { id: '8680-56341200', handle: 1, physId: 0 },
              { id: '8680-57341200', handle: 2, physId: 0 },
            ],
          },
        ],
      }),
    )
    expect(`${await ndctlList(nd, { dimms: true, health: true })}\n`).toBe(
      goldenText('linux-6.1-qemu', 'a04-list-DH.stdout'),
    )
    expect(`${await ndctlList(nd, { dimms: true, health: true, human: true })}\n`).toBe(
      goldenText('linux-6.1-qemu', 'a05-list-DHu.stdout'),
    )
    await nd.stop()
  })
})
