import { describe, expect, it } from 'vitest'
import { ndctlList, ndctlStartScrub, ndctlWaitScrub, regionBadblocks } from '../../src/index.js'
import { poisonPlatform, REGION0 } from './poison-provider.js'

describe('ndctl start-scrub / wait-scrub', () => {
  it('starts a scrub on the buses that can, prints them active, and fails only when none could', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    const started = await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    expect(started.exitCode).toBe(0)
    expect(started.stdout).toBe(
      '[\n  {\n    "provider":"nfit_test.0",\n    "dev":"ndbus0",\n    "scrub_state":"active"\n  }\n]\n',
    )
    expect(started.messages).toEqual([])

    const e820 = await ndctlStartScrub(nd, ['e820'], { sleep: fake.sleep })
    expect(e820.stdout).toBeUndefined()
    expect(e820.messages).toEqual(['error starting scrub: Operation not supported'])
    expect(e820.exitCode).toBe(256 - 95)

    const none = await ndctlStartScrub(nd, ['ndbus7'], { sleep: fake.sleep, verbose: true })
    expect(none.messages).toEqual(['no bus matches id: ndbus7', 'error starting scrub: No such device or address'])
    expect(none.exitCode).toBe(256 - 6)
    await nd.stop()
  })

  it('waits until the scrub is over, and the poison it found is in the badblocks then', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await fake.ops.errorInjection!.inject(REGION0.start + 0x2000n, 512n, false)
    await ndctlStartScrub(nd, ['nfit_test.0'], { sleep: fake.sleep })
    expect(regionBadblocks(nd.region('region0'))!.count).toBe(0)
    const polls: boolean[] = []
    const waited = await ndctlWaitScrub(nd, ['0'], {
      sleep: fake.sleep,
      onPoll: (_bus, status) => polls.push(status.active),
    })
    expect(waited.stdout).toBe(
      '[\n  {\n    "provider":"nfit_test.0",\n    "dev":"ndbus0",\n    "scrub_state":"idle"\n  }\n]\n',
    )
    expect(fake.now).toBe(fake.scrubMs)
    expect(polls[0]).toBe(true)
    expect(polls.at(-1)).toBe(false)
    expect(regionBadblocks(nd.region('region0'))!.entries).toEqual([{ sector: 16n, length: 1 }])
    expect(JSON.parse((await ndctlList(nd, { buses: true }))!)).toEqual([
      { provider: 'e820', dev: 'ndbus1' },
      { provider: 'nfit_test.0', dev: 'ndbus0', scrub_state: 'idle' },
    ])
    await nd.stop()
  })

  it('wakes on the change however long --poll is, as poll() on sysfs does', async () => {
    const { nd, fake } = poisonPlatform()
    fake.scrubMs = 2500
    await nd.start()
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    const sleeps: number[] = []
    const waited = await ndctlWaitScrub(nd, [], {
      poll: 5,
      sleep: async (ms) => {
        sleeps.push(ms)
        await fake.sleep(ms)
      },
    })
    expect(waited.exitCode).toBe(0)
    expect(fake.now).toBe(2500)
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(1000)
    expect(() => ndctlWaitScrub(nd, [], { poll: -1 })).toThrow(/poll/)
    await nd.stop()
  })

  it('retries a start the kernel refuses as busy once the running scrub ends, and reports EBUSY when it does not', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    const again = await ndctlStartScrub(nd, ['nfit_test.0'], { sleep: fake.sleep })
    expect(again.exitCode).toBe(0)
    expect(fake.now).toBe(1000)
    expect(fake.scrubEnd).toBe(2000)

    fake.scrubMs = 10_000
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    const busy = await ndctlStartScrub(nd, ['nfit_test.0'], { sleep: fake.sleep })
    expect(busy.messages).toEqual(['error starting scrub: Device or resource busy'])
    expect(busy.exitCode).toBe(256 - 16)
    expect(busy.errors.map((error) => error.errno)).toEqual(['EBUSY'])
    // With every bus, the first failure is the one reported: e820's.
    const all = await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    expect(all.messages).toEqual(['error starting scrub: Operation not supported'])
    await nd.stop()
  })
})
