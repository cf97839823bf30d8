import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { parseQemuImageOption, qemuLayout, qemuNfitTable } from '../../src/index.js'

const MiB = 1n << 20n

function errnoOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return error instanceof NvdimmError ? error.errno : 'not an NvdimmError'
  }
  return undefined
}

describe('QEMU NVDIMM placement (hw/mem/nvdimm.c, memory-device)', () => {
  it('places each dimm right after the previous pmem size, labels at the end of each file', () => {
    const layout = qemuLayout([
      { fileSize: 256n * MiB + 128n * 1024n, labelSize: 128n * 1024n },
      { fileSize: 256n * MiB, labelSize: 128n * 1024n },
    ])
    expect(layout).toEqual([
      {
        slot: 0,
        handle: 1,
        rangeIndex: 2,
        address: 0x1_0000_0000n,
        size: 256n * MiB,
        labelOffset: 256n * MiB,
        labelSize: 128n * 1024n,
      },
      {
        slot: 1,
        handle: 2,
        rangeIndex: 4,
        address: 0x1_1000_0000n,
        size: 256n * MiB - 128n * 1024n,
        labelOffset: 256n * MiB - 128n * 1024n,
        labelSize: 128n * 1024n,
      },
    ])
  })

  it('puts a second plain 256 MiB image 128 KiB past a 16 MiB boundary (why golden img0 is larger)', () => {
    const layout = qemuLayout([
      { fileSize: 256n * MiB, labelSize: 128n * 1024n },
      { fileSize: 256n * MiB, labelSize: 128n * 1024n },
    ])
    expect(layout[1]!.address % (16n * MiB)).toBe(16n * MiB - 128n * 1024n)
  })

  it('aligns the pmem size down to the 4 KiB page and uses the whole file without a label area', () => {
    const [only] = qemuLayout([{ fileSize: 64n * MiB + 5000n, labelSize: 0n }], 0x2_0000_0000n)
    expect(only).toMatchObject({ address: 0x2_0000_0000n, size: 64n * MiB + 4096n, labelSize: 0n })
  })

  it("refuses QEMU's impossible configurations", () => {
    expect(errnoOf(() => qemuLayout([{ fileSize: 64n * MiB, labelSize: 64n * 1024n }]))).toBe('EINVAL')
    expect(errnoOf(() => qemuLayout([{ fileSize: 128n * 1024n, labelSize: 128n * 1024n }]))).toBe('EINVAL')
  })

  it('marks unarmed dimms and adds the capabilities QEMU gives for nvdimm-persistence=', () => {
    const table = qemuNfitTable([{ fileSize: 64n * MiB, labelSize: 0n, unarmed: true }], { persistence: 'cpu' })
    expect(table.subtables.map((sub) => sub.type)).toEqual([0, 1, 4, 7])
    expect(table.subtables[1]).toMatchObject({ flags: 1 << 3, deviceHandle: 1, regionIndex: 3 })
    expect(table.subtables[3]).toMatchObject({ highestCapability: 1, capabilities: 3 })
    const memCtrl = qemuNfitTable([{ fileSize: 64n * MiB, labelSize: 0n }], { persistence: 'mem-ctrl' })
    expect(memCtrl.subtables[3]).toMatchObject({ highestCapability: 1, capabilities: 2 })
  })
})

describe('--nfit-qemu IMG[,label-size=…]', () => {
  it('reads the path and QEMU properties', () => {
    expect(parseQemuImageOption('/tmp/img0')).toEqual({ path: '/tmp/img0', labelSize: 0n })
    expect(parseQemuImageOption('img,label-size=128K,node=1,unarmed=on')).toEqual({
      path: 'img',
      labelSize: 131072n,
      node: 1,
      unarmed: true,
    })
    expect(parseQemuImageOption('img,label-size=131072').labelSize).toBe(131072n)
  })

  it('refuses unknown properties and malformed values with EINVAL', () => {
    for (const text of ['', 'img,size=1G', 'img,label-size=lots', 'img,node=x', 'img,unarmed=maybe']) {
      expect({ text, errno: errnoOf(() => parseQemuImageOption(text)) }).toEqual({ text, errno: 'EINVAL' })
    }
  })
})
