import { describe, expect, it } from 'vitest'
import {
  checkUpdateFirmwareOptions,
  ndctlUpdateFirmware,
  NvdimmError,
  type UpdateFirmwareOptions,
} from '../../src/index.js'
import { firmwareImage, firmwarePlatform, type FirmwarePlatform } from './firmware-fixtures.js'

const NEW_VERSION = 0x0102_0500n

async function update(platform: FirmwarePlatform, dimms: string[], options: UpdateFirmwareOptions) {
  const outcome = await ndctlUpdateFirmware(platform.nd, dimms, { ...platform.clock.env(), ...options })
  return {
    ...outcome,
    json: typeof outcome.stdout === 'string' ? JSON.parse(outcome.stdout) : undefined,
    lines: outcome.errors.map((error) => `${error.message} [${error.errno}]`),
  }
}

describe('ndctl update-firmware: the update sequence', () => {
  it('sends the image in max_send_len chunks, waits out the verify, prints the dimm with its staged firmware', async () => {
    const platform = await firmwarePlatform()
    const image = firmwareImage(NEW_VERSION, 2500)
    const started = platform.clock.now
    const result = await update(platform, ['nmem0'], { firmware: image, verbose: true })

    // -v: the default arm finds no activate capability; not fatal after an update.
    expect(result.lines).toEqual(['nmem0: firmware activate capability not found [ENXIO]'])
    expect(result.exitCode).toBe(0)
    expect(result.messages).toEqual(['nmem0: uploading firmware', 'updated 1 nmem.'])
    const fw = platform.firmware[0]!
    expect(fw.sends).toEqual([
      { offset: 0, length: 1000 },
      { offset: 1000, length: 1000 },
      { offset: 2000, length: 500 },
    ])
    expect(fw.store.subarray(0, image.length)).toEqual(image)
    // Busy for the second the image takes to verify, asked every 250 ms.
    expect(platform.clock.now - started).toBe(1000)
    expect(fw.queries).toBe(5)
    expect(result.json).toEqual([
      {
        dev: 'nmem0',
        id: '8089-a2-0000-00000000',
        handle: 0,
        phys_id: 0,
        firmware: {
          current_version: 0x0102_0304,
          can_update: true,
          next_version: Number(NEW_VERSION),
          need_powercycle: true,
        },
      },
    ])
    // json-c's pretty print, field order as util_dimm_firmware_to_json() adds them.
    expect(result.stdout).toContain(
      '"firmware":{\n      "current_version":16909060,\n      "can_update":true,\n      "next_version":16909568,\n      "need_powercycle":true\n    }',
    )
    expect(platform.firmware[1]!.sends).toEqual([])
    await platform.nd.stop()
  })

  it('under a terminal prints one dimm bare with hex versions', async () => {
    const platform = await firmwarePlatform()
    const result = await update(platform, ['nmem1'], { firmware: firmwareImage(NEW_VERSION), human: true })
    expect(result.stdout).toMatch(/^\{\n {2}"dev":"nmem1",/)
    expect(result.json.handle).toBe('0x1')
    expect(result.json.firmware).toEqual({
      current_version: '0x1020304',
      can_update: true,
      next_version: '0x1020500',
      need_powercycle: true,
    })
    await platform.nd.stop()
  })

  it('updates every dimm of "all" that can, counts them, and says which cannot', async () => {
    const platform = await firmwarePlatform()
    const result = await update(platform, ['all'], { firmware: firmwareImage(NEW_VERSION) })
    // In ndctl's order of the buses (kernfs: ndbus1 before ndbus0 here).
    expect(result.lines).toEqual([
      'nmem3: firmware update not supported by ndctl. [ENOTTY]',
      'nmem2: firmware update not supported by ndctl. [ENOTTY]',
    ])
    expect(result.messages).toEqual(['updated 2 nmems.'])
    expect(result.exitCode).toBe(0)
    // Dimms too come in ndctl's (kernfs) order.
    expect(result.json.map((dimm: { dev: string }) => dimm.dev)).toEqual(['nmem1', 'nmem0'])
    expect(platform.firmware.map((fw) => fw.state)).toEqual(['updated', 'updated'])
    await platform.nd.stop()
  })

  it('limits "all" to the bus given with -b', async () => {
    const platform = await firmwarePlatform()
    const result = await update(platform, ['all'], { bus: 'plain.0', firmware: firmwareImage(NEW_VERSION) })
    expect(result.lines).toEqual(['nmem3: firmware update not supported by ndctl. [ENOTTY]'])
    expect(result.messages).toEqual(['updated 0 nmem.'])
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toBeUndefined()
    expect(platform.firmware.map((fw) => fw.state)).toEqual(['idle', 'idle'])
    await platform.nd.stop()
  })

  it('skips names that are not dimm names, and acts on the rest', async () => {
    const platform = await firmwarePlatform()
    const result = await update(platform, ['region0', 'nmem1'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result.messages).toEqual(["'region0' is not a valid dimm name", 'updated 1 nmem.'])
    expect(platform.firmware[1]!.state).toBe('updated')
    await platform.nd.stop()
  })

  it('matches no dimm: nothing done, nothing failed', async () => {
    const platform = await firmwarePlatform()
    const result = await update(platform, ['nmem9'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result).toMatchObject({ exitCode: 0, messages: ['updated 0 nmem.'], errors: [] })
    await platform.nd.stop()
  })
})

describe('ndctl update-firmware: refusals and failures', () => {
  it('refuses while the bus scrubs, unless forced', async () => {
    const platform = await firmwarePlatform()
    platform.scrub.active = true
    const refused = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(refused.lines).toEqual(["nmem0: scrub active, retry after 'ndctl wait-scrub' [EBUSY]"])
    expect(refused).toMatchObject({ exitCode: 1, messages: ['updated 0 nmem.'] })
    expect(platform.firmware[0]!.state).toBe('idle')

    const forced = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION), force: true })
    expect(forced).toMatchObject({ exitCode: 0, messages: ['updated 1 nmem.'], errors: [] })
    expect(platform.firmware[0]!.state).toBe('updated')
    await platform.nd.stop()
  })

  it('refuses an image larger than the store, and an empty one', async () => {
    const platform = await firmwarePlatform({ storageSize: 4096 })
    const large = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION, 4097) })
    expect(large.lines).toEqual(['Firmware file size greater than DIMM store [ENOSPC]'])
    expect(large.exitCode).toBe(1)
    const exact = await update(platform, ['nmem1'], { firmware: firmwareImage(NEW_VERSION, 4096) })
    expect(exact.exitCode).toBe(0)
    const empty = await update(platform, ['nmem0'], { firmware: new Uint8Array(0) })
    expect(empty.lines).toEqual(['Input file size is 0. [EINVAL]'])
    expect(platform.firmware[0]!.sends).toEqual([])
    await platform.nd.stop()
  })

  it('says so when the firmware info cannot be read', async () => {
    const platform = await firmwarePlatform()
    platform.firmware[0]!.failures.info = new NvdimmError('EIO', 'hardware error')
    const result = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result.lines).toEqual(['nmem0: failed to retrieve firmware info [ENXIO]'])
    expect(result.errors[0]!.cause).toBeInstanceOf(NvdimmError)
    expect(result.exitCode).toBe(1)
    await platform.nd.stop()
  })

  it('will not start over a staged update; -i tries to abort it and cannot', async () => {
    const platform = await firmwarePlatform()
    await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    const again = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION + 1n) })
    expect(again.lines).toEqual(['nmem0: busy with another firmware update [EBUSY]'])
    expect(again.exitCode).toBe(1)

    const forced = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION + 1n), force: true })
    // The abort meets "already done" (FW_ALREADY_DONE, 11).
    expect(forced.messages).toEqual(['Firmware update abort on DIMM nmem0 failed: 0xb', 'updated 0 nmem.'])
    expect(forced.lines).toEqual(['nmem0: busy with another firmware update, abort failed [EBUSY]'])
    expect(platform.firmware[0]!.updatedVersion).toBe(NEW_VERSION)
    await platform.nd.stop()
  })

  it('-i aborts an upload left half done and starts again', async () => {
    const platform = await firmwarePlatform()
    const fw = platform.firmware[0]!
    await fw.start()
    const refused = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(refused.lines).toEqual(['nmem0: busy with another firmware update [EBUSY]'])
    const forced = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION), force: true })
    expect(forced).toMatchObject({ exitCode: 0, errors: [], messages: ['updated 1 nmem.'] })
    expect(fw.aborts).toBe(1)
    expect(fw.context).toBe(2)
    expect(fw.updatedVersion).toBe(NEW_VERSION)
    await platform.nd.stop()
  })

  it('a failed start that is not busy', async () => {
    const platform = await firmwarePlatform()
    platform.firmware[0]!.failures.start = new NvdimmError('EIO', 'hardware error')
    const result = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result.lines).toEqual(['nmem0: failed to create start context [ENXIO]'])
    expect(result.exitCode).toBe(1)
    await platform.nd.stop()
  })

  it('a failed send is aborted; as in ndctl, the clean abort counts the dimm as done', async () => {
    const platform = await firmwarePlatform()
    const fw = platform.firmware[0]!
    fw.failures.send = new NvdimmError('EINVAL', 'the dimm rejected the parameters')
    const result = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result.lines).toEqual(['nmem0: failed to transmit firmware: 3 [EIO]', 'nmem0: firmware send failed [EIO]'])
    expect(result.messages).toEqual(['updated 1 nmem.'])
    expect(result.stdout).toBeUndefined()
    expect(fw.aborts).toBe(1)
    expect(fw.state).toBe('idle')
    await platform.nd.stop()
  })

  it('a failed send whose abort fails too', async () => {
    const platform = await firmwarePlatform()
    const fw = platform.firmware[0]!
    fw.failures.send = new NvdimmError('EAGAIN', 'retry')
    fw.failures.abort = new NvdimmError('EIO', 'hardware error')
    const result = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result.lines).toEqual([
      'nmem0: failed to transmit firmware: 5 [EIO]',
      'nmem0: firmware send failed [EIO]',
      'nmem0: abort failed [ENXIO]',
    ])
    expect(result.messages).toEqual(['Firmware update abort on DIMM nmem0 failed: 0x4', 'updated 0 nmem.'])
    expect(result.exitCode).toBe(1)
    await platform.nd.stop()
  })

  it('a finish refused for a running ARS, and one for a rejected image', async () => {
    const platform = await firmwarePlatform()
    const fw = platform.firmware[0]!
    fw.failures.finish = new NvdimmError('EAGAIN', 'busy with ARS')
    const ars = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(ars.lines).toEqual([
      'nmem0: device busy with other operation (ARS?) [ENXIO]',
      'nmem0: failed to finish update sequence [ENXIO]',
    ])
    expect(fw.aborts).toBe(1)
    fw.failures.finish = new NvdimmError('EINVAL', 'bad image')
    const rejected = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(rejected.lines[0]).toBe('nmem0: firmware image rejected [ENXIO]')
    fw.failures.finish = new NvdimmError('EOPNOTSUPP', 'no')
    const other = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(other.lines[0]).toBe('nmem0: update failed: error code: 1 [ENXIO]')
    await platform.nd.stop()
  })

  it('an image that fails verification', async () => {
    const platform = await firmwarePlatform()
    const image = firmwareImage(NEW_VERSION)
    image[0] = 0
    const result = await update(platform, ['nmem0'], { firmware: image })
    expect(result.lines).toEqual(['nmem0: firmware verification failure [EINVAL]'])
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toBeUndefined()
    await platform.nd.stop()
  })

  it('a verify that outlasts max_query_time gives up quietly after its whole seconds', async () => {
    const platform = await firmwarePlatform({ verifyMs: 60_000, maxQueryTimeUs: 2_500_000 })
    const started = platform.clock.now
    const result = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })
    expect(result.errors).toEqual([])
    expect(result).toMatchObject({ exitCode: 1, messages: ['updated 0 nmem.'] })
    // ndctl compares whole seconds of CLOCK_MONOTONIC: more than 2 of them.
    expect(platform.clock.now - started).toBe(3000)
    await platform.nd.stop()
  })

  it('other query answers: out of resources, unknown, and no new version', async () => {
    const platform = await firmwarePlatform()
    const fw = platform.firmware[0]!
    fw.failures.query = new NvdimmError('ETIMEDOUT', 'no resources')
    expect((await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })).lines).toEqual([
      'nmem0: timeout awaiting update [ETIMEDOUT]',
    ])
    fw.powerCycle()
    fw.failures.query = new NvdimmError('EIO', 'hardware error')
    expect((await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION) })).lines).toEqual([
      'nmem0: unhandled error 4 [EIO]',
    ])
    fw.powerCycle()
    const zero = await update(platform, ['nmem0'], { firmware: firmwareImage(0n) })
    expect(zero.lines).toEqual(['nmem0: new firmware not found after update [EIO]'])
    await platform.nd.stop()
  })
})

