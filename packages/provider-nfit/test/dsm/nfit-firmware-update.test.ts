import {
  createNvdimm,
  MemoryMedia,
  ndctlList,
  ndctlStartScrub,
  ndctlUpdateFirmware,
  type Nvdimm,
  type RuntimeState,
  type UpdateFirmwareOptions,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  INTEL_FW_FAKE_VERSION,
  INTEL_FW_MAX_SEND_LEN,
  INTEL_FW_STORAGE_SIZE,
  nfit,
  nfitTest0Table,
} from '../../src/index.js'

/** nfit_test.0 with Intel dimm firmware on a clock that moves only when update-firmware sleeps. */
async function nfitTest0(clock: { now: number }, state?: RuntimeState): Promise<Nvdimm> {
  const nd = createNvdimm({
    providers: [
      nfit({
        table: nfitTest0Table(),
        providerName: 'nfit_test.0',
        dimmFirmware: 'intel',
        rangeMedia: (spa) => new MemoryMedia(spa.length),
        clock: () => clock.now,
      }),
    ],
    ...(state ? { state } : {}),
  })
  await nd.start()
  return nd
}

/** Stop the platform and start it again on the next boot: what the firmware kept comes back power-cycled. */
async function powerCycle(nd: Nvdimm, clock: { now: number }): Promise<Nvdimm> {
  const state = nd.runtimeState()
  await nd.stop()
  return nfitTest0(clock, { ...state, boot: (state.boot ?? 0) + 1 })
}

function env(clock: { now: number }): Pick<UpdateFirmwareOptions, 'sleep' | 'now'> {
  return {
    sleep: async (ms) => {
      clock.now += ms
    },
    now: () => clock.now,
  }
}

async function listed(nd: Nvdimm, options: Parameters<typeof ndctlList>[1]) {
  return JSON.parse((await ndctlList(nd, options)) ?? 'null')
}

function firmwareByDimm(bus: { dimms: { dev: string; firmware?: unknown }[] }): Record<string, unknown> {
  return Object.fromEntries(bus.dimms.map((dimm) => [dimm.dev, dimm.firmware]))
}

/** Three full chunks and a short one: ndctl sends max_send_len (0xffec) bytes at a time. */
const image = new Uint8Array(3 * INTEL_FW_MAX_SEND_LEN + 17).map((_, i) => (i * 31) & 0xff)

