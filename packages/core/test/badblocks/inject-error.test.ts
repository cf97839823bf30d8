import { describe, expect, it } from 'vitest'
import {
  diskBadblocks,
  ndctlCreateNamespace,
  ndctlInjectError,
  ndctlStartScrub,
  ndctlWaitScrub,
  NdPfn,
  NvdimmError,
} from '../../src/index.js'
import { CLEAR_UNIT, poisonPlatform, REGION0, REGION1 } from './poison-provider.js'

const status = async (nd: Parameters<typeof ndctlInjectError>[0], name = 'namespace0.0') =>
  (await ndctlInjectError(nd, name, { status: true })).stdout

describe('ndctl inject-error', () => {
  it('follows ndctl test/inject-error.sh: no-notify, uninject, notify + scrub, clear by writing', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    const env = { sleep: fake.sleep }

    // Without notification the platform holds the error and the kernel knows nothing yet.
    const quiet = await ndctlInjectError(nd, 'namespace0.0', { block: '42', count: '8', noNotify: true, ...env })
    expect(quiet.exitCode).toBe(0)
    expect(JSON.parse(quiet.stdout as string)).toEqual({
      dev: 'namespace0.0',
      mode: 'raw',
      size: 33554432,
      sector_size: 512,
      blockdev: 'pmem0',
    })
    expect(fake.poison.entries.map((entry) => [entry.start - REGION0.start, entry.length])).toEqual(
      Array.from({ length: 8 }, (_, i) => [(42n + BigInt(i)) * 512n, BigInt(CLEAR_UNIT)]),
    )
    expect(await status(nd)).toBe('{\n  "badblocks":[\n    {\n      "block":42,\n      "count":8\n    }\n  ]\n}\n')
    expect(diskBadblocks(nd.namespace('namespace0.0'))!.count).toBe(0)

    const undone = await ndctlInjectError(nd, 'namespace0.0', { block: '42', count: '8', uninject: true })
    expect(undone.stdout).toMatch(/^Warning: Un-injecting previously injected errors here will\n/)
    expect((undone.stdout as string).split('\n\n')[1]).toMatch(/^\{\n {2}"dev":"namespace0.0"/)
    expect(await status(nd)).toBe('')

    // With notification the platform scans; ndctl waits for it before printing.
    const loud = await ndctlInjectError(nd, 'namespace0.0', { block: '42', count: '8', ...env })
    expect(fake.now).toBeGreaterThanOrEqual(fake.scrubMs)
    expect(JSON.parse(loud.stdout as string)).toMatchObject({
      badblock_count: 8,
      badblocks: [{ offset: 42, length: 8, dimms: ['nmem0', 'nmem1'] }],
    })
    await ndctlStartScrub(nd, ['nfit_test.0'], env)
    await ndctlWaitScrub(nd, ['nfit_test.0'], env)
    expect(await status(nd)).toMatch(/"block":42,\n\s+"count":8/)
    expect(diskBadblocks(nd.namespace('namespace0.0'))!.entries).toEqual([{ sector: 42n, length: 8 }])

    // dd if=/dev/zero bs=512 count=8 seek=42 oflag=direct
    await nd
      .namespace('namespace0.0')
      .openBlockDevice()
      .write(42n * 512n, new Uint8Array(8 * 512))
    expect(diskBadblocks(nd.namespace('namespace0.0'))!.count).toBe(0)
    expect(await status(nd)).toBe('')
    await nd.stop()
  })

  it('injects whole blocks with --saturate and prints block and count in hex under --human', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await ndctlInjectError(nd, 'namespace0.0', { block: '0x10', count: '2', saturate: true, noNotify: true })
    expect(fake.poison.entries.map((entry) => entry.length)).toEqual([512n, 512n])
    const human = await ndctlInjectError(nd, 'namespace0.0', { status: true, human: true })
    expect(human.stdout).toBe('{\n  "badblocks":[\n    {\n      "block":"0x10",\n      "count":"0x2"\n    }\n  ]\n}\n')
    await nd.stop()
  })

  it('counts fsdax blocks from the start of the data', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await ndctlCreateNamespace(nd, { reconfig: 'namespace1.0', mode: 'fsdax', map: 'dev', force: true })
    const dataStart = (nd.namespace('namespace1.0').claim as NdPfn).resource!
    await ndctlInjectError(nd, 'namespace1.0', { block: '3', count: '1', noNotify: true })
    expect(fake.poison.entries).toEqual([{ start: dataStart + 3n * 512n, length: 256n }])
    expect(await status(nd, 'namespace1.0')).toMatch(/"block":3,/)
    expect(dataStart).toBeGreaterThan(REGION1.start)
    await nd.stop()
  })

  it('refuses bad option combinations, unknown namespaces and buses without injection', async () => {
    const { nd } = poisonPlatform()
    await nd.start()
    const refuse = (options: Parameters<typeof ndctlInjectError>[2]) =>
      ndctlInjectError(nd, 'namespace0.0', options).then(
        () => 'accepted',
        (error: NvdimmError) => `${error.errno}: ${error.message}`,
      )
    expect(await refuse({ status: true, uninject: true })).toBe('EINVAL: status is invalid with inject or uninject')
    expect(await refuse({ status: true, block: '1' })).toBe('EINVAL: status is invalid with inject or uninject')
    expect(await refuse({ block: '1' })).toBe('EINVAL: block and count required for inject/uninject')
    expect(await refuse({ block: 'x', count: '1' })).toBe('EINVAL: Invalid block: x')

    const missing = await ndctlInjectError(nd, 'namespace9.0', { status: true })
    expect(missing.errors.map((error) => error.message)).toEqual(['namespace9.0: no such namespace'])
    expect(missing.exitCode).toBe(256 - 6)
    const legacy = await ndctlInjectError(nd, 'namespace2.0', { status: true })
    expect(legacy.errors.map((error) => error.message)).toEqual(['namespace2.0: error injection not supported'])
    expect(legacy.exitCode).toBe(256 - 95)
    const filtered = await ndctlInjectError(nd, 'namespace0.0', { status: true, region: 'region1' })
    expect(filtered.errors[0]!.errno).toBe('ENXIO')
    await nd.stop()
  })

  it('stops at the first block outside the namespace, the earlier ones injected, as libndctl does', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    const last = REGION0.size / 512n - 1n
    const result = await ndctlInjectError(nd, 'namespace0.0', { block: `${last}`, count: '2', noNotify: true })
    expect(result.messages).toEqual([
      `libndctl: ndctl_namespace_inject_error2: Injection failed at block ${(last + 1n).toString(16)}`,
      'Unable to inject error: Invalid argument (-22)',
    ])
    expect(result.exitCode).toBe(256 - 22)
    expect(fake.poison.size).toBe(1)
    await nd.stop()
  })

  it('does not inject into a sector namespace', async () => {
    const { nd } = poisonPlatform()
    await nd.start()
    await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'sector', force: true })
    const result = await ndctlInjectError(nd, 'namespace0.0', { block: '0', count: '1' })
    expect(result.messages.at(-1)).toBe('Unable to inject error: Operation not supported (-95)')
    await nd.stop()
  })
})
