import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  decodePdsmHeader,
  decodePdsmHealth,
  decodePdsmSmartInject,
  encodePdsmHealth,
  encodePdsmPkg,
  encodePdsmSmartInject,
  ND_PAPR_PDSM_HEALTH_SIZE,
  ND_PAPR_PDSM_SMART_INJECT_SIZE,
  ND_PDSM_HDR_SIZE,
  ND_PDSM_PAYLOAD_MAX_SIZE,
  type NdPaprPdsmHealth,
  PaprPdsm,
  pdsmName,
  PdsmHealthExtension,
  PdsmSmartInjectFlag,
  writePdsmHeader,
} from '../../src/pdsm/index.js'

function errnoOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return (error as NvdimmError).errno
  }
  return undefined
}

const SAMPLE: NdPaprPdsmHealth = {
  extensionFlags: PdsmHealthExtension.RUN_GAUGE_VALID | PdsmHealthExtension.DSC_VALID,
  dimmUnarmed: 1,
  dimmBadShutdown: 2,
  dimmBadRestore: 3,
  dimmScrubbed: 4,
  dimmLocked: 5,
  dimmEncrypted: 6,
  dimmHealth: 0x0302,
  dimmFuelGauge: 0x0504,
  dimmDsc: 0x0f0e0d0c0b0a0908n,
}

describe('the PDSM header (struct nd_pkg_pdsm)', () => {
  it('has the uapi sizes and numbering', () => {
    expect(ND_PDSM_HDR_SIZE).toBe(8)
    expect(ND_PDSM_PAYLOAD_MAX_SIZE).toBe(184)
    expect(PaprPdsm).toEqual({ MIN: 0, HEALTH: 1, SMART_INJECT: 2, MAX: 3 })
    expect([pdsmName(1), pdsmName(2), pdsmName(9)]).toEqual(['health', 'smart_inject', 'pdsm 9'])
  })

  it('lays out s32 cmd_status then two u16 reserved words, little-endian', () => {
    const pkg = encodePdsmPkg({ cmdStatus: -6, reserved: [0x0201, 0x0403] }, new Uint8Array([0xaa]))
    expect([...pkg]).toEqual([0xfa, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04, 0xaa])
    expect(decodePdsmHeader(pkg)).toEqual({ cmdStatus: -6, reserved: [0x0201, 0x0403] })
  })

  it('refuses short buffers, oversize payloads and values that do not fit', () => {
    expect(errnoOf(() => decodePdsmHeader(new Uint8Array(7)))).toBe('EINVAL')
    expect(errnoOf(() => encodePdsmPkg({ cmdStatus: 0, reserved: [0, 0] }, new Uint8Array(185)))).toBe('EINVAL')
    expect(encodePdsmPkg({ cmdStatus: 0, reserved: [0, 0] }, new Uint8Array(184))).toHaveLength(192)
    expect(errnoOf(() => writePdsmHeader(new Uint8Array(8), { cmdStatus: 2 ** 31, reserved: [0, 0] }))).toBe('EINVAL')
    expect(errnoOf(() => writePdsmHeader(new Uint8Array(8), { cmdStatus: 0, reserved: [0x10000, 0] }))).toBe('EINVAL')
    expect(errnoOf(() => writePdsmHeader(new Uint8Array(4), { cmdStatus: 0, reserved: [0, 0] }))).toBe('EINVAL')
  })
})

describe('struct nd_papr_pdsm_health', () => {
  it('is the whole 184-byte union with the fields at their natural offsets', () => {
    const bytes = encodePdsmHealth(SAMPLE)
    expect(bytes).toHaveLength(ND_PAPR_PDSM_HEALTH_SIZE)
    expect([...bytes.subarray(0, 24)]).toEqual([
      3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0x02, 0x03, 0x04, 0x05, 0, 0, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    ])
    expect(bytes.subarray(24).every((byte) => byte === 0)).toBe(true)
    expect(decodePdsmHealth(bytes)).toEqual(SAMPLE)
  })

  it('refuses a short payload and fields that do not fit', () => {
    expect(errnoOf(() => decodePdsmHealth(new Uint8Array(183)))).toBe('EINVAL')
    expect(errnoOf(() => encodePdsmHealth({ ...SAMPLE, dimmUnarmed: 256 }))).toBe('EINVAL')
    expect(errnoOf(() => encodePdsmHealth({ ...SAMPLE, dimmFuelGauge: 0x10000 }))).toBe('EINVAL')
    expect(errnoOf(() => encodePdsmHealth({ ...SAMPLE, extensionFlags: -1 }))).toBe('EINVAL')
    expect(errnoOf(() => encodePdsmHealth({ ...SAMPLE, dimmDsc: 1n << 64n }))).toBe('EINVAL')
  })
})

describe('struct nd_papr_pdsm_smart_inject', () => {
  it('lays out u32 flags, then the two u8 enables, in 184 bytes', () => {
    const request = {
      flags: PdsmSmartInjectFlag.HEALTH_FATAL | PdsmSmartInjectFlag.BAD_SHUTDOWN,
      fatalEnable: 1,
      unsafeShutdownEnable: 0,
    }
    const bytes = encodePdsmSmartInject(request)
    expect(bytes).toHaveLength(ND_PAPR_PDSM_SMART_INJECT_SIZE)
    expect([...bytes.subarray(0, 8)]).toEqual([3, 0, 0, 0, 1, 0, 0, 0])
    expect(decodePdsmSmartInject(bytes)).toEqual(request)
  })

  it('refuses a short payload and values that do not fit', () => {
    expect(errnoOf(() => decodePdsmSmartInject(new Uint8Array(10)))).toBe('EINVAL')
    expect(errnoOf(() => encodePdsmSmartInject({ flags: 0, fatalEnable: 300, unsafeShutdownEnable: 0 }))).toBe('EINVAL')
  })
})
