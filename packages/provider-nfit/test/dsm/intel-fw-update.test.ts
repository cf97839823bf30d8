import type { DimmFirmwareOps } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  decodeFwFinishQueryOutput,
  decodeFwInfoOutput,
  decodeFwStartOutput,
  encodeFwFinishInput,
  encodeFwFinishQueryInput,
  encodeFwSendInput,
  INTEL_FW_FAKE_VERSION,
  INTEL_FW_MAX_SEND_LEN,
  INTEL_FW_STORAGE_SIZE,
  INTEL_FW_VERIFY_MS,
  IntelExtendedStatus,
  IntelFn,
  IntelStatus,
  intelDimmOps,
  intelFwStatus,
} from '../../src/dsm/intel/index.js'
import { rejection, statusOf, testDimm } from './intel-fixtures.js'

const none = new Uint8Array(0)

function setup() {
  const dimm = testDimm()
  return { ...dimm, fw: intelDimmOps(dimm.firmware).firmware as DimmFirmwareOps }
}

describe('Intel firmware update (nfit_test nd_intel_test_*)', () => {
  it('reports nfit_test.h geometry', async () => {
    const { firmware, fw } = setup()
    const raw = decodeFwInfoOutput(firmware.call(IntelFn.FW_GET_INFO, none))
    expect(raw.status).toBe(0)
    expect(raw.info).toEqual({
      storageSize: 0x100000,
      maxSendLength: 0xffec,
      queryInterval: 250000,
      maxQueryTime: 3000000,
      updateCap: 0,
      fisVersion: 0x0105,
      runVersion: 0n,
      updatedVersion: 0n,
    })
    expect(await fw.info()).toEqual({
      storageSize: 0x100000,
      maxSendLength: 0xffec,
      queryIntervalUs: 250000,
      maxQueryTimeUs: 3000000,
      runVersion: 0n,
      updatedVersion: 0n,
    })
  })

  it('happy path: start, send in chunks, finish, busy while verifying, then the new version; runs after a power cycle', async () => {
    const { firmware, fw, clock } = setup()
    const image = new Uint8Array(3 * INTEL_FW_MAX_SEND_LEN + 17)
    const context = await fw.start()
    expect(context).toBe(1)
    for (let offset = 0; offset < image.length; offset += INTEL_FW_MAX_SEND_LEN) {
      await fw.send(context, offset, image.subarray(offset, offset + INTEL_FW_MAX_SEND_LEN))
    }
    expect(firmware.toJSON().firmwareUpdate.received).toBe(image.length)
    await fw.finish(context)
    expect(statusOf(firmware.call(IntelFn.FW_FINISH_STATUS_QUERY, encodeFwFinishQueryInput(context)))).toBe(
      IntelExtendedStatus.FQ_BUSY,
    )
    const busy = await rejection(fw.query(context))
    expect(busy.errno).toBe('EBUSY')
    clock.advance(INTEL_FW_VERIFY_MS)
    expect(await fw.query(context)).toBe(INTEL_FW_FAKE_VERSION)
    expect(await fw.query(context)).toBe(INTEL_FW_FAKE_VERSION)
    expect(await fw.info()).toMatchObject({ runVersion: 0n, updatedVersion: INTEL_FW_FAKE_VERSION })

    // updated: nothing more until the new firmware runs
    expect(decodeFwStartOutput(firmware.call(IntelFn.FW_START_UPDATE, none)).status).toBe(
      IntelExtendedStatus.START_BUSY,
    )
    expect((await rejection(fw.finish(context))).errno).toBe('EBUSY')
    firmware.powerCycle()
    expect(await fw.info()).toMatchObject({ runVersion: INTEL_FW_FAKE_VERSION, updatedVersion: 0n })
    expect(await fw.start()).toBe(2)
  })

  it('refuses a wrong context, an oversize send and a second start', async () => {
    const { firmware, fw } = setup()
    const context = await fw.start()
    expect((await rejection(fw.start())).errno).toBe('EBUSY')
    expect(
      statusOf(firmware.call(IntelFn.FW_SEND_DATA, encodeFwSendInput({ context: 99, offset: 0, data: none }))),
    ).toBe(IntelExtendedStatus.CTX_INVALID)
    expect((await rejection(fw.send(context + 1, 0, new Uint8Array(16)))).errno).toBe('EINVAL')
    const oversize = await rejection(fw.send(context, 0, new Uint8Array(INTEL_FW_MAX_SEND_LEN + 1)))
    expect(oversize.errno).toBe('EINVAL')
    expect((await rejection(fw.send(context, INTEL_FW_STORAGE_SIZE - 4, new Uint8Array(8)))).errno).toBe('EINVAL')
    expect((await rejection(fw.send(-1, 0, none))).errno).toBe('EINVAL')
    expect((await rejection(fw.finish(context + 1))).errno).toBe('EINVAL')
    expect((await rejection(fw.query(context + 1))).errno).toBe('EINVAL')
    // querying before finishing is out of sequence
    expect(statusOf(firmware.call(IntelFn.FW_FINISH_STATUS_QUERY, encodeFwFinishQueryInput(context)))).toBe(
      IntelExtendedStatus.FQ_ORDER,
    )
    expect((await rejection(fw.query(context))).errno).toBe('EIO')
  })

  it('send without an open update asks to retry; a lying length is INVALPARM', async () => {
    const { firmware, fw } = setup()
    expect((await rejection(fw.send(0, 0, new Uint8Array(4)))).errno).toBe('EAGAIN')
    const lying = encodeFwSendInput({ context: 0, offset: 0, data: new Uint8Array(8) }).subarray(0, 15)
    expect(statusOf(firmware.call(IntelFn.FW_SEND_DATA, lying))).toBe(IntelStatus.INVALPARM)
  })

  it('abort returns to idle; the next start gets a new context; an unknown control flag is INVALPARM', async () => {
    const { firmware, fw } = setup()
    const first = await fw.start()
    await fw.send(first, 0, new Uint8Array(64))
    expect(
      statusOf(firmware.call(IntelFn.FW_FINISH_UPDATE, encodeFwFinishInput({ ctrlFlags: 7, context: first }))),
    ).toBe(IntelStatus.INVALPARM)
    expect(statusOf(firmware.call(IntelFn.FW_FINISH_UPDATE, encodeFwFinishInput({ ctrlFlags: 1, context: 0 })))).toBe(
      IntelExtendedStatus.FIN_ABORTED,
    )
    await fw.finish(first, true)
    const second = await fw.start()
    expect(second).toBe(first + 1)
    expect(firmware.toJSON().firmwareUpdate.received).toBe(0)
    // an idle context reports no update (version 0), as nfit_test's FW_STATE_NEW
    await fw.finish(second, true)
    expect(
      decodeFwFinishQueryOutput(firmware.call(IntelFn.FW_FINISH_STATUS_QUERY, encodeFwFinishQueryInput(second))),
    ).toEqual({ status: 0, updatedVersion: 0n })
  })

  it('a power cycle during verify keeps a verified image and loses an unverified one', async () => {
    const verified = setup()
    const c1 = await verified.fw.start()
    await verified.fw.finish(c1)
    verified.clock.advance(INTEL_FW_VERIFY_MS)
    verified.firmware.powerCycle()
    expect(await verified.fw.info()).toMatchObject({ runVersion: INTEL_FW_FAKE_VERSION })

    const lost = setup()
    const c2 = await lost.fw.start()
    await lost.fw.finish(c2)
    lost.firmware.powerCycle()
    expect(await lost.fw.info()).toMatchObject({ runVersion: 0n, updatedVersion: 0n })
  })

  it("translates statuses as libndctl's fw_xlat_firmware_status", () => {
    expect(intelFwStatus(IntelFn.FW_START_UPDATE, 0x10007)).toBe('busy')
    expect(intelFwStatus(IntelFn.FW_SEND_DATA, 0x10007)).toBe('invalid-context')
    expect(intelFwStatus(IntelFn.FW_FINISH_UPDATE, 0x20007)).toBe('already-done')
    expect(intelFwStatus(IntelFn.FW_FINISH_STATUS_QUERY, 0x20007)).toBe('busy')
    expect(intelFwStatus(IntelFn.FW_FINISH_STATUS_QUERY, 0x30007)).toBe('bad-firmware')
    expect(intelFwStatus(IntelFn.FW_FINISH_UPDATE, 0x40007)).toBe('aborted')
    expect(intelFwStatus(IntelFn.FW_FINISH_STATUS_QUERY, 0x40007)).toBe('sequence')
    expect(intelFwStatus(IntelFn.FW_GET_INFO, 9)).toBe('not-ready')
    expect(intelFwStatus(IntelFn.FW_GET_INFO, 0x50007)).toBe('unknown')
    expect(intelFwStatus(IntelFn.FW_GET_INFO, 11)).toBe('unknown')
  })

  it('a QEMU dimm has no firmware-update ops', () => {
    expect(intelDimmOps(testDimm({ smart: false }).firmware)).toEqual({})
  })
})
