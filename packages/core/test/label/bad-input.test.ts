import { describe, expect, it } from 'vitest'
import {
  createNvdimm,
  decodeIndexBlock,
  decodeLabel,
  DimmCmd,
  encodeIndexBlock,
  encodeLabel,
  ndctlCheckLabels,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlXableRegion,
  type Nvdimm,
} from '../../src/index.js'
import { LABEL_COMMANDS } from '../fixtures.js'
import { NamespacePmem } from '../../src/namespace/namespace-pmem.js'
import { mockProvider, type MockProviderInit } from '../../src/testing/index.js'

const MiB = 1n << 20n
const A = 'a0000000-0000-4000-8000-00000000000a'
const B = 'b0000000-0000-4000-8000-00000000000b'

async function boot(provider: MockProviderInit): Promise<Nvdimm> {
  const nd = createNvdimm({ providers: [provider] })
  await nd.start()
  return nd
}

/** One 256 MiB dimm (v1.2 labels, 256-byte labels, indexes of 256 bytes) with namespaces A and B. */
async function twoNamespaces(): Promise<MockProviderInit> {
  const provider = mockProvider({
    buses: [
      {
        dimms: [{ cmdMask: LABEL_COMMANDS }],
        regions: [
          {
            start: 0x1_0000_0000n,
            size: 256n * MiB,
            mappings: [{ dimm: 0, start: 0n, size: 256n * MiB }],
            interleaveSet: { cookie1: 0x11n, cookie2: 0x22n, altcookie: 0n },
          },
        ],
      },
    ],
  })
  const nd = await boot(provider)
  await ndctlXableRegion(nd, 'disable', 'all')
  await ndctlInitLabels(nd, ['nmem0'], { labelVersion: '1.2' })
  await ndctlXableRegion(nd, 'enable', 'all')
  await ndctlCreateNamespace(nd, { mode: 'raw', size: '32M', uuid: A })
  await ndctlCreateNamespace(nd, { mode: 'raw', size: '32M', uuid: B })
  await nd.stop()
  return provider
}

function current(area: Uint8Array): number {
  const [i0, i1] = [decodeIndexBlock(area.subarray(0, 256)), decodeIndexBlock(area.subarray(256, 512))]
  return [0, 2, 3, 1][i0.seq & 3] === i1.seq ? 1 : 0
}

/** Change the current index with `edit`, and re-checksum it. */
function editIndex(
  area: Uint8Array,
  edit: (index: ReturnType<typeof decodeIndexBlock>) => void,
  which = current(area),
): void {
  const index = decodeIndexBlock(area.subarray(which * 256, which * 256 + 256))
  edit(index)
  area.set(encodeIndexBlock(index, 256), which * 256)
}

/** Put a label in a free slot and mark it in use in the current index. */
function addLabel(area: Uint8Array, slot: number, fields: Partial<ReturnType<typeof decodeLabel>>): void {
  const template = decodeLabel(area.subarray(512, 768), 256)
  area.set(encodeLabel({ ...template, ...fields, slot, flags: 0 }, 256), 512 + slot * 256)
  editIndex(area, (index) => {
    index.free[slot >> 3]! &= ~(1 << (slot & 7))
  })
}

async function namespaces(nd: Nvdimm): Promise<string[]> {
  return nd.namespaces
    .filter((ns): ns is NamespacePmem => ns instanceof NamespacePmem && ns.uuid !== undefined)
    .map((ns) => ns.uuid!)
    .sort()
}

async function checkLabels(provider: MockProviderInit) {
  const nd = await boot(provider)
  const outcome = await ndctlCheckLabels(nd, ['nmem0'])
  await nd.stop()
  return outcome
}

