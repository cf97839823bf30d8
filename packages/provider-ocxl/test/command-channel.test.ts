import {
  afterPowerCycle,
  afterPowerFail,
  createNvdimm,
  DimmCmd,
  encodeCmdPkg,
  MemoryMedia,
  ndctlList,
  ndctlUpdateFirmware,
  submitUserCommand,
  type ControllerCondition,
  type RuntimeState,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  GLOBAL_MMIO_CHIE,
  ManualClock,
  NVDIMM_FAMILY_OCXL,
  OcxlCard,
  ocxl,
  ocxlControllerDump,
  ocxlControllerStats,
  ocxlErrorLog,
  ocxlEventCheck,
  ocxlShutdown,
  OcxlFunction,
} from '../src/index.js'

const GiB = 1n << 30n
const link = { phbId: 3, bdfn: 1 }

const clock = new ManualClock()

async function oneCard(card = new OcxlCard({ clock }), state: RuntimeState = {}) {
  const nd = createNvdimm({
    arch: 'ppc64',
    state,
    providers: [ocxl({ clock, cards: [{ link, card, media: new MemoryMedia(GiB), serial: 0xabcn }] })],
  })
  await nd.start()
  return { nd, card, dimm: nd.dimms[0]! }
}

describe('ocxl: the card through ND_CMD_CALL on nmemN', () => {
  it('reads the error log oldest first with identifier, code and data; EAGAIN once it is empty', async () => {
    const { nd, card, dimm } = await oneCard()
    const first = card.injectErrorLog({ programReferenceCode: 0xdead, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) })
    const second = card.injectErrorLog({ programReferenceCode: 0xbeef })
    const log = await ocxlErrorLog(dimm, 24)
    expect(log).toMatchObject({ logIdentifier: first, programReferenceCode: 0xdead, length: 16 + 9 })
    expect([...log.data.subarray(16)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(await ocxlErrorLog(dimm)).toMatchObject({ logIdentifier: second, programReferenceCode: 0xbeef })
    await expect(ocxlErrorLog(dimm)).rejects.toMatchObject({
      errno: 'EAGAIN',
      message: 'nmem0: ERROR_LOG: no error log is available (CHI.ELA is clear)',
    })
    await nd.stop()
  })

  it('refuses a buffer that is not whole u64 words (EINVAL) and packages the kernel would not take', async () => {
    const { nd, card, dimm } = await oneCard()
    card.injectErrorLog({ programReferenceCode: 1 })
    await expect(ocxlErrorLog(dimm, 20)).rejects.toMatchObject({ errno: 'EINVAL' })
    expect(card.errorLogLength).toBe(1)
    const call = (family: number, command: number) =>
      submitUserCommand(
        dimm.bus,
        dimm,
        DimmCmd.CALL,
        encodeCmdPkg({ family, command, input: new Uint8Array(), outputSize: 8 }),
      )
    await expect(call(0, OcxlFunction.EVENT_CHECK)).rejects.toMatchObject({ errno: 'EINVAL' })
    await expect(call(NVDIMM_FAMILY_OCXL, 99)).rejects.toMatchObject({ errno: 'ENOTTY' })
    await expect(submitUserCommand(dimm.bus, dimm, DimmCmd.CALL, new Uint8Array(10))).rejects.toMatchObject({
      errno: 'EINVAL',
    })
    await expect(submitUserCommand(dimm.bus, dimm, DimmCmd.SMART, new Uint8Array())).rejects.toMatchObject({
      errno: 'ENOTTY',
    })
    await nd.stop()
  })

  it('gives controller stats, the whole controller dump in chunks, and the standing conditions', async () => {
    const { nd, card, dimm } = await oneCard(new OcxlCard({ clock, maxControllerDumpSize: 10_000 }))
    card.injectErrorLog({ programReferenceCode: 7 })
    card.collectControllerDump()
    expect(await ocxlEventCheck(dimm)).toEqual(['error-log-available', 'controller-dump-available'])
    const stats = await ocxlControllerStats(dimm)
    expect(stats.errorLogEntries).toBe(1n)
    expect((await ocxlControllerStats(dimm)).adminCommands).toBe(stats.adminCommands + 1n)
    const dump = await ocxlControllerDump(dimm)
    expect(dump.length).toBe(10_000)
    expect(dump[9_999]).toBe((9_999 * 7 + 3) & 0xff)
    expect(await ocxlEventCheck(dimm)).toEqual(['error-log-available'])
    await expect(ocxlControllerDump(dimm)).rejects.toMatchObject({ errno: 'EAGAIN', message: /CHI.CDA/ })
    await nd.stop()
  })

  it('passes a status the card answered with back as its errno, and logs the card status', async () => {
    const { nd, card, dimm } = await oneCard()
    card.injectErrorLog({ programReferenceCode: 1 })
    card.failCommands(0x20)
    const failed = await ocxlErrorLog(dimm).catch((error: unknown) => error)
    expect(failed).toMatchObject({ errno: expect.any(String), message: /nmem0: ERROR_LOG: the controller refused it/ })
    expect(nd.dmesg.some((entry) => /ocxlpmem0: ERROR_LOG: Unexpected status/.test(entry.message))).toBe(true)
    await nd.stop()
  })

  it('turns rising CHI conditions into dimm:health-event and health facts; teardown disables the doorbells', async () => {
    const { nd, card, dimm } = await oneCard()
    const seen: [string, ControllerCondition][] = []
    nd.on('dimm:health-event', (target, condition) => seen.push([target.name, condition]))
    card.injectErrorLog({ programReferenceCode: 2 })
    card.injectErrorLog({ programReferenceCode: 3 })
    card.setFirmwareFatal()
    expect(seen).toEqual([
      ['nmem0', 'error-log-available'],
      ['nmem0', 'firmware-fatal'],
    ])
    expect(await dimm.health()).toMatchObject({ state: 'fatal', errorLogAvailable: true, firmwareFatal: true })
    const [listed] = JSON.parse((await ndctlList(nd, { dimms: true, health: true }))!) as {
      health: Record<string, unknown>
    }[]
    expect(listed!.health).toMatchObject({ health_state: 'fatal', error_log_available: true, firmware_fatal: true })
    expect(card.read64(GLOBAL_MMIO_CHIE)).not.toBe(0n)
    await nd.stop()
    expect(card.read64(GLOBAL_MMIO_CHIE)).toBe(0n)
    card.setHardwareFatal()
    expect(seen).toHaveLength(2)
  })

  it('updates the firmware through update-firmware and shows version and revision as nmemN/ocxl attributes', async () => {
    const { nd, card } = await oneCard()
    const image = new Uint8Array(9000)
    image.set(Buffer.from('OCXL0002'))
    const outcome = await ndctlUpdateFirmware(nd, ['nmem0'], { firmware: image, sleep: async () => undefined })
    expect(outcome.errors).toEqual([])
    expect(outcome.exitCode).toBe(0)
    expect(card.fwVersion).toBe('OCXL0002')
    const text = (await ndctlList(nd, { dimms: true, verbose: 1, firmware: true }))!
    const listed = (JSON.parse(text) as { dimms: { ocxl: Record<string, unknown> }[] }).dimms[0]!
    expect(listed.ocxl).toMatchObject({ fw_version: 'OCXL0002', scm_revision: '1.0', serial: '0xabc', link: '3:1' })
    // FWVER's eight bytes as a little-endian u64, as libndctl prints a version.
    expect(text).toContain(`"current_version":${Buffer.from('OCXL0002').readBigUInt64LE()}`)
    await nd.stop()
  })
})

describe('ocxl: the card state between commands', () => {
  /** One command's run: the provider builds its card from the firmware state, as the CLI's platform does. */
  async function run(state: RuntimeState, body: (nd: ReturnType<typeof createNvdimm>) => Promise<void>) {
    const nd = createNvdimm({
      arch: 'ppc64',
      state,
      providers: [ocxl({ cards: [{ link, media: new MemoryMedia(GiB), serial: 0x77n }] })],
    })
    await nd.start()
    await body(nd)
    await nd.stop()
    return nd.runtimeState()
  }

  it('counts a power failure as a dirty shutdown unless the controller was shut down first', async () => {
    let state = await run({ boot: 0 }, async () => undefined)
    const saved = state.firmware?.[0] as { cards: Record<string, unknown> }
    expect(Object.keys(saved.cards)).toEqual(['0000000000000077'])
    state = await run(afterPowerCycle(state), async (nd) => {
      expect(await nd.dimms[0]!.health()).toMatchObject({ shutdownState: 'clean', shutdownCount: 0 })
    })
    state = await run(afterPowerFail(state), async (nd) => {
      expect(await nd.dimms[0]!.health()).toMatchObject({ shutdownState: 'dirty', shutdownCount: 1 })
      await ocxlShutdown(nd.dimms[0]!)
    })
    // Shut down in this boot: the memory stays unavailable, so the card is left out.
    state = await run(state, async (nd) => expect(nd.buses).toHaveLength(0))
    await run(afterPowerFail(state), async (nd) => {
      expect(await nd.dimms[0]!.health()).toMatchObject({ shutdownState: 'clean', shutdownCount: 1 })
    })
  })
})
