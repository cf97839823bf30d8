import { describe, expect, it } from 'vitest'
import {
  ndctlClearErrors,
  ndctlCreateNamespace,
  ndctlStartScrub,
  ndctlWaitScrub,
  NdPfn,
  regionBadblocks,
} from '../../src/index.js'
import { poisonPlatform, REGION0, REGION1 } from './poison-provider.js'

describe('ndctl clear-errors', () => {
  it('clears the known bad blocks of a raw namespace, re-enables it and prints it clean', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await fake.ops.errorInjection!.inject(REGION0.start + 0x3000n, 1024n, false)
    await fake.ops.errorInjection!.inject(REGION0.start + 0x9000n, 256n, false)
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    const result = await ndctlClearErrors(nd, 'namespace0.0', { sleep: fake.sleep })
    expect(result.errors).toEqual([])
    expect(result.messages).toEqual(['cleared 1 namespace'])
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout as string)).toEqual({
      dev: 'namespace0.0',
      mode: 'raw',
      size: 33554432,
      sector_size: 512,
      blockdev: 'pmem0',
    })
    expect(fake.clears).toEqual([
      { spa: REGION0.start + 0x3000n, length: 1024n },
      { spa: REGION0.start + 0x9000n, length: 512n },
    ])
    expect(fake.poison.size).toBe(0)
    expect(regionBadblocks(nd.region('region0'))!.count).toBe(0)
    expect(nd.namespace('namespace0.0').enabled).toBe(true)
    await nd.stop()
  })

  it('scrubs first with --scrub, finding errors nobody was told about', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await fake.ops.errorInjection!.inject(REGION0.start + 0x4000n, 512n, false)
    const result = await ndctlClearErrors(nd, 'all', { scrub: true, bus: 'nfit_test.0', sleep: fake.sleep })
    expect(fake.now).toBe(fake.scrubMs)
    expect(fake.clears).toEqual([{ spa: REGION0.start + 0x4000n, length: 512n }])
    expect(result.messages).toEqual(['cleared 2 namespaces'])
    await nd.stop()
  })

  it('clears only what lies wholly in the data of an fsdax namespace', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await ndctlCreateNamespace(nd, { reconfig: 'namespace1.0', mode: 'fsdax', map: 'dev', force: true })
    const dataStart = (nd.namespace('namespace1.0').claim as NdPfn).resource!
    await fake.ops.errorInjection!.inject(REGION1.start + 0x2000n, 512n, false)
    await fake.ops.errorInjection!.inject(dataStart + 0x400n, 512n, false)
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    const result = await ndctlClearErrors(nd, 'namespace1.0', { sleep: fake.sleep })
    expect(fake.clears).toEqual([{ spa: dataStart + 0x400n, length: 512n }])
    expect(JSON.parse(result.stdout as string)).toMatchObject({ dev: 'namespace1.0', mode: 'fsdax', map: 'dev' })
    expect(regionBadblocks(nd.region('region1'))!.entries).toEqual([{ sector: 0x10n, length: 1 }])
    await nd.stop()
  })

  it('reports a short clear as ndctl does, and still re-enables and prints the namespace', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    await fake.ops.errorInjection!.inject(REGION0.start + 0x3000n, 512n, false)
    await ndctlStartScrub(nd, [], { sleep: fake.sleep })
    await ndctlWaitScrub(nd, [], { sleep: fake.sleep })
    fake.shortClear = true
    const result = await ndctlClearErrors(nd, 'namespace0.0', { sleep: fake.sleep })
    expect(result.errors.map((error) => error.message)).toEqual([
      'clear errors namespace: bus: nfit_test.0 expected to clear: 512 actual: 256',
      'namespace0.0: failed to clear badblock at {24, 1}',
    ])
    expect(result.messages).toEqual(['cleared 1 namespace'])
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout as string).badblock_count).toBe(1)
    await nd.stop()
  })

  it('fails where the bus cannot scrub, skips sector namespaces and wants a namespace', async () => {
    const { nd, fake } = poisonPlatform()
    await nd.start()
    const legacy = await ndctlClearErrors(nd, 'namespace2.0', { sleep: fake.sleep })
    expect(legacy.errors.map((error) => error.message)).toEqual([
      'namespace2.0: Unable to determine scrub state: Operation not supported',
    ])
    expect(legacy.messages).toEqual(['error clearing namespaces: Operation not supported', 'cleared 0 namespaces'])
    expect(legacy.exitCode).toBe(256 - 95)

    await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'sector', force: true })
    const sector = await ndctlClearErrors(nd, 'namespace0.0', { sleep: fake.sleep })
    expect(sector.messages).toEqual(['cleared 0 namespaces'])
    expect(sector.exitCode).toBe(1)

    const unnamed = await ndctlClearErrors(nd, undefined)
    expect(unnamed.errors[0]!.message).toBe('specify a namespace to clear errors for, or "all"')
    const unknown = await ndctlClearErrors(nd, 'namespace7.7')
    expect(unknown.messages).toEqual(['error clearing namespaces: No such device or address', 'cleared 0 namespaces'])
    await nd.stop()
  })
})
