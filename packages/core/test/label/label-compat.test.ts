import { describe, expect, it } from 'vitest'
import { createNvdimm, ndctlList } from '../../src/index.js'
import { NamespacePmem } from '../../src/namespace/namespace-pmem.js'
import { nfitTest0 } from '../fixtures.js'
import { goldenBytes, hasGolden } from '../golden.js'

const MiB = 1n << 20n

describe("ndctl's label-compat images (v1.1 labels of an old kernel, legacy cookie, UPDATING left set)", () => {
  it('come up as the one 64 MiB namespace they describe', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const provider = nfitTest0()
    ;[0, 1, 2, 3].forEach((dimm, index) => {
      provider.control.labelArea(dimm).set(goldenBytes('ndctl-label-compat', `nmem${index + 1}.bin`))
    })
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    const region = nd.region('region1')
    const labelled = region.namespaces.filter(
      (ns): ns is NamespacePmem => ns instanceof NamespacePmem && ns.uuid !== undefined,
    )
    expect(labelled.map((ns) => [ns.name, ns.uuid, ns.size, ns.resource.start, ns.enabled])).toEqual([
      ['namespace1.0', '6830f039-7914-423e-bad6-22bda8fde8d6', 64n * MiB, region.resource.start, true],
    ])
    expect(region.isetCookie).toBe(0x0c0ffadb0100fefbn)
    expect(region.nsSeed?.name).toBe('namespace1.1')
    // The 2-way set on the same dimms finds no namespace of its own: only a seed.
    expect(nd.region('region0').namespaces.map((ns) => [ns.name, ns.size])).toEqual([['namespace0.0', 0n]])
    const listed = JSON.parse((await ndctlList(nd, { namespaces: true, region: 'region1' }))!)
    expect(listed).toEqual([
      {
        dev: 'namespace1.0',
        mode: 'raw',
        size: 67108864,
        uuid: '6830f039-7914-423e-bad6-22bda8fde8d6',
        sector_size: 512,
        blockdev: 'pmem1',
      },
    ])
    await nd.stop()
  })
})
