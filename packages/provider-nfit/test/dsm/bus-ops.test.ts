import {
  createNvdimm,
  defineProvider,
  MemoryMedia,
  ndctlInjectError,
  ndctlList,
  ndctlStartScrub,
  ndctlWaitScrub,
  NvdimmError,
  regionBadblocks,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { NfitBusFirmware, type NfitBusFirmwareOptions } from '../../src/dsm/bus/bus-firmware.js'
import { NfitBusFn } from '../../src/dsm/bus/bus-functions.js'
import { type NfitBusOpsOptions, type NfitBusSend, nfitBusOps } from '../../src/dsm/bus/nfit-bus-ops.js'

const BASE = 0x1_0000_0000n
const SIZE = 32n << 20n

/** A 2-way set interleaved every 4 KiB over dimms 0x0 and 0x1, as the provider's lookup says. */
function translate(spa: bigint) {
  if (spa < BASE || spa >= BASE + SIZE) return undefined
  const line = (spa - BASE) / 4096n
  return { devices: [{ handle: Number(line % 2n), dpa: (line / 2n) * 4096n + ((spa - BASE) % 4096n) }], length: 4096n }
}

/** The state that outlives a process: the firmware's JSON and the wall clock. */
interface World {
  now: number
  saved?: unknown
}

/** One "boot": the firmware restored from the world, the nfit ops over it, a core subsystem. */
function boot(
  world: World,
  options: { firmware?: NfitBusFirmwareOptions; ops?: NfitBusOpsOptions; send?: NfitBusSend } = {},
) {
  const firmwareOptions: NfitBusFirmwareOptions = {
    clock: () => world.now,
    ranges: [{ address: BASE, length: SIZE, type: 'pmem' }],
    translate,
    changed: () => {
      world.saved = JSON.parse(JSON.stringify(firmware.toJSON()))
    },
    ...options.firmware,
  }
  const firmware =
    world.saved === undefined
      ? new NfitBusFirmware(firmwareOptions)
      : NfitBusFirmware.fromJSON(world.saved, firmwareOptions)
  const calls: number[] = []
  const send: NfitBusSend =
    options.send ??
    ((fn, input) => {
      calls.push(fn)
      return firmware.call(fn, input)
    })
  const ops = nfitBusOps(firmware, send, options.ops)
  const nd = createNvdimm({
    providers: [
      defineProvider('nfit', ({ registerBus }) => ({
        async probe() {
          const ndctl = async () => ({ rc: 0, cmdRc: 0, output: new Uint8Array(0) })
          const bus = registerBus({ providerName: 'nfit_test.0', cmdMask: [1, 2, 3, 4, 10], ndctl, ops })
          const dimms = [0, 1].map((handle) => bus.createDimm({ handle, flags: [], cmdMask: [] }))
          bus.createRegion({
            type: 'pmem',
            resource: { start: BASE, size: SIZE },
            media: new MemoryMedia(SIZE),
            mappings: dimms.map((dimm, position) => ({ dimm, start: 0n, size: SIZE / 2n, position })),
            numaNode: 0,
            targetNode: 0,
            flags: [],
          })
          await ops.registerRanges(bus, [{ address: BASE, length: SIZE, type: 'pmem' }])
        },
        async remove() {
          ops.shutdown()
        },
      })),
    ],
  })
  const sleep = async (ms: number) => {
    world.now += ms
  }
  return { nd, firmware, ops, calls, sleep }
}

describe('nfitBusOps: the kernel nfit driver over the bus DSM', () => {
  it('fetches what the platform knows at boot with a short scrub, and is idle after the first look', async () => {
    const world: World = { now: 5000 }
    const { nd, ops, calls } = boot(world)
    await nd.start()
    // ars_cap, ars_status (NONE), short ars_start, ars_status
    expect(calls).toEqual([NfitBusFn.ARS_CAP, NfitBusFn.ARS_STATUS, NfitBusFn.ARS_START, NfitBusFn.ARS_STATUS])
    expect(ops.scrubBusy).toBe(true)
    expect(await ops.scrub!.status()).toEqual({ active: false, count: 1 })
    expect(ops.scrubBusy).toBe(false)
    await nd.stop()
  })

  it('queues a full scrub at boot without no_init_ars, busy until the platform is done', async () => {
    const world: World = { now: 0 }
    const { nd, ops } = boot(world, { ops: { noInitArs: false } })
    await nd.start()
    expect(await ops.scrub!.status()).toMatchObject({ active: true, count: 0 })
    world.now += 500
    expect(await ops.scrub!.status()).toEqual({ active: true, count: 0, progress: 0.5 })
    world.now += 500
    expect(await ops.scrub!.status()).toEqual({ active: false, count: 1 })
    await nd.stop()
  })

  it('injects with notification: the platform notifies, the kernel rescans, the badblocks appear (ndctl inject-error)', async () => {
    const world: World = { now: 0 }
    const { nd, firmware, sleep } = boot(world)
    await nd.start()
    const result = await ndctlInjectError(nd, 'namespace0.0', { block: '42', count: '8', sleep })
    expect(result.exitCode).toBe(0)
    expect(firmware.poison).toHaveLength(8)
    expect(JSON.parse(result.stdout as string)).toMatchObject({
      badblock_count: 8,
      badblocks: [{ offset: 42, length: 8, dimms: ['nmem0', 'nmem1'] }],
    })
    const status = await ndctlInjectError(nd, 'namespace0.0', { status: true })
    expect(JSON.parse(status.stdout as string)).toEqual({ badblocks: [{ block: 42, count: 8 }] })
    await nd.stop()
  })

  it('keeps a scrub started by one process running into the next, whose wait-scrub collects its findings', async () => {
    const world: World = { now: 0 }
    const first = boot(world)
    await first.nd.start()
    await first.ops.errorInjection!.inject(BASE + 0x3000n, 512n, false)
    const started = await ndctlStartScrub(first.nd, [], { sleep: first.sleep })
    expect(JSON.parse(started.stdout as string)).toEqual([
      { provider: 'nfit_test.0', dev: 'ndbus0', scrub_state: 'active' },
    ])
    await first.nd.stop()

    world.now += 300
    const second = boot(world)
    await second.nd.start()
    expect(regionBadblocks(second.nd.region('region0'))!.count).toBe(0)
    const waited = await ndctlWaitScrub(second.nd, [], { sleep: second.sleep })
    expect(JSON.parse(waited.stdout as string)).toEqual([
      { provider: 'nfit_test.0', dev: 'ndbus0', scrub_state: 'idle' },
    ])
    expect(regionBadblocks(second.nd.region('region0'))!.entries).toEqual([{ sector: 24n, length: 1 }])
    await second.nd.stop()

    // The next boot learns it from the platform's short scrub: no wait.
    const third = boot(world)
    await third.nd.start()
    const listed = JSON.parse((await ndctlList(third.nd, { regions: true, mediaErrors: true }))!)
    expect(listed[0]).toMatchObject({ badblock_count: 1, badblocks: [{ offset: 24, length: 1, dimms: ['nmem1'] }] })
    await third.nd.stop()
  })

  it('leaves an error injected without notification latent across boots until a scrub finds it', async () => {
    const world: World = { now: 0 }
    const first = boot(world)
    await first.nd.start()
    await ndctlInjectError(first.nd, 'namespace0.0', { block: '8', count: '1', noNotify: true, sleep: first.sleep })
    await first.nd.stop()
    const second = boot(world)
    await second.nd.start()
    expect(regionBadblocks(second.nd.region('region0'))!.count).toBe(0)
    await ndctlStartScrub(second.nd, [], { sleep: second.sleep })
    await ndctlWaitScrub(second.nd, [], { sleep: second.sleep })
    expect(regionBadblocks(second.nd.region('region0'))!.entries).toEqual([{ sector: 8n, length: 1 }])
    await second.nd.stop()
  })

  it('clears through a write: the platform forgets the poison, and no later boot brings it back', async () => {
    const world: World = { now: 0 }
    const first = boot(world)
    await first.nd.start()
    await ndctlInjectError(first.nd, 'namespace0.0', { block: '16', count: '2', sleep: first.sleep })
    const disk = first.nd.namespace('namespace0.0').openBlockDevice()
    expect(() => disk.read(16n * 512n, new Uint8Array(512))).toThrow(NvdimmError)
    await disk.write(16n * 512n, new Uint8Array(1024))
    expect(first.firmware.poison).toEqual([])
    await first.nd.stop()
    const second = boot(world)
    await second.nd.start()
    await second.ops.scrub!.status()
    expect(regionBadblocks(second.nd.region('region0'))!.count).toBe(0)
    await second.nd.stop()
  })

  it('goes on where an overflowing status says, taking the rest as stale as the kernel does', async () => {
    const world: World = { now: 0 }
    const { nd, ops, calls, sleep } = boot(world, { firmware: { maxArsOut: 48 + 2 * 24 } })
    await nd.start()
    for (let i = 0n; i < 5n; i++) await ops.errorInjection!.inject(BASE + i * 0x10000n, 512n, false)
    calls.length = 0
    await ndctlStartScrub(nd, [], { sleep })
    const waited = await ndctlWaitScrub(nd, [], { sleep })
    expect(waited.exitCode).toBe(0)
    // Two ARS_STARTs beyond the scrub itself: the continuations at the restart addresses.
    expect(calls.filter((fn) => fn === NfitBusFn.ARS_START)).toHaveLength(3)
    // ars_continue() does not mark the results fresh (ARS_VALID), so only the first page counts.
    expect(nd.bus('ndbus0').badrange.entries.map((entry) => entry.start - BASE)).toEqual([0n, 0x10000n])
    await nd.stop()
  })

  it('translates the firmware answers into errnos', async () => {
    const world: World = { now: 0 }
    const { nd, ops } = boot(world)
    await nd.start()
    const errno = (promise: Promise<unknown>) =>
      promise.then(
        () => 'ok',
        (error: NvdimmError) => error.errno,
      )
    expect(await errno(ops.errorInjection!.inject(BASE + SIZE, 256n, false))).toBe('EINVAL')
    expect(await errno(ops.clearError!(BASE + 0x80n, 256n))).toBe('ENXIO')
    expect(await errno(ops.clearErrorUnit!(BASE + SIZE, 256n))).toBe('ENOTTY')
    expect(await errno(ops.translateSpa!(BASE + SIZE))).toBe('EINVAL')
    expect(await ops.translateSpa!(BASE + 0x1010n)).toEqual([{ handle: 1, dpa: 0x10n }])
    expect(await ops.clearErrorUnit!(BASE, SIZE)).toBe(256)
    expect(await errno(ops.scrub!.start())).toBe('ok')
    expect(await errno(ops.scrub!.start())).toBe('EBUSY')
    await nd.stop()
  })

  it('survives a transport that fails: the range is not scrubbed, nothing throws from the work', async () => {
    const world: World = { now: 0 }
    const failing: NfitBusSend = () => {
      throw new NvdimmError('EIO', 'transport down')
    }
    const { nd, ops } = boot(world, { send: failing })
    await nd.start()
    expect(await ops.scrub!.status()).toEqual({ active: false, count: 1 })
    await expect(ops.scrub!.start()).rejects.toMatchObject({ errno: 'ENOTTY' })
    await nd.stop()
  })
})
