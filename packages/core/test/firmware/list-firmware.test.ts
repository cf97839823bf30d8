import { describe, expect, it } from 'vitest'
import { ndctlList, ndctlStartScrub, ndctlUpdateFirmware, NvdimmError } from '../../src/index.js'
import { firmwareImage, firmwarePlatform } from './firmware-fixtures.js'

const NEW_VERSION = 0xffff_ffff_abcdn

async function list(platform: Awaited<ReturnType<typeof firmwarePlatform>>, options: Parameters<typeof ndctlList>[1]) {
  const text = await ndctlList(platform.nd, options)
  return { text, json: JSON.parse(text ?? 'null') }
}

describe('ndctl list -F: dimm firmware', () => {
  it('shows the running version and can_update for dimms that can update, nothing for the others', async () => {
    const platform = await firmwarePlatform()
    const { json } = await list(platform, { dimms: true, firmware: true, bus: 'fw_test.0' })
    const byName = Object.fromEntries(json.map((dimm: { dev: string }) => [dimm.dev, dimm]))
    expect(byName.nmem0.firmware).toEqual({ current_version: 0x0102_0304, can_update: true })
    expect(byName.nmem1.firmware).toEqual({ current_version: 0x0102_0304, can_update: true })
    expect(byName.nmem2).not.toHaveProperty('firmware')
    // Without -F, no firmware at all.
    const plain = await list(platform, { dimms: true, bus: 'fw_test.0' })
    expect(plain.text).not.toContain('firmware')
    await platform.nd.stop()
  })

  it('shows a staged update as next_version with need_powercycle, gone once it runs', async () => {
    const platform = await firmwarePlatform()
    const updated = await ndctlUpdateFirmware(platform.nd, ['nmem0'], {
      ...platform.clock.env(),
      firmware: firmwareImage(NEW_VERSION),
    })
    expect(updated.exitCode).toBe(0)
    const staged = await list(platform, { dimm: 'nmem0', firmware: true })
    expect(staged.text).toBe(
      [
        '[',
        '  {',
        '    "dev":"nmem0",',
        '    "id":"8089-a2-0000-00000000",',
        '    "handle":0,',
        '    "phys_id":0,',
        '    "firmware":{',
        '      "current_version":16909060,',
        '      "can_update":true,',
        '      "next_version":281474976689101,',
        '      "need_powercycle":true',
        '    }',
        '  }',
        ']',
      ].join('\n'),
    )
    const human = await list(platform, { dimm: 'nmem0', firmware: true, human: true })
    expect(human.json.firmware).toEqual({
      current_version: '0x1020304',
      can_update: true,
      next_version: '0xffffffffabcd',
      need_powercycle: true,
    })
    platform.firmware[0]!.powerCycle()
    const running = await list(platform, { dimm: 'nmem0', firmware: true, human: true })
    expect(running.json.firmware).toEqual({ current_version: '0xffffffffabcd', can_update: true })
    await platform.nd.stop()
  })

  it('prints current_version -1 (all ones) alone when the firmware info fails', async () => {
    const platform = await firmwarePlatform()
    platform.firmware[0]!.failures.info = new NvdimmError('EIO', 'hardware error')
    const { text, json } = await list(platform, { dimm: 'nmem0', firmware: true })
    expect(json[0].firmware).toEqual({ current_version: expect.any(Number) })
    expect(text).toContain('"current_version":18446744073709551615\n')
    await platform.nd.stop()
  })

  it('-vvv includes it, on the bus and its dimms', async () => {
    const platform = await firmwarePlatform()
    const { json } = await list(platform, { bus: 'fw_test.0', verbose: 3 })
    expect(json[0].firmware).toEqual({ activate_method: 'reset' })
    const dimms = Object.fromEntries(json[0].dimms.map((dimm: { dev: string }) => [dimm.dev, dimm]))
    expect(dimms.nmem0.firmware).toEqual({ current_version: 0x0102_0304, can_update: true })
    expect(dimms.nmem2).not.toHaveProperty('firmware')
    await platform.nd.stop()
  })
})

describe('ndctl list -F: bus firmware activation', () => {
  it('reports activate_method "reset" and no activate_state on a bus whose dimms can update', async () => {
    const platform = await firmwarePlatform()
    const { json } = await list(platform, { buses: true, firmware: true })
    const byProvider = Object.fromEntries(json.map((bus: { provider: string }) => [bus.provider, bus]))
    expect(byProvider['fw_test.0']).toEqual({
      provider: 'fw_test.0',
      dev: 'ndbus0',
      scrub_state: 'idle',
      firmware: { activate_method: 'reset' },
    })
    // A bus that cannot report its scrub state stops before firmware (plain.0 has no scrub).
    expect(byProvider['plain.0']).toEqual({ provider: 'plain.0', dev: 'ndbus1' })
    const withoutF = await list(platform, { buses: true })
    expect(withoutF.text).not.toContain('firmware')
    await platform.nd.stop()
  })

  it('start-scrub prints the bus with its firmware object (UTIL_JSON_FIRMWARE)', async () => {
    const platform = await firmwarePlatform()
    const outcome = await ndctlStartScrub(platform.nd, ['fw_test.0'])
    expect(JSON.parse(outcome.stdout as string)).toEqual([
      { provider: 'fw_test.0', dev: 'ndbus0', scrub_state: 'active', firmware: { activate_method: 'reset' } },
    ])
    await platform.nd.stop()
  })

  it('nests the dimms, each with its firmware, under the bus (list -BDF)', async () => {
    const platform = await firmwarePlatform()
    const { json } = await list(platform, { buses: true, dimms: true, firmware: true, bus: 'fw_test.0' })
    expect(json).toHaveLength(1)
    expect(json[0].firmware).toEqual({ activate_method: 'reset' })
    expect(json[0].dimms.filter((dimm: object) => 'firmware' in dimm)).toHaveLength(2)
    await platform.nd.stop()
  })
})
