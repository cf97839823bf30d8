import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initPlatform, ndctlInitLabels, ndctlList, ndctlXableRegion, type PlatformProviderKind } from '@nvdimm/core'
import { afterEach, describe, expect, it } from 'vitest'
import { NFIT_TEST0_ADDRESSES, nfitKind, nfitTestEntries } from '../src/index.js'

const kinds = [nfitKind as PlatformProviderKind]
let scratch: string | undefined

afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

async function nfitTestPlatform() {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-nfit-test-'))
  return initPlatform(
    path.join(scratch, 'platform'),
    { arch: 'x86_64', providers: nfitTestEntries().map((entry) => ({ kind: 'nfit', entry })) },
    kinds,
  )
}

describe('the nfit-test preset (the kernel nfit_test.0 and nfit_test.1 buses)', () => {
  it('shows the dimm ids, regions and iset_ids that ndctl documents for nfit_test.0', async () => {
    const platform = await nfitTestPlatform()
    // ndctl's documentation lists nfit_test.0 after its tests wrote v1.2 labels.
    await platform.update(async (nd) => {
      await ndctlXableRegion(nd, 'disable', 'all')
      await ndctlInitLabels(nd, ['all'], { force: true, labelVersion: '1.2' })
      await ndctlXableRegion(nd, 'enable', 'all')
    })
    const session = await platform.start({ readOnly: true })
    try {
      const nd = session.nd
      expect(nd.buses.map((bus) => [bus.name, bus.providerName])).toEqual([
        ['ndbus0', 'nfit_test.0'],
        ['ndbus1', 'nfit_test.1'],
      ])
      const dimms = JSON.parse((await ndctlList(nd, { dimms: true, bus: 'nfit_test.0' }))!) as {
        dev: string
        id: string
        handle: number
        phys_id: number
      }[]
      expect(dimms.find((dimm) => dimm.handle === 0)).toEqual({
        dev: 'nmem0',
        id: 'cdab-0a-07e0-ffffffff',
        handle: 0,
        phys_id: 0,
        security: 'disabled',
      })
      expect(dimms.map((dimm) => dimm.id).sort()).toEqual(
        ['cdab-0a-07e0-ffffffff', 'cdab-0a-07e0-feffffff', 'cdab-0a-07e0-fffeffff', 'cdab-0a-07e0-fefeffff'].sort(),
      )
      // ndctl list --region=7: "size":67108864, "available_size":67108864, "iset_id":-6382611090938810793,
      // printed signed by old json-c; ndctl 76 on json-c with u64 support prints 0xa76c6907811fae57 unsigned.
      const plain = (await ndctlList(nd, { regions: true, bus: 'nfit_test.0' }))!
      expect(plain).toMatch(/"size":67108864,[^}]*"available_size":67108864,[^}]*"iset_id":12064132982770740823/)
      expect(BigInt.asIntN(64, 12064132982770740823n)).toBe(-6382611090938810793n)
      const human = (await ndctlList(nd, { regions: true, bus: 'nfit_test.0', human: true }))!
      expect(human).toContain('"size":"64.00 MiB (67.11 MB)"')
      expect(human).toContain('"iset_id":"0xa76c6907811fae57"')
      expect(human).toContain('"persistence_domain":"memory_controller"')
      const fourWay = nd.regions.find((region) => region.resource.size === 64n << 20n)!
      expect(fourWay.mappings.map((m) => m.dimm.handle)).toEqual([0x0, 0x1, 0x100, 0x101])
      expect(nd.regions.find((region) => region.resource.size === 32n << 20n)!.mappings).toHaveLength(2)
    } finally {
      await session.close()
    }
  })

  it("gives nfit_test.1's label-less dimm a raw 32 MiB namespace and the platform's failure flags", async () => {
    const session = await (await nfitTestPlatform()).start({ readOnly: true })
    try {
      const namespaces = JSON.parse((await ndctlList(session.nd, { namespaces: true, bus: 'nfit_test.1' }))!) as {
        size: number
      }[]
      // Its 4 MiB virtual CD range is a label-less region of its own, as the kernel registers it.
      expect(namespaces.map((ns) => ns.size).sort()).toEqual([33554432, 4194304])
      expect(namespaces.filter((ns) => ns.size === 33554432)).toEqual([
        {
          dev: expect.stringMatching(/^namespace\d+\.0$/),
          mode: 'raw',
          size: 33554432,
          sector_size: 512,
          blockdev: expect.stringMatching(/^pmem\d+$/),
        },
      ])
      const dimms = JSON.parse((await ndctlList(session.nd, { dimms: true, bus: 'nfit_test.1' }))!) as Record<
        string,
        unknown
      >[]
      const armed = dimms.find((dimm) => dimm.handle === 0x10000)!
      expect(armed).toMatchObject({
        flag_failed_save: true,
        flag_failed_arm: true,
        flag_failed_restore: true,
        flag_failed_flush: true,
        flag_smart_event: true,
      })
      expect(dimms.find((dimm) => dimm.handle === 0x10001)).toMatchObject({ flag_failed_map: true })
    } finally {
      await session.close()
    }
  })

  it('writes one flush hint of every mapped dimm on a region flush (generic_nvdimm_flush)', async () => {
    const session = await (await nfitTestPlatform()).start()
    try {
      const region = session.nd.regions.find((r) => r.resource.size === 64n << 20n)!
      const device = region.namespaces[0]!.openBlockDevice()
      await device.flush()
      await device.flush()
      for (const { dimm } of region.mappings) {
        expect(dimm.flushHintWrites).toBe(2)
        expect(dimm.flushHints).toHaveLength(8)
        expect(dimm.flushHints).toContain(dimm.lastFlushHint)
      }
      expect(region.mappings[0]!.dimm.flushHints[0]).toBe(NFIT_TEST0_ADDRESSES.flush[0])
    } finally {
      await session.close()
    }
  })
})
