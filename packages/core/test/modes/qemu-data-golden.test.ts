import { describe, expect, it, vi } from 'vitest'
import { createNvdimm, ndctlCreateNamespace, ndctlInitLabels, ndctlList, ndctlXableRegion } from '../../src/index.js'
import { mockProvider } from '../../src/testing/index.js'
import { LABEL_COMMANDS } from '../fixtures.js'
import { firstDifference, goldenText, goldenXzBytes, hasGolden, hasXz } from '../golden.js'

const deviceUuids = vi.hoisted(() => [] as string[])
vi.mock('../../src/util/uuid.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/util/uuid.js')>()
  return { ...original, newUuid: () => deviceUuids.shift() ?? original.newUuid() }
})

const DIR = 'linux-6.1-qemu-data'
const MiB = 1n << 20n

/** `printf TEXT | dd bs=4096 conv=sync`: the text, zero-padded to a block. */
function block(text: string): Uint8Array {
  const bytes = new Uint8Array(4096)
  bytes.set(new TextEncoder().encode(text))
  return bytes
}

/**
 * ../shared/golden/linux-6.1-qemu-data: one 256 MiB QEMU NVDIMM, v1.1 labels, a sector and an
 * fsdax namespace, then two 4 KiB writes through /dev/pmem0s (LBA 7 and 4000) and one through
 * /dev/pmem0.1 at 2 MiB. The image the guest left must come out of the same steps here, BTT
 * map and log included.
 */
describe('data written through sector and fsdax namespaces (golden linux-6.1-qemu-data)', () => {
  it('leaves the image the kernel left, byte for byte', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    if (!hasXz()) return ctx.skip('xz is not installed: cannot unpack the golden image')
    const provider = mockProvider({
      buses: [
        {
          providerName: 'ACPI.NFIT',
          dimms: [{ id: '8680-56341200', handle: 1, physId: 0, cmdMask: LABEL_COMMANDS, maxXfer: 4076 }],
          regions: [
            {
              start: 0x1_0000_0000n,
              size: 256n * MiB,
              mappings: [{ dimm: 0, start: 0n, size: 256n * MiB }],
              interleaveSet: { cookie1: 0x2468ac00123456n, cookie2: 0x1111n, altcookie: 0x2222n },
            },
          ],
        },
      ],
    })
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlInitLabels(nd, ['nmem0'], { force: true })
    await ndctlXableRegion(nd, 'enable', 'all')

    for (const [step, deviceUuid] of [
      ['s04-sector', '8d6cbf1f-53ce-4295-b9ea-1fbc1d7bc85d'],
      ['s05-fsdax', '578c2f22-e490-4dc3-9386-54340acafe0c'],
    ] as const) {
      const argv = goldenText(DIR, `${step}.argv`).trim().split(/\s+/)
      const option = (flag: string) => argv[argv.indexOf(flag) + 1]!
      deviceUuids.push(deviceUuid)
      const outcome = await ndctlCreateNamespace(nd, {
        region: option('-r'),
        mode: option('-m'),
        size: option('-s'),
        name: option('-n'),
        uuid: option('-u'),
      })
      expect({ step, stdout: outcome.stdout }).toEqual({ step, stdout: goldenText(DIR, `${step}.stdout`) })
    }

    const sector = nd.namespace('namespace0.0').openBlockDevice()
    expect([sector.name, sector.sectorSize]).toEqual(['pmem0s', 4096])
    sector.write(7n * 4096n, block('sector-lba7-pattern'))
    sector.write(4000n * 4096n, block('sector-lba4000-pattern'))
    await sector.flush()
    const fsdax = nd.namespace('namespace0.1').openBlockDevice()
    expect(fsdax.name).toBe('pmem0.1')
    fsdax.write(512n * 4096n, block('fsdax-2MiB-pattern'))
    await fsdax.flush()

    // s09: what dd reads back.
    const readBack = new Uint8Array(4096)
    sector.read(4000n * 4096n, readBack)
    expect(new TextDecoder().decode(readBack.subarray(0, 22))).toBe('sector-lba4000-pattern')
    fsdax.read(512n * 4096n, readBack)
    expect(new TextDecoder().decode(readBack.subarray(0, 18))).toBe('fsdax-2MiB-pattern')

    expect(`${await ndctlList(nd, { namespaces: true })}\n`).toBe(goldenText(DIR, 's10-list-N.stdout'))
    expect(`${await ndctlList(nd, { namespaces: true, verbose: 1 })}\n`).toBe(goldenText(DIR, 's11-list-Nv.stdout'))

    const golden = goldenXzBytes(DIR, 'img0-256M+128K.xz')
    const media = nd.region('region0').media
    const ours = new Uint8Array(Number(media.size))
    media.read(0n, ours)
    expect(firstDifference(ours, golden.subarray(0, ours.length))).toBe(-1)
    expect(firstDifference(provider.control.labelArea('nmem0'), golden.subarray(ours.length))).toBe(-1)
    await nd.stop()
  }, 120_000)
})