describe('label areas with faults are read as the kernel reads them', () => {
  it('a corrupt current index: the other one is used', async () => {
    const provider = await twoNamespaces()
    const area = provider.control.labelArea(0)
    const bad = current(area)
    area[bad * 256 + 100]! ^= 0xff
    const nd = await boot(provider)
    expect(await namespaces(nd)).toEqual([A, B])
    await nd.stop()
    const checked = await checkLabels(provider)
    expect(checked.exitCode).toBe(0)
    expect(checked.messages).toContain(`nmem0: nsindex${bad}: nsindex${bad} checksum invalid (the other index is used)`)
  })

  it('nslot past the area in both indexes: no labels at all, the region is label-less', async () => {
    const provider = await twoNamespaces()
    const area = provider.control.labelArea(0)
    for (const which of [0, 1]) editIndex(area, (index) => (index.nslot = 100_000), which)
    const nd = await boot(provider)
    expect(nd.region('region0').namespaceType).toBe('io')
    await nd.stop()
    const checked = await checkLabels(provider)
    expect(checked.exitCode).toBe(1)
    expect(checked.errors[0]?.message).toBe('nmem0: no valid namespace index block')
    expect(checked.messages.some((line) => /nslot: 100000 invalid, config_size: 0x20000/.test(line))).toBe(true)
  })

  it('two labels over the same DPA: the dimm does not bind (EBUSY)', async () => {
    const provider = await twoNamespaces()
    addLabel(provider.control.labelArea(0), 9, {
      uuid: 'c0000000-0000-4000-8000-00000000000c',
      dpa: 16n * MiB,
      rawsize: 16n * MiB,
    })
    const nd = await boot(provider)
    expect([nd.dimm('nmem0').enabled, nd.dimm('nmem0').probeError?.errno]).toEqual([false, 'EBUSY'])
    await nd.stop()
    const checked = await checkLabels(provider)
    expect(
      checked.messages.some((line) =>
        line.startsWith('nmem0: slot 9: c0000000-0000-4000-8000-00000000000c DPA 0x1000000-0x1ffffff overlaps slot'),
      ),
    ).toBe(true)
  })

  it('one uuid in two labels: the region does not probe (ENODEV)', async () => {
    const provider = await twoNamespaces()
    addLabel(provider.control.labelArea(0), 9, { uuid: A, dpa: 128n * MiB, rawsize: 16n * MiB })
    const nd = await boot(provider)
    const region = nd.region('region0')
    expect([region.enabled, region.probeError?.errno]).toEqual([false, 'ENODEV'])
    expect(region.probeError?.message).toMatch(/missing label|conflicting extents/)
    await nd.stop()
    expect((await checkLabels(provider)).messages).toContain(
      `nmem0: slot 9: uuid ${A} is also in slot 1: its region will not probe`,
    )
  })

  it('a label that runs past the dimm: the region does not probe', async () => {
    const provider = await twoNamespaces()
    addLabel(provider.control.labelArea(0), 9, {
      uuid: 'd0000000-0000-4000-8000-00000000000d',
      dpa: 240n * MiB,
      rawsize: 32n * MiB,
    })
    const nd = await boot(provider)
    expect(nd.region('region0').probeError?.message).toMatch(/invalid label for d0000000/)
    await nd.stop()
  })

  it('a label whose slot field lies: ignored', async () => {
    const provider = await twoNamespaces()
    const area = provider.control.labelArea(0)
    addLabel(area, 9, { uuid: 'e0000000-0000-4000-8000-00000000000e', dpa: 128n * MiB, rawsize: 16n * MiB })
    const label = decodeLabel(area.subarray(512 + 9 * 256, 512 + 10 * 256), 256)
    area.set(encodeLabel({ ...label, slot: 3 }, 256), 512 + 9 * 256)
    const nd = await boot(provider)
    expect(await namespaces(nd)).toEqual([A, B])
    await nd.stop()
    expect((await checkLabels(provider)).messages).toContain(
      'nmem0: slot 9: in use but its slot field says 3 (the label is ignored)',
    )
  })
})