describe('ndctl update-firmware: arm and disarm (no activate support)', () => {
  it('without an image, arming or disarming fails on every dimm and prints nothing', async () => {
    const platform = await firmwarePlatform()
    for (const options of [{ arm: true }, { disarm: true }]) {
      const result = await update(platform, ['nmem0', 'nmem1'], options)
      expect(result).toMatchObject({ exitCode: 1, errors: [], messages: ['updated 0 nmem.'] })
      expect(result.stdout).toBeUndefined()
    }
    const verbose = await update(platform, ['nmem0'], { arm: true, verbose: true })
    expect(verbose.lines).toEqual(['nmem0: firmware activate capability not found [ENXIO]'])
    await platform.nd.stop()
  })

  it('after an update the failed arm is not fatal: --disarm, --no-arm and -v all still print the dimm', async () => {
    for (const options of [{ disarm: true }, { arm: false }, { verbose: true }]) {
      const platform = await firmwarePlatform()
      const result = await update(platform, ['nmem0'], { firmware: firmwareImage(NEW_VERSION), ...options })
      expect(result.exitCode).toBe(0)
      expect(result.json[0].firmware.next_version).toBe(Number(NEW_VERSION))
      expect(result.json[0].firmware).not.toHaveProperty('activate_state')
      const armMessage = 'nmem0: firmware activate capability not found [ENXIO]'
      expect(result.lines).toEqual(options.verbose ? [armMessage] : [])
      await platform.nd.stop()
    }
  })
})

