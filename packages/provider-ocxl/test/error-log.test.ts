import { describe, expect, it } from 'vitest'
import { GLOBAL_MMIO_CHI_ELA } from '../src/card/index.js'
import { decodeErrorLog, readErrorLog } from '../src/driver/index.js'
import { readyCard } from './helpers.js'

function elBlock(identifier: number, dataLength: number, total: number): Uint8Array {
  const bytes = new Uint8Array(total)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, (BigInt(identifier) << 48n) | BigInt(dataLength), true)
  if (total >= 16) view.setBigUint64(8, (0x1234n << 32n) | 0xabcdn, true)
  return bytes
}

describe('error log', () => {
  it.each([1, 7, 12, 0x10000])('rejects a buffer length of %i (not a multiple of 8 or too large)', async (length) => {
    const { card, engine } = readyCard()
    card.injectErrorLog({ programReferenceCode: 1 })
    await expect(readErrorLog(engine, length)).rejects.toMatchObject({ errno: 'EINVAL' })
    expect(card.errorLogLength).toBe(1)
  })

  it('is EAGAIN while CHI.ELA is clear', async () => {
    const { engine } = readyCard()
    await expect(readErrorLog(engine, 64)).rejects.toMatchObject({ errno: 'EAGAIN', message: /CHI\.ELA/ })
  })

  it('returns entries oldest first with their header, and clears ELA when empty', async () => {
    const { card, engine, clock } = readyCard()
    clock.advance(250)
    const data = Uint8Array.from({ length: 21 }, (_, i) => i + 1)
    const first = card.injectErrorLog({ programReferenceCode: 0xb1_00_00_42, data })
    const second = card.injectErrorLog({ programReferenceCode: 7 })
    expect(card.chi() & GLOBAL_MMIO_CHI_ELA).toBe(GLOBAL_MMIO_CHI_ELA)
    const log = await readErrorLog(engine, 64)
    expect(log).toMatchObject({
      logIdentifier: first,
      programReferenceCode: 0xb1_00_00_42,
      timestamp: 250n,
      length: 16 + 21,
    })
    expect(log.data.subarray(16)).toEqual(data)
    expect(card.chi() & GLOBAL_MMIO_CHI_ELA).toBe(GLOBAL_MMIO_CHI_ELA)
    expect(await readErrorLog(engine, 8)).toMatchObject({ logIdentifier: second, programReferenceCode: 7, length: 16 })
    expect(card.chi() & GLOBAL_MMIO_CHI_ELA).toBe(0n)
  })

  it('cuts the returned data to the caller buffer', async () => {
    const { card, engine } = readyCard()
    card.injectErrorLog({ programReferenceCode: 1, data: new Uint8Array(100).fill(9) })
    const log = await readErrorLog(engine, 24)
    expect(log.length).toBe(116)
    expect(log.data.length).toBe(24)
  })

  it('decodes the EL header: identifier, program reference code', () => {
    expect(decodeErrorLog(elBlock(0x454c, 16, 24))).toMatchObject({
      logIdentifier: 0x1234,
      programReferenceCode: 0xabcd,
    })
  })

  it('rejects a block whose identifier is not EL', () => {
    expect(() => decodeErrorLog(elBlock(0x534d, 16, 24))).toThrow(/expected 'EL', got 'SM' \(0x534d\), data_length=16/)
  })

  it('rejects short blocks and lengths past the end', () => {
    expect(() => decodeErrorLog(new Uint8Array(4))).toThrow(/shorter than its 8-byte header/)
    expect(() => decodeErrorLog(elBlock(0x454c, 40, 24))).toThrow(/does not fit/)
    expect(() => decodeErrorLog(elBlock(0x454c, 8, 24))).toThrow(/does not fit/)
  })

  it('passes a bad status through as an errno', async () => {
    const { card, engine } = readyCard()
    card.injectErrorLog({ programReferenceCode: 1 })
    card.failCommands(0x05)
    await expect(readErrorLog(engine, 64)).rejects.toMatchObject({ errno: 'EIO', message: /ERRLOG: DEVICE_ERROR/ })
  })
})
