import { describe, expect, it } from 'vitest'
import { createNvdimm, ndctlList, NvdimmError, type Nvdimm } from '../../src/index.js'
import {
  decodeSmartTemperature,
  encodeSmartTemperature,
  type InjectSmartOptions,
  ndctlInjectSmart,
  parseSmartRequest,
  strtod,
  strtoul,
} from '../../src/ndctl/inject-smart.js'
import type { MockProviderInit } from '../../src/testing/mock-provider.js'
import { NFIT_TEST_THRESHOLDS, nfitTestDimm, smartPlatform } from './smart-fixtures.js'

async function started(provider: MockProviderInit = smartPlatform()): Promise<Nvdimm> {
  const nd = createNvdimm({ providers: [provider] })
  await nd.start()
  return nd
}

async function inject(nd: Nvdimm, options: InjectSmartOptions, dimm = 'nmem0') {
  const outcome = await ndctlInjectSmart(nd, [dimm], options)
  return {
    ...outcome,
    json: typeof outcome.stdout === 'string' ? JSON.parse(outcome.stdout) : undefined,
    lines: outcome.errors.map((error) => `${error.message} [${error.errno}]`),
  }
}

const health = async (nd: Nvdimm, dimm = 'nmem0') => nd.dimm(dimm).health()

describe('ndctl inject-smart: injections', () => {
  it('injects a media temperature and prints the dimm with its health', async () => {
    const nd = await started()
    const result = await inject(nd, { mediaTemperature: '52' })
    expect(result.errors).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.json).toHaveLength(1)
    expect(result.json[0]).toMatchObject({ dev: 'nmem0', id: 'cdab-0a-07e0-ffffffff', handle: 0, phys_id: 0 })
    expect(result.json[0].health.temperature_celsius).toBe(52)
    expect(result.stdout).toContain('"temperature_celsius":52.0,')
    expect(result.stdout).toMatch(/^\[\n {2}\{\n {4}"dev":"nmem0",/)
    expect((result.stdout as string).endsWith(']\n')).toBe(true)
    expect((await health(nd)).temperature).toBe(52)
    await nd.stop()
  })

  it('uninjects each field back to the firmware value', async () => {
    const nd = await started()
    await inject(nd, { mediaTemperature: '60', spares: '3', fatal: true, unsafeShutdown: true })
    expect(await health(nd)).toMatchObject({
      temperature: 60,
      sparesPercentage: 3,
      state: 'fatal',
      shutdownState: 'dirty',
      shutdownCount: 43,
    })
    expect((await inject(nd, { mediaTemperatureUninject: true })).json[0].health.temperature_celsius).toBe(23)
    expect((await inject(nd, { sparesUninject: true })).json[0].health.spares_percentage).toBe(75)
    expect((await inject(nd, { fatalUninject: true })).json[0].health.health_state).toBe('non-critical')
    const shutdown = await inject(nd, { unsafeShutdownUninject: true })
    // nfit_test clears the state; the count of dirty shutdowns stays.
    expect(shutdown.json[0].health).toMatchObject({ shutdown_state: 'clean', shutdown_count: 43 })
    await nd.stop()
  })

  it('injects a controller temperature where the dimm can', async () => {
    const nd = await started(smartPlatform([0, 1, 0x100, 0x101].map((h) => nfitTestDimm(h, { smartInject: true }))))
    const result = await inject(nd, { ctrlTemperature: '70', ctrlTemperatureUninject: false })
    expect(result.json[0].health.controller_temperature_celsius).toBe(70)
    expect((await inject(nd, { ctrlTemperatureUninject: true })).json[0].health.controller_temperature_celsius).toBe(25)
    await nd.stop()
  })

  it('reports a field the family cannot inject as "cmd invalid" and stops there', async () => {
    const nd = await started()
    const result = await inject(nd, { ctrlTemperature: '70', spares: '3' })
    expect(result.lines).toEqual([
      'nmem0: smart inject ctrl_temperature cmd invalid: No such device or address (-6) [ENXIO]',
    ])
    expect(result.exitCode).toBe(250)
    expect(result.stdout).toBeUndefined()
    expect((await health(nd)).sparesPercentage).toBe(75)
    await nd.stop()
  })

  it("words any refusal of a field as libndctl's missing setter: -ENXIO", async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    provider.control.failSmart('nmem1', 'inject', new NvdimmError('EOPNOTSUPP', 'no such field'))
    const result = await inject(nd, { spares: '3' }, 'nmem1')
    expect(result.lines).toEqual(['nmem1: smart inject spares cmd invalid: No such device or address (-6) [ENXIO]'])
    expect(result.exitCode).toBe(250)
    await nd.stop()
  })

  it('goes on past it under --uninject-all, as nfit_test runs show, and succeeds', async () => {
    const nd = await started()
    await inject(nd, { mediaTemperature: '60', spares: '3', fatal: true, unsafeShutdown: true })
    const result = await inject(nd, { uninjectAll: true })
    expect(result.lines).toEqual([
      'nmem0: smart inject ctrl_temperature cmd invalid: No such device or address (-6) [ENXIO]',
    ])
    expect(result.exitCode).toBe(0)
    expect(result.json[0].health).toMatchObject({
      health_state: 'non-critical',
      temperature_celsius: 23,
      spares_percentage: 75,
      shutdown_state: 'clean',
    })
    await nd.stop()
  })

  it('stops at the first failed command, unless --uninject-all', async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    provider.control.failSmart('nmem0', 'inject', new NvdimmError('EIO', 'firmware busy'))
    const stopped = await inject(nd, { mediaTemperature: '60', fatal: true })
    expect(stopped.lines).toEqual([
      'nmem0: smart inject media_temperature command failed: Input/output error (-5) [EIO]',
    ])
    expect(stopped.exitCode).toBe(251)
    const all = await inject(nd, { uninjectAll: true })
    expect(all.lines).toEqual(
      ['media_temperature', 'ctrl_temperature', 'spares', 'fatal', 'unsafe_shutdown'].map(
        (name) => `nmem0: smart inject ${name} command failed: Input/output error (-5) [EIO]`,
      ),
    )
    // The return code is the last command's.
    expect(all.exitCode).toBe(251)
    expect(all.stdout).toBeUndefined()
    await nd.stop()
  })

  it('prints a lone dimm bare under --human, hex handle included', async () => {
    const nd = await started()
    const result = await inject(nd, { fatal: true, human: true }, 'nmem3')
    expect(result.json).toMatchObject({ dev: 'nmem3', handle: '0x101', phys_id: '0x101' })
    expect(result.json.health.health_state).toBe('fatal')
    await nd.stop()
  })

  it('takes the first matching dimm, within -b', async () => {
    const nd = await started()
    // ndctl's walk order, as list shows it: the first dimm of the bus is the one acted on.
    const listed = JSON.parse((await ndctlList(nd, { dimms: true, bus: 'nfit_test.0' }))!)
    const first = await inject(nd, { fatal: true, bus: 'nfit_test.0' }, 'all')
    expect(first.json).toHaveLength(1)
    expect(first.json[0].dev).toBe(listed[0].dev)
    expect((await health(nd, listed[0].dev)).state).toBe('fatal')
    expect((await health(nd, listed[1].dev)).state).toBe('non-critical')
    const elsewhere = await inject(nd, { fatal: true, bus: 'ACPI.NFIT' }, 'nmem0')
    expect(elsewhere.lines).toEqual(['nmem0: no such dimm [ENXIO]'])
    expect(elsewhere.exitCode).toBe(250)
    expect((await inject(nd, { fatal: true, bus: 'nfit_test.0' }, '2')).json[0].dev).toBe('nmem2')
    await nd.stop()
  })

  it("refuses a dimm without smart injection with ndctl's ENOTTY message, thresholds included", async () => {
    const nd = await started()
    for (const options of [{ fatal: true }, { mediaTemperatureThreshold: '50' }]) {
      const result = await inject(nd, options, 'nmem4')
      expect(result.lines).toEqual(['nmem4: smart injection not supported by ndctl. [ENOTTY]'])
      expect(result.exitCode).toBe(231)
    }
    await nd.stop()
  })
})