describe('ndctl update-firmware: option checks (ndctl prints its usage)', () => {
  const image = firmwareImage(NEW_VERSION)
  const refusals: [string[], UpdateFirmwareOptions, string][] = [
    [[], { firmware: image }, 'specify the dimms to update: nmemN ... or "all"'],
    [['dimm0', '1'], { firmware: image }, "'dimm0' is not a valid dimm name; '1' is not a valid dimm name"],
    [['nmem0'], { firmware: image, arm: true, disarm: true }, 'set either --arm, or --disarm, not both'],
    [['nmem0'], { firmware: image, arm: false, disarm: true }, 'set either --arm, or --disarm, not both'],
    [['nmem0'], { firmware: image, disarm: false }, '--no-disarm syntax not supported'],
    [['nmem0'], {}, 'require --arm, or --disarm'],
    [['nmem0'], { arm: false }, '--no-arm syntax not supported'],
  ]
  for (const [dimms, options, message] of refusals) {
    it(`refuses: ${message}`, async () => {
      expect(() => checkUpdateFirmwareOptions(dimms, options)).toThrow(message)
      const platform = await firmwarePlatform()
      const error = await ndctlUpdateFirmware(platform.nd, dimms, options).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(NvdimmError)
      expect((error as NvdimmError).errno).toBe('EINVAL')
      expect(platform.firmware[0]!.sends).toEqual([])
      await platform.nd.stop()
    })
  }

  it('accepts "all" among names it would not', () => {
    expect(checkUpdateFirmwareOptions(['foo', 'all'], { firmware: image })).toEqual([])
    expect(checkUpdateFirmwareOptions(['nmem0'], { arm: true })).toEqual([])
  })
})
