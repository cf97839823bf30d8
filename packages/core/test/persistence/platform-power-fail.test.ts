import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initPlatform, Platform } from '../../src/index.js'
import { kinds, spec, tempDir } from '../helpers.js'

/**
 * A program's stores left in flight when its session closed (the test kind's regions are in
 * the unknown domain: only a deep flush makes a store durable) are kept beside platform.json;
 * a later power failure, from any process, keeps or loses each line by its seed.
 */

const root = tempDir('nvdimm-power-fail-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const DURABLE = 0n
const IN_FLIGHT = 4096n

async function programLeavesAStoreInFlight(name: string): Promise<Platform> {
  const dir = path.join(root, name)
  const platform = await initPlatform(dir, spec(1), kinds)
  await platform.update(
    async (nd) => {
      const region = nd.region('region0').persistence
      region.store(DURABLE, Uint8Array.of(1, 1, 1))
      region.writeback(DURABLE, 3)
      region.barrier()
      region.deepFlush()
      region.store(IN_FLIGHT, Uint8Array.of(2, 2, 2))
    },
    { cacheModel: true },
  )
  return platform
}

async function readBack(platform: Platform, at: bigint): Promise<number[]> {
  const session = await platform.start({ readOnly: true })
  try {
    const bytes = new Uint8Array(3)
    session.nd.region('region0').media.read(at, bytes)
    return [...bytes]
  } finally {
    await session.close()
  }
}

describe('platform power-fail with stores in flight', () => {
  it('keeps what a deep flush covered and decides the rest by the seed', async () => {
    const outcomes = new Set<string>()
    for (let seed = 0; seed < 12; seed++) {
      const platform = await programLeavesAStoreInFlight(`seed-${seed}`)
      expect(fs.existsSync(path.join(platform.dir, 'inflight.json'))).toBe(true)
      // Every process sees the store: it is in the CPU's view until the power goes.
      expect(await readBack(platform, IN_FLIGHT)).toEqual([2, 2, 2])
      const report = await platform.powerFail({ seed })
      expect(report.uncertainLines).toBe(1)
      expect(await readBack(platform, DURABLE)).toEqual([1, 1, 1])
      outcomes.add(JSON.stringify(await readBack(platform, IN_FLIGHT)))
      expect(fs.existsSync(path.join(platform.dir, 'inflight.json'))).toBe(false)
      expect(Platform.open(platform.dir, kinds).runtime).toMatchObject({ boot: 1, powerLost: true })
      // The same seed decides the same way.
      const again = await programLeavesAStoreInFlight(`seed-${seed}-again`)
      expect((await again.powerFail({ seed })).linesLost).toBe(report.linesLost)
    }
    expect([...outcomes].sort()).toEqual(['[0,0,0]', '[2,2,2]'])
  })

  it('carries stores in flight through later writing sessions; an orderly power cycle makes them durable', async () => {
    const platform = await programLeavesAStoreInFlight('carried')
    await platform.update(async (nd) => expect(nd.region('region0').persistence.modelled).toBe(true))
    expect(fs.existsSync(path.join(platform.dir, 'inflight.json'))).toBe(true)
    await platform.powerCycle()
    expect(fs.existsSync(path.join(platform.dir, 'inflight.json'))).toBe(false)
    expect(await platform.powerFail({ seed: 1 })).toEqual({ uncertainLines: 0, linesLost: 0 })
    expect(await readBack(platform, IN_FLIGHT)).toEqual([2, 2, 2])
  })

  it('refuses a damaged record of stores in flight with EINVAL and says what to do', async () => {
    const platform = await programLeavesAStoreInFlight('damaged')
    fs.writeFileSync(path.join(platform.dir, 'inflight.json'), '{"version":1,"regions":{"region0":[{"offset":-1}]}}')
    await expect(platform.powerFail()).rejects.toMatchObject({ errno: 'EINVAL', message: /damaged/ })
  })
})
