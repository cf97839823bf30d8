import { describe, expect, it } from 'vitest'
import {
  createNvdimm,
  MemoryMedia,
  ndctlCreateNamespace,
  ndctlList,
  ndctlXableNamespace,
  PFN_INFO_OFFSET,
  type Media,
} from '../../src/index.js'
import { legacyRange } from '../fixtures.js'

const MiB = 1n << 20n

async function listNamespaces(nd: ReturnType<typeof legacyRange>) {
  return JSON.parse((await ndctlList(nd, { namespaces: true, idle: true, verbose: 1 }))!)[0]
}

describe('what the kernel does with the info block it finds', () => {
  it('comes up raw when the info block is corrupt, and says so nowhere but the mode', async () => {
    const media = new MemoryMedia(128n * MiB)
    const nd = legacyRange(media, 0x2000_0000n)
    await nd.start()
    const created = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'fsdax', force: true })
    expect(created.errors).toEqual([])
    expect(nd.namespace('namespace0.0').claim?.name).toBe('pfn0.0')
    await nd.stop()

    // One flipped bit in the block: the checksum no longer matches.
    const byte = new Uint8Array(1)
    media.read(PFN_INFO_OFFSET + 100n, byte)
    media.write(PFN_INFO_OFFSET + 100n, Uint8Array.of(byte[0]! ^ 1))
    const again = legacyRange(media, 0x2000_0000n)
    await again.start()
    const ns = again.namespace('namespace0.0')
    expect([ns.claim, ns.enabled, ns.mode, ns.map]).toEqual([undefined, true, 'fsdax', 'mem'])
    expect(await listNamespaces(again)).toEqual({
      dev: 'namespace0.0',
      mode: 'fsdax',
      map: 'mem',
      size: 134217728,
      sector_size: 512,
      blockdev: 'pmem0',
      numa_node: 0,
      target_node: 0,
    })
    await again.stop()
  })

  it('leaves a valid block this arch cannot honour disabled with EOPNOTSUPP', async () => {
    const media = new MemoryMedia(128n * MiB)
    const nd = legacyRange(media, 0x2000_0000n)
    await nd.start()
    expect((await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'devdax', force: true })).errors).toEqual(
      [],
    )
    await nd.stop()

    // The same media on a POWER hash-MMU machine: a 2 MiB devdax alignment is not one it offers.
    const power = legacyRange(media, 0x2000_0000n, 'ppc64-hash')
    await power.start()
    const ns = power.namespace('namespace0.0')
    expect(ns.active).toBe(false)
    expect(ns.probeError).toMatchObject({ errno: 'EOPNOTSUPP' })
    expect(ns.probeError?.message).toMatch(/alignment mismatch/)
    expect(await listNamespaces(power)).toMatchObject({ dev: 'namespace0.0', state: 'disabled' })
    const enable = await ndctlXableNamespace(power, 'enable', 'namespace0.0')
    expect(enable.rc).toBe(-95)
    expect(enable.errors[0]).toMatchObject({ errno: 'EOPNOTSUPP' })
    expect(power.dmesg.map((entry) => entry.message)).toContain('nd_pmem: probe of namespace0.0 failed with error -95')
    await power.stop()

    // Back on x86 the namespace is devdax again: nothing was written meanwhile.
    const x86 = legacyRange(media, 0x2000_0000n)
    await x86.start()
    expect(x86.namespace('namespace0.0').mode).toBe('devdax')
    await x86.stop()
  })

  it('refuses a block whose page size is larger than this arch pages', async () => {
    const media = new MemoryMedia(128n * MiB)
    const power = legacyRange(media, 0x2000_0000n, 'ppc64')
    await power.start()
    expect(
      (await ndctlCreateNamespace(power, { reconfig: 'namespace0.0', mode: 'fsdax', force: true })).errors,
    ).toEqual([])
    expect(power.namespace('namespace0.0').claim).toMatchObject({ kind: 'pfn', enabled: true })
    await power.stop()
    const x86 = legacyRange(media, 0x2000_0000n)
    await x86.start()
    expect(x86.namespace('namespace0.0').probeError?.message).toMatch(/page size mismatch 65536/)
    await x86.stop()
  })

  it('rejects fsdax on a start the arch cannot map, as the kernel does (EINVAL, misaligned)', async () => {
    // memmap=30M!901M: 1 MiB aligned only.
    const media = new MemoryMedia(30n * MiB)
    const nd = legacyRange(media, 0x3850_0000n)
    await nd.start()
    const ns = nd.namespace('namespace0.0')
    expect(ns.probeError).toMatchObject({ errno: 'EOPNOTSUPP' })
    nd.region('region0').setAlign(1n * MiB)
    const created = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'fsdax', force: true })
    expect(created.exitCode).toBe(250)
    expect(nd.dmesg.map((entry) => entry.message)).toContain(
      'nd_pmem pfn0.0: namespace0.0: start 0x0000000038500000 misaligned to 0x200000',
    )
    await nd.stop()
  })
})
