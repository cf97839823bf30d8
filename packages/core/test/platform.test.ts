import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireLock, destroyPlatform, initPlatform, Platform } from '../src/index.js'
import { kinds, spec, tempDir } from './helpers.js'

const cleanup: string[] = []
const scratch = () => {
  const dir = tempDir()
  cleanup.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of cleanup.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

describe('platform store', () => {
  it('creates a platform with sparse media and reads it back', async () => {
    const dir = path.join(scratch(), 'p')
    const platform = await initPlatform(dir, spec(2), kinds)
    expect(fs.readdirSync(path.join(dir, 'media')).sort()).toEqual(['range-0.img', 'range-1.img'])
    expect(fs.statSync(path.join(dir, 'media', 'range-0.img')).size).toBe(16 << 20)
    expect(platform.toJSON()).toMatchObject({
      format: 'nvdimm-platform',
      version: 1,
      arch: 'x86_64',
      providers: [{ kind: 'test', ranges: [{ start: '0x4000000', size: '0x1000000' }, { start: '0x8000000' }] }],
      runtime: {},
    })
    const session = await Platform.open(dir, kinds).start()
    expect(session.nd.regions.map((r) => r.name)).toEqual(['region0', 'region1'])
    await session.close()
  })

  it('refuses to overwrite, and checks everything before writing anything', async () => {
    const root = scratch()
    const dir = path.join(root, 'p')
    await initPlatform(dir, spec(1), kinds)
    await expect(initPlatform(dir, spec(1), kinds)).rejects.toMatchObject({ errno: 'EEXIST' })
    const other = path.join(root, 'q')
    fs.mkdirSync(other)
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine')
    await expect(initPlatform(other, spec(1), kinds)).rejects.toMatchObject({ errno: 'EEXIST' })
    const bad = spec(1)
    ;(bad.providers[0]!.entry as { ranges: { size: string }[] }).ranges[0]!.size = 'big'
    await expect(initPlatform(path.join(root, 'r'), bad, kinds)).rejects.toMatchObject({ errno: 'EINVAL' })
    await expect(
      initPlatform(path.join(root, 's'), { arch: 'x86_64', providers: [{ kind: 'nfit', entry: {} }] }, kinds),
    ).rejects.toThrow(/unknown provider kind 'nfit'/)
    await expect(
      initPlatform(path.join(root, 't'), { arch: 'sparc' as never, providers: [] }, kinds),
    ).rejects.toMatchObject({ errno: 'EINVAL' })
    expect(fs.readdirSync(root).sort()).toEqual(['p', 'q'])
  })

  it('replaces a platform when asked', async () => {
    const dir = path.join(scratch(), 'p')
    await initPlatform(dir, spec(1), kinds)
    const replaced = await initPlatform(dir, spec(3), kinds, { replace: true })
    expect((replaced.providers[0]!.entry as { ranges: unknown[] }).ranges).toHaveLength(3)
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['p'])
  })

  it('saves the runtime state an update leaves, even when the update fails part way', async () => {
    const dir = path.join(scratch(), 'p')
    const platform = await initPlatform(dir, spec(2), kinds)
    await platform.update(async (nd) => {
      await nd.region('region1').disable()
    })
    expect(Platform.open(dir, kinds).runtime).toEqual({
      dimms: {},
      regions: { region1: { enabled: false } },
      namespaces: {},
    })
    await expect(
      platform.update(async (nd) => {
        await nd.namespace('namespace0.0').disable()
        throw new Error('halfway')
      }),
    ).rejects.toThrow('halfway')
    const reopened = Platform.open(dir, kinds)
    expect(reopened.runtime.namespaces).toEqual({ 'namespace0.0': { enabled: false } })
    const session = await reopened.start({ readOnly: true })
    expect(session.nd.region('region1').enabled).toBe(false)
    // Writes in a read-only session stay in memory: the file never sees them.
    const file = path.join(dir, 'media', 'range-0.img')
    const before = fs.readFileSync(file).subarray(0, 16)
    session.nd.region('region0').media.write(0n, new Uint8Array(16).fill(7))
    await session.close()
    expect(fs.readFileSync(file).subarray(0, 16)).toEqual(before)
    expect(fs.readdirSync(dir).sort()).toEqual(['media', 'platform.json'])
  })

  it('explains a missing, corrupt or invalid description', async () => {
    const dir = path.join(scratch(), 'p')
    expect(() => Platform.open(dir, kinds)).toThrowError(expect.objectContaining({ errno: 'ENXIO' }))
    await initPlatform(dir, spec(1), kinds)
    const file = path.join(dir, 'platform.json')
    const text = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, text.slice(0, 40))
    expect(() => Platform.open(dir, kinds)).toThrow(/platform\.json is not valid JSON/)
    fs.writeFileSync(file, text.replace('"x86_64"', '"vax"'))
    expect(() => Platform.open(dir, kinds)).toThrow(/arch/)
    fs.writeFileSync(file, text.replace('"0x1000000"', '"-1"'))
    expect(() => Platform.open(dir, kinds)).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
  })

  it('destroys a platform', async () => {
    const root = scratch()
    const dir = path.join(root, 'p')
    await initPlatform(dir, spec(1), kinds)
    await destroyPlatform(dir)
    expect(fs.readdirSync(root)).toEqual([])
    await expect(destroyPlatform(dir)).rejects.toMatchObject({ errno: 'ENXIO' })
  })
})

