import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { destroyPlatform, initPlatform, Platform } from '../src/index.js'
import { exhaustiveCrashes, forEachCrashPoint } from '../src/testing/index.js'
import { kinds, spec, tempDir } from './helpers.js'

/**
 * A crash at any single write of the platform store leaves the old state or the new one:
 * each case runs once cleanly to count its writes, then once per write with a crash there.
 */

const root = tempDir('nvdimm-crash-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** What a platform directory holds, as the next process would see it, or 'none'. */
function observe(dir: string): string {
  try {
    return JSON.stringify(Platform.open(dir, kinds).toJSON())
  } catch (error) {
    if ((error as { errno?: string }).errno === 'ENXIO') return 'none'
    throw error
  }
}

function reset(dir: string): void {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true })
  fs.mkdirSync(path.dirname(dir), { recursive: true })
}

/** Every crash point for small cases; a sample of the big ones unless `npm run crash`. */
const sampleBig = (writes: number) =>
  exhaustiveCrashes()
    ? [...Array(writes).keys()]
    : [...Array(writes).keys()].filter((i) => i % 9 === 0 || i === writes - 1)

describe('crash at every write of the platform store', () => {
  for (const [label, ranges, sample] of [
    ['small', 2, undefined],
    ['64 media files', 64, sampleBig],
  ] as const) {
    it(`init (${label}) leaves no platform or the whole new one`, async () => {
      const dir = path.join(root, `init-${ranges}`, 'p')
      const fresh = (() => {
        reset(dir)
        return initPlatform(dir, spec(ranges), kinds).then(() => observe(dir))
      })()
      const expected = await fresh
      const writes = await forEachCrashPoint({
        setup: () => reset(dir),
        operation: async (ops) => {
          await initPlatform(dir, spec(ranges), kinds, { fs: ops })
        },
        check: () => {
          expect(['none', expected]).toContain(observe(dir))
          // Whatever the crash left, the next init succeeds and nothing stray stays next to it.
          if (observe(dir) === 'none') {
            return initPlatform(dir, spec(ranges), kinds).then(() => {
              expect(fs.readdirSync(path.dirname(dir))).toEqual(['p'])
            })
          }
          return undefined
        },
        ...(sample ? { sample } : {}),
      })
      expect(writes).toBeGreaterThan(ranges)
    })
  }

  it('init --force leaves the old platform or the new one', async () => {
    const dir = path.join(root, 'replace', 'p')
    reset(dir)
    await initPlatform(dir, spec(1), kinds)
    const before = observe(dir)
    await initPlatform(dir, spec(3), kinds, { replace: true })
    const after = observe(dir)
    expect(after).not.toBe(before)
    await forEachCrashPoint({
      setup: async () => {
        reset(dir)
        await initPlatform(dir, spec(1), kinds)
      },
      operation: async (ops) => {
        await initPlatform(dir, spec(3), kinds, { replace: true, fs: ops })
      },
      check: () => {
        expect([before, after]).toContain(observe(dir))
      },
    })
  })

  it('an update leaves the old runtime state or the new one', async () => {
    const dir = path.join(root, 'update', 'p')
    const setup = async () => {
      reset(dir)
      await initPlatform(dir, spec(2), kinds)
    }
    await setup()
    const before = observe(dir)
    await Platform.open(dir, kinds).update(async (nd) => nd.region('region1').disable())
    const after = observe(dir)
    expect(after).not.toBe(before)
    await forEachCrashPoint({
      setup,
      operation: async (ops) => {
        await Platform.open(dir, kinds, { fs: ops }).update(async (nd) => nd.region('region1').disable())
      },
      check: async () => {
        expect([before, after]).toContain(observe(dir))
        // The lock the crash left behind does not block the next change.
        await Platform.open(dir, kinds, { lockTimeoutMs: 2000 }).update(async () => undefined)
      },
    })
  })

  for (const [what, reboot] of [
    ['a power cycle', (platform: Platform) => platform.powerCycle()],
    ['a kexec', (platform: Platform) => platform.kexec()],
    ['a power failure', async (platform: Platform) => void (await platform.powerFail())],
    ['a firmware change', (platform: Platform) => platform.updateFirmware(0, () => ({ fault: 'busy' }))],
    ['a hot-added DIMM', async (platform: Platform) => void (await platform.hotAddMemory(1n << 30n))],
    [
      'a daxctl configuration',
      (platform: Platform) =>
        platform.setDaxctlConf(
          '[reconfigure-device a]\nnvdimm.uuid = 48d8e42c-a2f0-4312-9e70-a837faafe862\nmode = system-ram\n',
        ),
    ],
  ] as const) {
    it(`${what} leaves the old runtime state or the new one`, async () => {
      const dir = path.join(root, what.replace(/ /g, '-'), 'p')
      const setup = async () => {
        reset(dir)
        await initPlatform(dir, spec(1), kinds)
        await Platform.open(dir, kinds).update(async (nd) => nd.region('region0').disable())
      }
      await setup()
      const before = observe(dir)
      await reboot(Platform.open(dir, kinds))
      const after = observe(dir)
      expect(after).not.toBe(before)
      await forEachCrashPoint({
        setup,
        operation: (ops) => reboot(Platform.open(dir, kinds, { fs: ops })),
        check: () => {
          expect([before, after]).toContain(observe(dir))
        },
      })
    })
  }

  it('a power failure with stores in flight leaves the old state or the new one, media included', async () => {
    const dir = path.join(root, 'power-fail-in-flight', 'p')
    const observeAll = async () => {
      const platform = Platform.open(dir, kinds)
      const session = await platform.start({ readOnly: true })
      const bytes = new Uint8Array(2)
      session.nd.region('region0').media.read(8192n, bytes)
      await session.close()
      const inFlight = fs.existsSync(path.join(dir, 'inflight.json'))
      return `${observe(dir)} ${bytes.join(',')} ${inFlight}`
    }
    const setup = async () => {
      reset(dir)
      await initPlatform(dir, spec(1), kinds)
      await Platform.open(dir, kinds).update(
        async (nd) => nd.region('region0').persistence.store(8192n, Uint8Array.of(9, 9)),
        { cacheModel: true },
      )
    }
    // Seed 0 loses the store in flight (mulberry32): the media change with the runtime.
    await setup()
    const before = await observeAll()
    expect((await Platform.open(dir, kinds).powerFail({ seed: 0 })).linesLost).toBe(1)
    const after = await observeAll()
    expect(after).not.toBe(before)
    await forEachCrashPoint({
      setup,
      operation: async (ops) => void (await Platform.open(dir, kinds, { fs: ops }).powerFail({ seed: 0 })),
      // The next start finishes a power failure the crash interrupted.
      check: async () => expect([before, after]).toContain(await observeAll()),
    })
  })

  it('destroy leaves the platform or nothing', async () => {
    const dir = path.join(root, 'destroy', 'p')
    const setup = async () => {
      reset(dir)
      await initPlatform(dir, spec(2), kinds)
    }
    await setup()
    const before = observe(dir)
    await forEachCrashPoint({
      setup,
      operation: (ops) => destroyPlatform(dir, { fs: ops }),
      check: () => {
        expect([before, 'none']).toContain(observe(dir))
      },
    })
  })
})