describe('ndctl inject-smart: thresholds and alarms', () => {
  it('sets thresholds and alarm enables, the rest as they were', async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    const result = await inject(nd, {
      mediaTemperatureThreshold: '50.9',
      ctrlTemperatureThreshold: '35',
      sparesThreshold: '8',
      ctrlTemperatureAlarm: 'on',
      sparesAlarm: 'off',
    })
    expect(result.exitCode).toBe(0)
    expect(provider.control.smartThresholds('nmem0')).toEqual({
      alarmTemperature: true,
      alarmControllerTemperature: true,
      alarmSpares: false,
      temperature: 50,
      controllerTemperature: 35,
      spares: 8,
    })
    expect(result.json[0].health).toMatchObject({
      alarm_enabled_media_temperature: true,
      temperature_threshold: 50,
      alarm_enabled_ctrl_temperature: true,
      controller_temperature_threshold: 35,
      alarm_enabled_spares: false,
    })
    expect(result.json[0].health.spares_threshold).toBeUndefined()
    await nd.stop()
  })

  it('takes "on…" and "off…" prefixes; any other alarm word leaves the alarm alone', async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    await inject(nd, { mediaTemperatureAlarm: 'offline', ctrlTemperatureAlarm: 'only' })
    expect(provider.control.smartThresholds('nmem0')).toMatchObject({
      alarmTemperature: false,
      alarmControllerTemperature: true,
    })
    const result = await inject(nd, { sparesAlarm: 'yes' })
    expect(result.exitCode).toBe(0)
    expect(provider.control.smartThresholds('nmem0')).toMatchObject({ alarmSpares: NFIT_TEST_THRESHOLDS.alarmSpares })
    await nd.stop()
  })

  it('sets thresholds before injecting, and injects nothing when that fails', async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    provider.control.failSmart('nmem0', 'setThresholds', new NvdimmError('EIO', 'no'))
    const result = await inject(nd, { sparesThreshold: '9', fatal: true })
    expect(result.lines).toEqual(['nmem0: smart set threshold command failed: Input/output error (-5) [EIO]'])
    expect(result.exitCode).toBe(251)
    expect((await health(nd)).state).toBe('non-critical')
    provider.control.failSmart('nmem0', 'setThresholds')
    provider.control.failSmart('nmem0', 'thresholds', new NvdimmError('EIO', 'no'))
    expect((await inject(nd, { sparesThreshold: '9' })).lines).toEqual([
      'nmem0: smart threshold command failed: Input/output error (-5) [EIO]',
    ])
    await nd.stop()
  })

  it('says so when the dimm has no threshold commands', async () => {
    const nd = await started(
      smartPlatform([
        nfitTestDimm(0, { smartThresholds: undefined }),
        nfitTestDimm(1),
        nfitTestDimm(0x100),
        nfitTestDimm(0x101),
      ]),
    )
    const result = await inject(nd, { mediaTemperatureThreshold: '50' })
    expect(result.lines).toEqual(['nmem0: no smart threshold command support [EOPNOTSUPP]'])
    expect(result.exitCode).toBe(161)
    await nd.stop()
  })
})

