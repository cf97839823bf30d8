import {
  decodeConfigDataOut,
  decodeConfigSize,
  encodeGetConfigData,
  encodeSetConfigData,
  type DimmSecurityOps,
  NvdimmError,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { IntelFn, IntelStatus, intelDimmOps, intelLabelStatusErrno } from '../../src/dsm/intel/index.js'
import { key, LABEL_SIZE, statusOf, testDimm } from './intel-fixtures.js'

const none = new Uint8Array(0)

describe('Intel label functions 4/5/6', () => {
  it('reports the area and max_xfer, reads and writes it', () => {
    const { firmware, labels } = testDimm()
    expect(decodeConfigSize(firmware.call(IntelFn.GET_CONFIG_SIZE, none))).toEqual({
      status: 0,
      configSize: LABEL_SIZE,
      maxXfer: 4096,
    })
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    expect(statusOf(firmware.call(IntelFn.SET_CONFIG_DATA, encodeSetConfigData(1000, data)))).toBe(0)
    const check = new Uint8Array(300)
    labels.read(1000n, check)
    expect([...check]).toEqual([...data])
    const out = decodeConfigDataOut(
      firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset: 1000, length: 300 })),
    )
    expect(out.status).toBe(0)
    expect([...out.data]).toEqual([...data])
  })

  it('refuses reads and writes past the area or longer than max_xfer with INVALPARM (QEMU semantics)', () => {
    const { firmware } = testDimm({ smart: false, maxXfer: 4076 })
    expect(decodeConfigSize(firmware.call(IntelFn.GET_CONFIG_SIZE, none)).maxXfer).toBe(4076)
    const read = (offset: number, length: number) =>
      statusOf(firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset, length })))
    expect(read(0, 4076)).toBe(0)
    expect(read(0, 4077)).toBe(IntelStatus.INVALPARM)
    expect(read(LABEL_SIZE - 10, 11)).toBe(IntelStatus.INVALPARM)
    expect(read(0xffffffff, 2)).toBe(IntelStatus.INVALPARM)
    expect(statusOf(firmware.call(IntelFn.SET_CONFIG_DATA, encodeSetConfigData(LABEL_SIZE, Uint8Array.of(1))))).toBe(
      IntelStatus.INVALPARM,
    )
    // a write whose length field promises more than it carries
    const lying = encodeSetConfigData(0, new Uint8Array(16)).subarray(0, 20)
    expect(statusOf(firmware.call(IntelFn.SET_CONFIG_DATA, lying))).toBe(IntelStatus.INVALPARM)
    expect(statusOf(firmware.call(IntelFn.GET_CONFIG_DATA, new Uint8Array(7)))).toBe(IntelStatus.INVALPARM)
  })

  it('refuses label access while locked, in a way the provider maps to EACCES', async () => {
    const { firmware, labels } = testDimm()
    const security = intelDimmOps(firmware).security as DimmSecurityOps
    labels.write(0n, Uint8Array.of(0x5a))
    await security.changeKey(new Uint8Array(0), key('pass'))
    firmware.powerCycle()

    const size = firmware.call(IntelFn.GET_CONFIG_SIZE, none)
    expect(decodeConfigSize(size)).toEqual({ status: 0x10000, configSize: LABEL_SIZE, maxXfer: 4096 })
    expect(intelLabelStatusErrno(IntelFn.GET_CONFIG_SIZE, statusOf(size))).toBe('EACCES')
    const read = firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset: 0, length: 1 }))
    expect(statusOf(read)).toBe(IntelStatus.INVALID_STATE)
    expect(intelLabelStatusErrno(IntelFn.GET_CONFIG_DATA, statusOf(read))).toBe('EACCES')
    const write = firmware.call(IntelFn.SET_CONFIG_DATA, encodeSetConfigData(0, Uint8Array.of(0)))
    expect(intelLabelStatusErrno(IntelFn.SET_CONFIG_DATA, statusOf(write))).toBe('EACCES')
    const kept = new Uint8Array(1)
    labels.read(0n, kept)
    expect(kept[0]).toBe(0x5a)

    await security.unlock(key('pass'))
    expect(intelLabelStatusErrno(IntelFn.GET_CONFIG_SIZE, statusOf(firmware.call(IntelFn.GET_CONFIG_SIZE, none)))).toBe(
      undefined,
    )
    expect(
      decodeConfigDataOut(firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset: 0, length: 1 })))
        .data[0],
    ).toBe(0x5a)
  })

  it('maps other failures to EIO, as xlat_nvdimm_status()', () => {
    expect(intelLabelStatusErrno(IntelFn.GET_CONFIG_SIZE, 0)).toBeUndefined()
    expect(intelLabelStatusErrno(IntelFn.GET_CONFIG_SIZE, IntelStatus.INVALID_STATE)).toBe('EIO')
    expect(intelLabelStatusErrno(IntelFn.GET_CONFIG_DATA, IntelStatus.INVALPARM)).toBe('EIO')
    expect(intelLabelStatusErrno(IntelFn.SET_CONFIG_DATA, IntelStatus.HWERR)).toBe('EIO')
  })

  it('an overwrite wipes the label area and refuses access while it runs; crypto erase leaves labels', async () => {
    const { firmware, labels, clock } = testDimm()
    const security = intelDimmOps(firmware).security as DimmSecurityOps
    labels.write(100n, Uint8Array.of(1, 2, 3))
    await security.erase(new Uint8Array(0))
    const afterErase = new Uint8Array(3)
    labels.read(100n, afterErase)
    expect([...afterErase]).toEqual([1, 2, 3])

    await security.overwrite(new Uint8Array(0))
    expect(statusOf(firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset: 100, length: 3 })))).toBe(
      IntelStatus.INVALID_STATE,
    )
    clock.advance(10_000)
    await security.queryOverwrite()
    const out = decodeConfigDataOut(
      firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset: 100, length: 3 })),
    )
    expect([...out.data]).toEqual([0, 0, 0])
  })

  it('a media failure (NvdimmError) underneath is a hardware error; anything else is a bug and propagates', () => {
    const { firmware, labels } = testDimm()
    labels.read = () => {
      throw new (class extends Error {})('not an NvdimmError')
    }
    expect(() => firmware.call(IntelFn.GET_CONFIG_DATA, encodeGetConfigData({ offset: 0, length: 1 }))).toThrow()
    const failing = testDimm()
    failing.labels.write = () => {
      throw new NvdimmError('EIO', 'disk gone')
    }
    expect(statusOf(failing.firmware.call(IntelFn.SET_CONFIG_DATA, encodeSetConfigData(0, Uint8Array.of(1))))).toBe(
      IntelStatus.HWERR,
    )
  })

  it('without a label area there are no label functions', () => {
    const { firmware } = testDimm({ labelArea: undefined })
    expect(statusOf(firmware.call(IntelFn.GET_CONFIG_SIZE, none))).toBe(IntelStatus.NOTSUPP)
  })
})