describe('ndctl update-firmware on nfit_test.0 (Intel functions 12-16)', () => {
  it('list -BDF, update nmem0, list again, power cycle: the new firmware runs', async () => {
    const clock = { now: 1_000_000 }
    let nd = await nfitTest0(clock)

    // Before: every dimm runs version 0 and can update; the bus has no runtime activation.
    const [before] = await listed(nd, { buses: true, dimms: true, firmware: true })
    expect(before).toMatchObject({
      provider: 'nfit_test.0',
      scrub_state: 'idle',
      firmware: { activate_method: 'reset' },
    })
    expect(before.firmware).not.toHaveProperty('activate_state')
    const initial = firmwareByDimm(before)
    expect(Object.keys(initial).sort()).toEqual(['nmem0', 'nmem1', 'nmem2', 'nmem3'])
    for (const firmware of Object.values(initial)) expect(firmware).toEqual({ current_version: 0, can_update: true })

    const started = clock.now
    const outcome = await ndctlUpdateFirmware(nd, ['nmem0'], { firmware: image, verbose: true, ...env(clock) })
    // -v: the default arm meets no activate capability, which is no failure after an update.
    expect(outcome.errors.map((error) => error.message)).toEqual(['nmem0: firmware activate capability not found'])
    expect(outcome.messages).toEqual(['nmem0: uploading firmware', 'updated 1 nmem.'])
    expect(outcome.exitCode).toBe(0)
    // The firmware verifies for a second (nfit_test: HZ), queried every 250 ms.
    expect(clock.now - started).toBe(1000)
    const staged = {
      current_version: 0,
      can_update: true,
      next_version: Number(INTEL_FW_FAKE_VERSION),
      need_powercycle: true,
    }
    expect(JSON.parse(outcome.stdout as string)).toEqual([
      { dev: 'nmem0', id: 'cdab-0a-07e0-ffffffff', handle: 0, phys_id: 0, security: 'disabled', firmware: staged },
    ])

    const [after] = await listed(nd, { buses: true, dimms: true, firmware: true })
    expect(firmwareByDimm(after)).toEqual({ ...initial, nmem0: staged })
    const human = await listed(nd, { dimm: 'nmem0', firmware: true, human: true })
    expect(human.firmware).toEqual({
      current_version: '0',
      can_update: true,
      next_version: '0xffffffffabcd',
      need_powercycle: true,
    })

    // The staged update blocks another until the power cycle; -i cannot abort it either.
    const again = await ndctlUpdateFirmware(nd, ['nmem0'], { firmware: image, ...env(clock) })
    expect(again.errors.map((error) => `${error.message} [${error.errno}]`)).toEqual([
      'nmem0: busy with another firmware update [EBUSY]',
    ])
    expect(again.exitCode).toBe(1)
    const forced = await ndctlUpdateFirmware(nd, ['nmem0'], { firmware: image, force: true, ...env(clock) })
    expect(forced.messages).toEqual(['Firmware update abort on DIMM nmem0 failed: 0xb', 'updated 0 nmem.'])

    nd = await powerCycle(nd, clock)
    const [cycled] = await listed(nd, { buses: true, dimms: true, firmware: true })
    expect(firmwareByDimm(cycled)).toEqual({
      ...initial,
      nmem0: { current_version: Number(INTEL_FW_FAKE_VERSION), can_update: true },
    })
    // Running the new firmware, the dimm takes another update.
    const next = await ndctlUpdateFirmware(nd, ['nmem0'], { firmware: image, ...env(clock) })
    expect(next.exitCode).toBe(0)
    expect(JSON.parse(next.stdout as string)[0].firmware).toEqual({
      current_version: Number(INTEL_FW_FAKE_VERSION),
      can_update: true,
      next_version: Number(INTEL_FW_FAKE_VERSION),
      need_powercycle: true,
    })
    await nd.stop()
  })

  it('updates every dimm of the bus with "all -b nfit_test.0"', async () => {
    const clock = { now: 0 }
    const nd = await nfitTest0(clock)
    const outcome = await ndctlUpdateFirmware(nd, ['all'], { bus: 'nfit_test.0', firmware: image, ...env(clock) })
    expect(outcome).toMatchObject({ errors: [], messages: ['updated 4 nmems.'], exitCode: 0 })
    const dimms = JSON.parse(outcome.stdout as string)
    expect(dimms).toHaveLength(4)
    for (const dimm of dimms) expect(dimm.firmware.next_version).toBe(Number(INTEL_FW_FAKE_VERSION))
    await nd.stop()
  })

  it('refuses while an address range scrub runs, unless -i', async () => {
    const clock = { now: 0 }
    const nd = await nfitTest0(clock)
    expect((await ndctlStartScrub(nd, ['nfit_test.0'])).exitCode).toBe(0)
    const refused = await ndctlUpdateFirmware(nd, ['nmem1'], { firmware: image, ...env(clock) })
    expect(refused.errors.map((error) => error.message)).toEqual([
      "nmem1: scrub active, retry after 'ndctl wait-scrub'",
    ])
    expect(refused.exitCode).toBe(1)
    const forced = await ndctlUpdateFirmware(nd, ['nmem1'], { firmware: image, force: true, ...env(clock) })
    expect(forced.exitCode).toBe(0)
    expect(JSON.parse(forced.stdout as string)[0].dev).toBe('nmem1')
    await nd.stop()
  })

  it('refuses an image larger than the dimm store (nfit_test: 1 MiB)', async () => {
    const clock = { now: 0 }
    const nd = await nfitTest0(clock)
    const large = new Uint8Array(INTEL_FW_STORAGE_SIZE + 1)
    const outcome = await ndctlUpdateFirmware(nd, ['nmem0'], { firmware: large, ...env(clock) })
    expect(outcome.errors.map((error) => `${error.message} [${error.errno}]`)).toEqual([
      'Firmware file size greater than DIMM store [ENOSPC]',
    ])
    const [bus] = await listed(nd, { buses: true, dimms: true, firmware: true })
    expect(firmwareByDimm(bus).nmem0).toEqual({ current_version: 0, can_update: true })
    await nd.stop()
  })
})
