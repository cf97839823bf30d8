import { describe, expect, it } from 'vitest'
import { decodeIndexBlock, indexChecksum } from '../../src/namespace/label/index-block.js'
import { decodeLabel, encodeLabel } from '../../src/namespace/label/namespace-label.js'
import { encodeIndexBlock } from '../../src/namespace/label/index-block.js'
import { goldenBytes, hasGolden } from '../golden.js'

describe('label codec on the kernel-written images', () => {
  it('decodes ndctl label-compat nmem1.bin as the notes record (§2.10)', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const area = goldenBytes('ndctl-label-compat', 'nmem1.bin')
    const idx0 = decodeIndexBlock(area.subarray(0, 256))
    const idx1 = decodeIndexBlock(area.subarray(256, 512))
    expect([idx0.signature, idx0.seq, idx0.nslot, idx0.major, idx0.minor, idx0.labeloff]).toEqual([
      'NAMESPACE_INDEX\0',
      0,
      1016,
      1,
      1,
      0x200n,
    ])
    expect([idx1.seq, idx1.myoff, idx1.otheroff]).toEqual([3, 0x100n, 0n])
    expect(idx0.checksum).toBe(0xfa6344a8d8313e03n)
    expect(idx1.checksum).toBe(0xfa63492bd8313e05n)
    expect(indexChecksum(area.subarray(0, 256))).toBe(idx0.checksum)
    expect(indexChecksum(area.subarray(256, 512))).toBe(idx1.checksum)
    expect(encodeIndexBlock(idx1, 256)).toEqual(area.subarray(256, 512))
    const label = decodeLabel(area.subarray(512, 640), 128)
    expect(label).toMatchObject({
      uuid: '6830f039-7914-423e-bad6-22bda8fde8d6',
      flags: 0x8,
      nlabel: 4,
      position: 0,
      isetcookie: 0x0803f6d70100fefbn,
      lbasize: 0n,
      dpa: 0x1000000n,
      rawsize: 0x1000000n,
      slot: 0,
    })
    expect(encodeLabel(label, 128)).toEqual(area.subarray(512, 640))
  })
})
