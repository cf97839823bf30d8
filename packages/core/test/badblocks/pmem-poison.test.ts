import { describe, expect, it } from 'vitest'
import {
  diskBadblocks,
  ndctlCreateNamespace,
  ndctlStartScrub,
  ndctlWaitScrub,
  NdPfn,
  NvdimmError,
  regionBadblocks,
} from '../../src/index.js'
import { CLEAR_UNIT, poisonPlatform, REGION0, REGION1 } from './poison-provider.js'

async function poisoned(spa: bigint, length: bigint) {
  const { nd, fake } = poisonPlatform()
  await nd.start()
  await fake.ops.errorInjection!.inject(spa, length, false)
  await ndctlStartScrub(nd, [], { sleep: fake.sleep })
  await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
  return { nd, fake }
}

const errnoOf = (run: () => unknown): string | undefined => {
  try {
    run()
  } catch (error) {
    return error instanceof NvdimmError ? error.errno : 'not an NvdimmError'
  }
  return undefined
}

describe('a pmem disk over poison (pmem_do_read / pmem_do_write)', () => {
  it('fails reads that touch a bad sector with EIO and serves the others', async () => {
    const { nd } = await poisoned(REGION0.start + 25n * 512n, BigInt(CLEAR_UNIT))
    const disk = nd.namespace('namespace0.0').openBlockDevice()
    expect(errnoOf(() => disk.read(25n * 512n, new Uint8Array(512)))).toBe('EIO')
    expect(errnoOf(() => disk.read(24n * 512n + 511n, new Uint8Array(2)))).toBe('EIO')
    expect(errnoOf(() => disk.read(24n * 512n, new Uint8Array(512)))).toBeUndefined()
    expect(errnoOf(() => disk.read(26n * 512n, new Uint8Array(4096)))).toBeUndefined()
    await nd.stop()
  })

  it('clears a bad sector that a write covers whole, through the platform, and the data lands', async () => {
    const { nd, fake } = await poisoned(REGION0.start + 25n * 512n, BigInt(CLEAR_UNIT))
    const namespace = nd.namespace('namespace0.0')
    const disk = namespace.openBlockDevice()
    const data = new Uint8Array(512).fill(0xa5)
    await disk.write(25n * 512n, data)
    expect(fake.clears).toEqual([{ spa: REGION0.start + 25n * 512n, length: 512n }])
    expect(nd.bus('ndbus0').badrange.size).toBe(0)
    expect(regionBadblocks(namespace.region)!.count).toBe(0)
    expect(diskBadblocks(namespace)!.count).toBe(0)
    expect(fake.poison.size).toBe(0)
    const back = new Uint8Array(512)
    disk.read(25n * 512n, back)
    expect(back).toEqual(data)
    await nd.stop()
  })

  it('clears only the page-sized pieces of a long write that hold poison', async () => {
    const { nd, fake } = await poisoned(REGION0.start + 9n * 4096n + 1024n, 512n)
    const disk = nd.namespace('namespace0.0').openBlockDevice()
    const data = new Uint8Array(4 * 4096).map((_, index) => index & 0xff)
    await disk.write(8n * 4096n, data)
    expect(fake.clears).toEqual([{ spa: REGION0.start + 9n * 4096n, length: 4096n }])
    const back = new Uint8Array(data.length)
    disk.read(8n * 4096n, back)
    expect(back).toEqual(data)
    await nd.stop()
  })

  it('refuses a write that covers a bad sector only in part, and one the platform clears short, with EIO', async () => {
    const { nd, fake } = await poisoned(REGION0.start + 25n * 512n, 512n)
    const disk = nd.namespace('namespace0.0').openBlockDevice()
    await expect(disk.write(25n * 512n + 100n, new Uint8Array(100))).rejects.toMatchObject({ errno: 'EIO' })
    expect(fake.clears).toEqual([])
    fake.shortClear = true
    await expect(disk.write(25n * 512n, new Uint8Array(512))).rejects.toMatchObject({ errno: 'EIO' })
    // What was cleared is forgotten; the rest is still bad.
    expect(regionBadblocks(nd.region('region0'))!.entries).toEqual([{ sector: 25n, length: 1 }])
    expect(nd.bus('ndbus0').badrange.entries).toEqual([{ start: REGION0.start + 25n * 512n + 256n, length: 256n }])
    await nd.stop()
  })

  it('writes without poison land before write() returns, as before', async () => {
    const { nd } = poisonPlatform()
    await nd.start()
    const disk = nd.namespace('namespace0.0').openBlockDevice()
    void disk.write(0n, new Uint8Array([1, 2, 3]))
    const back = new Uint8Array(3)
    disk.read(0n, back)
    expect([...back]).toEqual([1, 2, 3])
    expect(() => disk.write(REGION0.size, new Uint8Array(1))).toThrow(NvdimmError)
    await nd.stop()
  })

  it('maps fsdax disk sectors past the info block and memmap to the platform address', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await ndctlCreateNamespace(nd, { reconfig: 'namespace1.0', mode: 'fsdax', map: 'dev', force: true })
    const namespace = nd.namespace('namespace1.0')
    const dataStart = (namespace.claim as NdPfn).resource!
    expect(dataStart).toBeGreaterThan(REGION1.start)
    await fake.ops.errorInjection!.inject(dataStart + 3n * 512n, 512n, false)
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    const disk = namespace.openBlockDevice()
    expect(errnoOf(() => disk.read(3n * 512n, new Uint8Array(512)))).toBe('EIO')
    await disk.write(0n, new Uint8Array(4096))
    expect(fake.clears).toEqual([{ spa: dataStart, length: 4096n }])
    expect(diskBadblocks(namespace)!.count).toBe(0)
    await nd.stop()
  })
})
