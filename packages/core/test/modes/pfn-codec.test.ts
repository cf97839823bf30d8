import { describe, expect, it } from 'vitest'
import {
  archProfile,
  decodePfnInfoBlock,
  encodePfnInfoBlock,
  PFN_SIG,
  pfnInfoChecksum,
  pfnLayout,
  validatePfnInfo,
} from '../../src/index.js'
import { goldenBytes, hasGolden } from '../golden.js'

const MiB = 1n << 20n
const GiB = 1n << 30n
const x86 = archProfile('x86_64')

describe('the pfn / dax info block (struct nd_pfn_sb)', () => {
  it('decodes the blocks Linux 6.1 wrote, and re-encodes them byte for byte', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const head = goldenBytes('linux-6.1-qemu', 'media', 'nmem0-2dc1e98c-fsdax-head.bin')
    const block = head.subarray(4096, 8192)
    const info = decodePfnInfoBlock(block)
    expect(info).toEqual({
      signature: 'NVDIMM_PFN_INFO',
      uuid: '50dc960d-e8e9-4faf-9ba0-c4846cc85222',
      parentUuid: '2dc1e98c-d677-46a4-887b-bbccc5403369',
      flags: 0,
      versionMajor: 1,
      versionMinor: 4,
      dataoff: 2n * MiB,
      npfns: 15872n,
      mode: 2,
      startPad: 0,
      endTrunc: 0,
      align: 2 << 20,
      pageSize: 4096,
      pageStructSize: 64,
      checksum: 0x83ede439aeb3ab01n,
    })
    expect(pfnInfoChecksum(block)).toBe(info.checksum)
    const { checksum: _, ...fields } = info
    expect(Buffer.from(encodePfnInfoBlock(fields)).equals(Buffer.from(block))).toBe(true)
  })

  it('lays out the data as nd_pfn_init() does: memmap room, alignment, end truncation', () => {
    const layout = (start: bigint, size: bigint, align: bigint, mode = 2) =>
      pfnLayout({ start, size, align, mode, arch: x86, device: 'dax0.0', namespace: 'namespace0.0' })
    // golden sizes: 64 MiB → 65011712 (map dev and mem alike), e820 128 MiB → dataoff 4 MiB
    expect(layout(0x1_0000_0000n, 64n * MiB, 2n * MiB)).toEqual({ dataoff: 2n * MiB, npfns: 15872n, endTrunc: 0n })
    expect(layout(0x1_0000_0000n, 64n * MiB, 2n * MiB, 1)).toEqual({ dataoff: 2n * MiB, npfns: 15872n, endTrunc: 0n })
    expect(layout(0x2000_0000n, 128n * MiB, 4096n)).toEqual({ dataoff: 4n * MiB, npfns: 31744n, endTrunc: 0n })
    // 1 GiB alignment: the data starts on a 1 GiB boundary and the tail is cut back to one.
    expect(layout(GiB, 2n * GiB, GiB)).toEqual({ dataoff: GiB, npfns: 262144n, endTrunc: 0n })
    expect(layout(0x2000_0000n, 3n * GiB, GiB)).toEqual({ dataoff: 512n * MiB, npfns: 524288n, endTrunc: 512n * MiB })
    expect(() => layout(0x1_0000_0000n, 64n * MiB, GiB)).toThrowError(
      expect.objectContaining({
        errno: 'ENXIO',
        message: 'dax0.0: namespace0.0 unable to satisfy requested alignment',
      }),
    )
    expect(() => layout(0x3850_0000n, 30n * MiB, 2n * MiB)).toThrowError(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => layout(0x1_0000_0000n, 64n * MiB, 2n * MiB, 0)).toThrowError(
      expect.objectContaining({ errno: 'ENXIO' }),
    )
  })

  it('reads older versions with the kernel fix-ups (1.0: no padding or align fields)', () => {
    const block = encodePfnInfoBlock({
      signature: PFN_SIG,
      uuid: '11111111-2222-3333-4444-555555555555',
      parentUuid: '00000000-0000-0000-0000-000000000000',
      flags: 0,
      versionMajor: 1,
      versionMinor: 0,
      dataoff: 2n * MiB,
      npfns: 15872n,
      mode: 2,
      // fields a 1.0 kernel never wrote: whatever is there is ignored
      startPad: 0x1234,
      endTrunc: 0x5678,
      align: 12345,
      pageSize: 1 << 20,
      pageStructSize: 8,
    })
    const valid = validatePfnInfo({
      block,
      signature: PFN_SIG,
      namespace: { name: 'namespace0.0', start: 0x2000_0000n, size: 64n * MiB, uuid: undefined },
      device: { name: 'pfn0.1', uuid: undefined, align: 2n * MiB, mode: 0 },
      arch: x86,
    })
    // align 0 becomes the largest power of two in dataoff
    expect(valid).toMatchObject({ align: 2n * MiB, mode: 2, info: { startPad: 0, endTrunc: 0, pageSize: 4096 } })
  })
})
