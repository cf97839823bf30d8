import { type CommandResult, decodeCmdPkg, DimmFamily, type SmartInjection } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  decodePdsmSmartInject,
  PAPR_SMART_INJECT_FIELDS,
  paprDimmOps,
  paprFirmwareFlags,
  paprHealth,
  PaprPdsm,
  PaprScmDimmHealth,
  servePdsm,
  writePdsmHeader,
} from '../../src/pdsm/index.js'
import { FakeScmHealth } from './fake-hypervisor.js'

function setup() {
  const phyp = new FakeScmHealth()
  const state = new PaprScmDimmHealth({ source: phyp })
  const sent: Uint8Array[] = []
  const send = (envelope: Uint8Array) => {
    sent.push(envelope)
    return servePdsm(state, envelope)
  }
  const inject = paprDimmOps(state, send).smart!.inject!
  return { phyp, state, sent, inject }
}

describe('paprDimmOps: inject-smart for papr', () => {
  it('injects and uninjects fatal', async () => {
    const { state, inject } = setup()
    await inject({ fatal: true })
    expect((await paprHealth(state)).state).toBe('fatal')
    expect(paprFirmwareFlags(await state.cachedBitmap())).toEqual(['smart_event'])
    await inject({ uninject: ['fatal'] })
    expect((await paprHealth(state)).state).toBe('ok')
  })

  it('injects and uninjects an unsafe shutdown', async () => {
    const { state, inject } = setup()
    await inject({ unsafeShutdown: true })
    expect(await paprHealth(state)).toMatchObject({ shutdownState: 'dirty', badShutdown: true })
    expect(paprFirmwareFlags(await state.cachedBitmap())).toEqual(['failed_flush'])
    await inject({ uninject: ['unsafeShutdown'] })
    expect(await paprHealth(state)).toMatchObject({ shutdownState: 'clean', badShutdown: false })
  })

  it("sends libndctl's PDSM: family PAPR, PDSM 2, 8 + 184 bytes each way, flag and enable set", async () => {
    const { sent, inject } = setup()
    await inject({ fatal: true, uninject: ['unsafeShutdown'] })
    expect(sent).toHaveLength(1)
    const pkg = decodeCmdPkg(sent[0]!)
    expect(pkg).toMatchObject({ family: DimmFamily.PAPR, command: PaprPdsm.SMART_INJECT, sizeIn: 192, sizeOut: 192 })
    expect(decodePdsmSmartInject(pkg.input.subarray(8))).toEqual({
      flags: 3,
      fatalEnable: 1,
      unsafeShutdownEnable: 0,
    })
  })

  it('sends nothing for an empty injection', async () => {
    const { sent, inject } = setup()
    await inject({ fatal: false })
    expect(sent).toHaveLength(0)
  })

  const unsupported: [string, SmartInjection][] = [
    ['media temperature', { mediaTemperature: 40 }],
    ['controller temperature', { controllerTemperature: 40 }],
    ['spares', { spares: 10 }],
    ['an uninject of media temperature', { uninject: ['mediaTemperature'] }],
    ['an uninject of spares', { uninject: ['spares'] }],
  ]
  for (const [what, injection] of unsupported) {
    it(`refuses ${what} with ENXIO, as libndctl's missing papr setter does`, async () => {
      const { sent, inject } = setup()
      await expect(inject(injection)).rejects.toMatchObject({ errno: 'ENXIO' })
      expect(sent).toHaveLength(0)
    })
  }

  it('refuses injecting and uninjecting one field at once', async () => {
    const { inject } = setup()
    await expect(inject({ fatal: true, uninject: ['fatal'] })).rejects.toMatchObject({ errno: 'EINVAL' })
  })

  it('rejects with the PDSM status when the driver refuses', async () => {
    const { state } = setup()
    const send = async (envelope: Uint8Array): Promise<CommandResult> => {
      const result = await servePdsm(state, envelope)
      writePdsmHeader(result.output.subarray(64), { cmdStatus: -5, reserved: [0, 0] })
      return { ...result, cmdRc: -5 }
    }
    await expect(paprDimmOps(state, send).smart!.inject!({ fatal: true })).rejects.toMatchObject({ errno: 'EIO' })
  })

  it('offers only injection: no thresholds, security or firmware update', () => {
    const ops = paprDimmOps(new PaprScmDimmHealth({ source: new FakeScmHealth() }))
    expect(Object.keys(ops)).toEqual(['smart'])
    expect(Object.keys(ops.smart!)).toEqual(['inject'])
    expect(PAPR_SMART_INJECT_FIELDS).toEqual(['fatal', 'unsafeShutdown'])
  })
})
