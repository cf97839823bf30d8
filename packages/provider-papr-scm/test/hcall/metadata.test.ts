import { BufferMedia } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  H_HARDWARE,
  H_P2,
  H_P3,
  H_P4,
  H_PARAMETER,
  H_SCM_READ_METADATA,
  H_SCM_WRITE_METADATA,
  H_SUCCESS,
  HcallError,
  metadataRead,
  metadataWrite,
  type PaprHcalls,
  PaprHypervisor,
  scmGuestDevice,
} from '../../src/hcall/index.js'
import { brokenMedia, DRC_A, hypervisor, LABEL_SIZE, scmDevice } from './fixtures.js'

const drc = BigInt(DRC_A)

describe('H_SCM_READ_METADATA / H_SCM_WRITE_METADATA', () => {
  it('stores the register value big-endian and reads it back', () => {
    const bytes = new Uint8Array(LABEL_SIZE)
    const hv = new PaprHypervisor([scmDevice(DRC_A, { metadata: new BufferMedia(bytes) })])
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, 16n, 0x0102_0304_0506_0708n, 8n]).rc).toBe(H_SUCCESS)
    expect([...bytes.subarray(16, 24)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, 30n, 0xabcdn, 2n]).rc).toBe(H_SUCCESS)
    expect([...bytes.subarray(30, 32)]).toEqual([0xab, 0xcd])
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, 16n, 4n]).rets[0]).toBe(0x0102_0304n)
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, 20n, 1n]).rets[0]).toBe(0x05n)
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, 16n, 8n])).toEqual({
      rc: H_SUCCESS,
      rets: [0x0102_0304_0506_0708n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    })
  })

  it('checks the DRC, the length and the bounds as QEMU does', () => {
    const { hv } = hypervisor()
    const last = BigInt(LABEL_SIZE)
    expect(hv.hcall(H_SCM_READ_METADATA, [0x99n, 0n, 8n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, 0n, 3n]).rc).toBe(H_P3)
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, last - 4n, 8n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, last - 8n, 8n]).rc).toBe(H_SUCCESS)
    expect(hv.hcall(H_SCM_READ_METADATA, [drc, 0xffff_ffff_ffff_fffcn, 8n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_WRITE_METADATA, [0x99n, 0n, 0n, 8n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, 0n, 0n, 0n]).rc).toBe(H_P4)
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, last, 0n, 1n]).rc).toBe(H_P2)
    // Data wider than the access is H_P2.
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, 0n, 0x100n, 1n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, 0n, 0x1_0000_0000n, 4n]).rc).toBe(H_P2)
    expect(hv.hcall(H_SCM_WRITE_METADATA, [drc, 0n, 0xffff_ffffn, 4n]).rc).toBe(H_SUCCESS)
  })

  it('refuses writes to a read-only label area and reports media failures as H_HARDWARE', () => {
    const readOnly = new PaprHypervisor([scmDevice(DRC_A, { readOnly: true })])
    expect(readOnly.hcall(H_SCM_WRITE_METADATA, [drc, 0n, 1n, 1n]).rc).toBe(H_P2)
    expect(readOnly.hcall(H_SCM_READ_METADATA, [drc, 0n, 1n]).rc).toBe(H_SUCCESS)
    const broken = new PaprHypervisor([scmDevice(DRC_A, { metadata: brokenMedia(4096n) })])
    expect(broken.hcall(H_SCM_READ_METADATA, [drc, 0n, 8n]).rc).toBe(H_HARDWARE)
    expect(broken.hcall(H_SCM_WRITE_METADATA, [drc, 0n, 1n, 8n]).rc).toBe(H_HARDWARE)
  })
})

describe('papr_scm metadata helpers', () => {
  it('round-trips bytes through 8/4/2/1-byte big-endian calls', () => {
    const bytes = new Uint8Array(LABEL_SIZE)
    const device = scmDevice(DRC_A, { metadata: new BufferMedia(bytes) })
    const hv = new PaprHypervisor([device])
    const calls: { opcode: number; args: readonly bigint[] }[] = []
    const recording: PaprHcalls = {
      hcall: (opcode, args, buffer) => {
        calls.push({ opcode, args })
        return hv.hcall(opcode, args, buffer)
      },
    }
    const guest = scmGuestDevice(device)
    const data = Uint8Array.from({ length: 15 }, (_, n) => 0xa0 + n)
    metadataWrite(recording, guest, 100n, data)
    // The hypervisor keeps the guest's byte order.
    expect([...bytes.subarray(100, 115)]).toEqual([...data])
    expect(calls.map((call) => call.args[3])).toEqual([8n, 4n, 2n, 1n])
    expect(calls.map((call) => call.args[1])).toEqual([100n, 108n, 112n, 114n])
    expect(calls[0]!.args[2]).toBe(0xa0a1_a2a3_a4a5_a6a7n)
    calls.length = 0
    expect([...metadataRead(recording, guest, 100n, 15)]).toEqual([...data])
    expect(calls.map((call) => [call.opcode, call.args[2]])).toEqual([
      [H_SCM_READ_METADATA, 8n],
      [H_SCM_READ_METADATA, 4n],
      [H_SCM_READ_METADATA, 2n],
      [H_SCM_READ_METADATA, 1n],
    ])
    expect(metadataRead(recording, guest, 0n, 0)).toEqual(new Uint8Array(0))
    // A device-tree node carries ibm,metadata-size as a number, or not at all.
    expect([...metadataRead(hv, { drcIndex: DRC_A, metadataSize: LABEL_SIZE }, 100n, 2)]).toEqual([0xa0, 0xa1])
    expect(() => metadataRead(hv, { drcIndex: DRC_A }, 0n, 1)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => metadataRead(hv, { drcIndex: DRC_A, metadataSize: 0.5 }, 0n, 0)).toThrow(
      expect.objectContaining({ errno: 'EINVAL' }),
    )
  })

  it('maps failures as papr_scm_meta_get/set do', () => {
    const { hv, a } = hypervisor()
    expect(() => metadataRead(hv, a, BigInt(LABEL_SIZE) - 4n, 8)).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    const gone = { ...a, drcIndex: 0x77 }
    let error: unknown
    try {
      metadataRead(hv, gone, 0n, 8)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(HcallError)
    expect(error).toMatchObject({ errno: 'ENODEV', rc: H_PARAMETER, opcode: H_SCM_READ_METADATA })
    hv.hardwareError(H_SCM_WRITE_METADATA, 1)
    expect(() => metadataWrite(hv, a, 0n, new Uint8Array(2))).toThrow(
      expect.objectContaining({ errno: 'EINVAL', rc: H_HARDWARE }),
    )
    metadataWrite(hv, a, 0n, new Uint8Array(2))
  })
})