describe('ndctl inject-smart: option parsing (smart_init)', () => {
  const refused = (options: InjectSmartOptions) => {
    try {
      parseSmartRequest(options)
    } catch (error) {
      expect(error).toBeInstanceOf(NvdimmError)
      expect((error as NvdimmError).errno).toBe('EINVAL')
      return (error as NvdimmError).message
    }
    return undefined
  }

  it('refuses what ndctl refuses, with its words', () => {
    expect(refused({})).toBe('No valid operation specified')
    expect(refused({ human: true, verbose: true, bus: '0' })).toBe('No valid operation specified')
    expect(refused({ mediaTemperature: '1e999' })).toBe('Invalid argument: media_temperature: 1e999')
    expect(refused({ ctrlTemperature: '-inf' })).toBe('Invalid argument: ctrl_temperature: -inf')
    expect(refused({ mediaTemperatureThreshold: 'INFINITY' })).toBe('Invalid argument: INFINITY')
    expect(refused({ spares: '-1' })).toBe('Invalid argument: spares: -1')
    expect(refused({ spares: '4294967296' })).toBe('Invalid argument: spares: 4294967296')
    expect(refused({ sparesThreshold: '99999999999999999999999' })).toBe('Invalid argument: 99999999999999999999999')
    expect(refused({ mediaTemperature: '50', mediaTemperatureUninject: true })).toBe(
      'Cannot use media_temperature inject and uninject together',
    )
    expect(refused({ fatal: true, uninjectAll: true })).toBe('Cannot use fatal inject and uninject together')
    expect(refused({ spares: '3', ctrlTemperature: '1', uninjectAll: true })).toBe(
      'Cannot use ctrl_temperature inject and uninject together',
    )
  })

  it('checks the options before the dimm arguments', async () => {
    const nd = await started()
    await expect(ndctlInjectSmart(nd, [], {})).rejects.toThrow('No valid operation specified')
    await expect(ndctlInjectSmart(nd, [], { fatal: true })).rejects.toThrow('specify a dimm for the smart operation')
    await expect(ndctlInjectSmart(nd, ['nmem0', 'nmem1'], { fatal: true })).rejects.toThrow(
      'unknown extra parameter "nmem1"',
    )
    await nd.stop()
  })

  it('reads numbers as strtod and strtoul do', () => {
    expect(strtod('  42.5xyz')).toBe(42.5)
    expect(strtod('abc')).toBe(0)
    expect(strtod('-0x1.8p1')).toBe(-3)
    expect(strtod('.5e1')).toBe(5)
    expect(strtod('1e999')).toBe(Infinity)
    expect(strtod('nan')).toBeNaN()
    expect(strtoul('0x10')).toBe(16n)
    expect(strtoul('010')).toBe(8n)
    expect(strtoul('08')).toBe(0n)
    expect(strtoul(' +7 apples')).toBe(7n)
    expect(strtoul('-1')).toBe((1n << 64n) - 1n)
    expect(strtoul('0x')).toBe(0n)
  })

  it("encodes temperatures through libndctl's 1/16 °C form: whole degrees, sign in bit 15", () => {
    expect(encodeSmartTemperature(23)).toBe(368)
    expect(encodeSmartTemperature(40.9)).toBe(640)
    expect(encodeSmartTemperature(-5.5)).toBe(0x8000 | 80)
    expect(decodeSmartTemperature(0x8000 | 80)).toBe(-5)
    expect(decodeSmartTemperature(368)).toBe(23)
    expect(encodeSmartTemperature(Number.NaN)).toBe(0)
  })

  it('turns the values into what reaches the firmware', () => {
    const request = parseSmartRequest({ mediaTemperature: '-5.7', spares: '0x10', ctrlTemperatureThreshold: 'abc' })
    expect(request.inject).toEqual([
      { field: 'mediaTemperature', name: 'media_temperature', enable: true, value: -5 },
      { field: 'spares', name: 'spares', enable: true, value: 16 },
    ])
    expect(request.thresholds).toEqual({ controllerTemperature: 0 })
    expect(request.setThresholds).toBe(true)
    const all = parseSmartRequest({ uninjectAll: true })
    expect(all.errContinue).toBe(true)
    expect(all.inject.map((step) => [step.field, step.enable])).toEqual([
      ['mediaTemperature', false],
      ['controllerTemperature', false],
      ['spares', false],
      ['fatal', false],
      ['unsafeShutdown', false],
    ])
  })
})
