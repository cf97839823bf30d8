import { checkU64, checkUint, need, view } from './bytes.js'

/**
 * Translate SPA (NFIT bus DSM function 5), struct nd_cmd_translate_spa (ndctl/libndctl-nfit.h):
 * the input is { u64 spa }; the output, what follows it: { u32 status @0; u8 flags @4;
 * u8 reserved[3] @5; u64 translate_length @8; u32 num_nvdimms @16;
 * { u32 nfit_device_handle; u32 reserved; u64 dpa } devices[] @20 }.
 */
export const TRANSLATE_SPA_INPUT_SIZE = 8
export const TRANSLATE_SPA_HEADER_SIZE = 20
export const TRANSLATE_SPA_DEVICE_SIZE = 16

export function encodeTranslateSpaInput(spa: bigint): Uint8Array {
  checkU64(spa, 'spa')
  const out = new Uint8Array(TRANSLATE_SPA_INPUT_SIZE)
  view(out).setBigUint64(0, spa, true)
  return out
}

export function decodeTranslateSpaInput(bytes: Uint8Array): bigint {
  need(bytes, TRANSLATE_SPA_INPUT_SIZE, 'translate_spa input')
  return view(bytes).getBigUint64(0, true)
}

export interface TranslatedDevice {
  handle: number
  dpa: bigint
}

export interface TranslateSpaOutput {
  /** ND_TRANSLATE_SPA_STATUS_INVALID_SPA (2) for an address no dimm maps. */
  status: number
  /** Bit 0: the dimms hold mirrored copies. */
  flags: number
  /** Bytes from the address that map to the same dimms. */
  translateLength: bigint
  devices: TranslatedDevice[]
}

export function encodeTranslateSpaOutput(value: TranslateSpaOutput): Uint8Array {
  checkUint(value.status, 32, 'translate_spa status')
  checkUint(value.flags, 8, 'translate_spa flags')
  checkU64(value.translateLength, 'translate_length')
  const out = new Uint8Array(TRANSLATE_SPA_HEADER_SIZE + value.devices.length * TRANSLATE_SPA_DEVICE_SIZE)
  const dv = view(out)
  dv.setUint32(0, value.status, true)
  dv.setUint8(4, value.flags)
  dv.setBigUint64(8, value.translateLength, true)
  dv.setUint32(16, value.devices.length, true)
  value.devices.forEach((device, index) => {
    const at = TRANSLATE_SPA_HEADER_SIZE + index * TRANSLATE_SPA_DEVICE_SIZE
    checkUint(device.handle, 32, 'nfit_device_handle')
    checkU64(device.dpa, 'dpa')
    dv.setUint32(at, device.handle, true)
    dv.setBigUint64(at + 8, device.dpa, true)
  })
  return out
}

/** Devices past the end of the buffer are not there: the list stops at the last whole one. */
export function decodeTranslateSpaOutput(bytes: Uint8Array): TranslateSpaOutput {
  need(bytes, TRANSLATE_SPA_HEADER_SIZE, 'translate_spa output')
  const dv = view(bytes)
  const count = dv.getUint32(16, true)
  const whole = Math.floor((bytes.length - TRANSLATE_SPA_HEADER_SIZE) / TRANSLATE_SPA_DEVICE_SIZE)
  const devices: TranslatedDevice[] = []
  for (let i = 0; i < Math.min(count, whole); i++) {
    const at = TRANSLATE_SPA_HEADER_SIZE + i * TRANSLATE_SPA_DEVICE_SIZE
    devices.push({ handle: dv.getUint32(at, true), dpa: dv.getBigUint64(at + 8, true) })
  }
  return {
    status: dv.getUint32(0, true),
    flags: dv.getUint8(4),
    translateLength: dv.getBigUint64(8, true),
    devices,
  }
}
