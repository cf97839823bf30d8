import { BufferMedia, type Media } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  H_HARDWARE,
  H_LONG_BUSY_ORDER_10_MSEC,
  H_P2,
  H_PARAMETER,
  H_SCM_FLUSH,
  H_SUCCESS,
  H_UNSUPPORTED,
  PaprHypervisor,
  scmFlush,
} from '../../src/hcall/index.js'
import { brokenMedia, DRC_A, DRC_B, hypervisor, recordingSleep, scmDevice } from './fixtures.js'

const a = BigInt(DRC_A)

function countingMedia(): { media: Media; syncs: () => number } {
  let syncs = 0
  const media = new BufferMedia(new Uint8Array(4096))
  return { media: Object.assign(media, { sync: () => void syncs++ }), syncs: () => syncs }
}

describe('H_SCM_FLUSH', () => {
  it('answers long-busy with a token, then H_SUCCESS once synced', () => {
    const storage = countingMedia()
    const hv = new PaprHypervisor([
      scmDevice(DRC_A, { hcallFlushRequired: true, storage: storage.media, flushPolls: 2 }),
    ])
    const first = hv.hcall(H_SCM_FLUSH, [a, 0n])
    expect(first.rc).toBe(H_LONG_BUSY_ORDER_10_MSEC)
    const token = first.rets[0]!
    expect(token).not.toBe(0n)
    expect(hv.hcall(H_SCM_FLUSH, [a, token])).toEqual({
      rc: H_LONG_BUSY_ORDER_10_MSEC,
      rets: [token, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    })
    expect(storage.syncs()).toBe(0)
    expect(hv.hcall(H_SCM_FLUSH, [a, token]).rc).toBe(H_SUCCESS)
    expect(storage.syncs()).toBe(1)
    // The flush is over: its token means nothing any more.
    expect(hv.hcall(H_SCM_FLUSH, [a, token]).rc).toBe(H_P2)
  })

  it('completes at once with no polls configured', () => {
    const { hv } = hypervisor([scmDevice(DRC_A, { hcallFlushRequired: true })])
    hv.setFlushPolls(DRC_A, 0)
    expect(hv.hcall(H_SCM_FLUSH, [a, 0n]).rc).toBe(H_SUCCESS)
    expect(hv.inFlight()).toEqual([])
  })

  it('is unsupported without ibm,hcall-flush-required and checks DRC and token', () => {
    const { hv } = hypervisor([scmDevice(DRC_A, { hcallFlushRequired: true }), scmDevice(DRC_B)])
    expect(hv.hcall(H_SCM_FLUSH, [BigInt(DRC_B), 0n]).rc).toBe(H_UNSUPPORTED)
    expect(hv.hcall(H_SCM_FLUSH, [0x99n, 0n]).rc).toBe(H_PARAMETER)
    expect(hv.hcall(H_SCM_FLUSH, [a, 12345n]).rc).toBe(H_P2)
    const token = hv.hcall(H_SCM_FLUSH, [a, 0n]).rets[0]!
    // A token of another device's flush.
    expect(hv.hcall(H_SCM_FLUSH, [BigInt(DRC_B), token]).rc).toBe(H_P2)
  })

  it('reports a failed sync as H_HARDWARE', () => {
    const hv = new PaprHypervisor([
      scmDevice(DRC_A, { hcallFlushRequired: true, storage: brokenMedia(4096n), flushPolls: 0 }),
    ])
    expect(hv.hcall(H_SCM_FLUSH, [a, 0n]).rc).toBe(H_HARDWARE)
  })

  it('loops like papr_scm_pmem_flush(), sleeping 10 ms per long-busy answer', async () => {
    const {
      hv,
      a: guestA,
      b: guestB,
    } = hypervisor([scmDevice(DRC_A, { hcallFlushRequired: true, flushPolls: 3 }), scmDevice(DRC_B)])
    hv.busy(H_SCM_FLUSH, 1)
    const { sleep, slept } = recordingSleep()
    await scmFlush(hv, guestA, sleep)
    expect(slept).toEqual([0, 10, 10, 10])
    expect(hv.inFlight()).toEqual([])
    await expect(scmFlush(hv, guestB, sleep)).rejects.toMatchObject({
      errno: 'EIO',
      rc: H_UNSUPPORTED,
      opcode: H_SCM_FLUSH,
    })
    hv.hardwareError(H_SCM_FLUSH, 1)
    await expect(scmFlush(hv, guestA, sleep)).rejects.toMatchObject({ errno: 'EIO', rc: H_HARDWARE })
  })
})
