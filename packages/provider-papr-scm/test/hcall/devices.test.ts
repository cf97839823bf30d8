import { BufferMedia } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { resolveScmDevices, SCM_DEFAULT_GUEST_BASE, scmGuestDevice } from '../../src/hcall/index.js'
import { BLOCK, DRC_A, DRC_B, LABEL_SIZE, scmDevice } from './fixtures.js'

describe('SCM devices', () => {
  it('gives each device a block-aligned binding window, after any explicit one', () => {
    const explicit = { start: SCM_DEFAULT_GUEST_BASE + 0x1000n * BLOCK, size: 4n * BLOCK }
    const [first, second, third] = resolveScmDevices([
      scmDevice(DRC_A),
      scmDevice(DRC_B, { guestRange: explicit }),
      scmDevice(0x4410_0004, { blockSize: BLOCK * 4n, blockCount: 1n }),
    ])
    expect(first!.windowStart).toBe(explicit.start + explicit.size)
    expect(second!.windowStart).toBe(explicit.start)
    expect(third!.windowStart).toBe(explicit.start + explicit.size + 4n * BLOCK)
    expect(third!.windowStart % (BLOCK * 4n)).toBe(0n)
    expect(first!.size).toBe(4n * BLOCK)
  })

  it('is what the guest reads from the device tree', () => {
    expect(scmGuestDevice(scmDevice(DRC_A))).toEqual({
      drcIndex: DRC_A,
      blockSize: BLOCK,
      blockCount: 4n,
      metadataSize: BigInt(LABEL_SIZE),
    })
  })

  it('refuses bad devices with EINVAL naming the field', () => {
    const refuse = (devices: Parameters<typeof resolveScmDevices>[0], pattern: RegExp) =>
      expect(() => resolveScmDevices(devices)).toThrow(
        expect.objectContaining({ errno: 'EINVAL', message: expect.stringMatching(pattern) }),
      )
    refuse([scmDevice(DRC_A), scmDevice(DRC_A)], /devices\.1\.drcIndex: DRC index 0x44100002 is used twice/)
    refuse([scmDevice(DRC_A, { blockSize: 0n })], /devices\.0\.blockSize/)
    refuse([scmDevice(DRC_A, { blockCount: 0n })], /devices\.0\.blockCount/)
    refuse([scmDevice(2 ** 32)], /devices\.0\.drcIndex/)
    refuse([scmDevice(DRC_A, { metadata: {} as BufferMedia })], /devices\.0\.metadata/)
    refuse([scmDevice(DRC_A, { guestRange: { start: 4096n, size: 4n * BLOCK } })], /guestRange\.start: not aligned/)
    refuse([scmDevice(DRC_A, { guestRange: { start: 0n, size: BLOCK } })], /guestRange\.size/)
    refuse(
      [
        scmDevice(DRC_A, { guestRange: { start: 0n, size: 4n * BLOCK } }),
        scmDevice(DRC_B, { guestRange: { start: BLOCK, size: 4n * BLOCK } }),
      ],
      /windows of DRC 0x44100002 and 0x44100003 overlap/,
    )
    refuse([scmDevice(DRC_A, { blockSize: 1n << 62n, blockCount: 8n })], /larger than the address space/)
    expect(() => resolveScmDevices([scmDevice(DRC_A, { metadata: new BufferMedia(new Uint8Array(0)) })])).not.toThrow()
  })
})