describe('platform lock', () => {
  it('serialises concurrent updates', async () => {
    const dir = path.join(scratch(), 'p')
    const platform = await initPlatform(dir, spec(2), kinds)
    const order: string[] = []
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        platform.update(async (nd) => {
          order.push(`start ${i}`)
          await new Promise((resolve) => setTimeout(resolve, 5))
          const region = nd.region(`region${i % 2}`)
          if (region.enabled) await region.disable()
          else await region.enable()
          order.push(`end ${i}`)
        }),
      ),
    )
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]!.replace('end', 'start')).toBe(order[i])
    expect(Platform.open(dir, kinds).runtime.regions).toEqual({})
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false)
  })

  it('takes over a lock whose holder died, and waits for a live one', async () => {
    const dir = scratch()
    const file = path.join(dir, 'lock')
    fs.writeFileSync(
      file,
      JSON.stringify({ pid: 2 ** 22 + 12345, token: 'dead', hostname: (await import('node:os')).hostname() }),
    )
    const lock = await acquireLock(file, { timeoutMs: 1000 })
    lock.release()
    expect(fs.existsSync(file)).toBe(false)

    fs.writeFileSync(
      file,
      JSON.stringify({ pid: process.ppid, token: 'alive', hostname: (await import('node:os')).hostname() }),
    )
    await expect(acquireLock(file, { timeoutMs: 50 })).rejects.toMatchObject({ errno: 'EBUSY' })
    fs.unlinkSync(file)
  })

  it('treats a lock of this process that no one holds as left by a crash', async () => {
    const dir = scratch()
    const file = path.join(dir, 'lock')
    fs.writeFileSync(
      file,
      JSON.stringify({ pid: process.pid, token: 'crashed', hostname: (await import('node:os')).hostname() }),
    )
    const lock = await acquireLock(file, { timeoutMs: 1000 })
    lock.release()
  })
})

describe('two processes creating the same platform', () => {
  it('lets one win and the other fail with EEXIST, leaving nothing stray', async () => {
    const root = scratch()
    const dir = path.join(root, 'p')
    const results = await Promise.allSettled([initPlatform(dir, spec(1), kinds), initPlatform(dir, spec(2), kinds)])
    const failures = results.filter((result) => result.status === 'rejected')
    expect(failures.length).toBeLessThanOrEqual(1)
    for (const failure of failures) expect((failure as PromiseRejectedResult).reason).toMatchObject({ errno: 'EEXIST' })
    expect(fs.readdirSync(root)).toEqual(['p'])
    expect(() => Platform.open(dir, kinds)).not.toThrow()
  })
})
