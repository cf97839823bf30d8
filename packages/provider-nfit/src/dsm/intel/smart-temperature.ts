import { NvdimmError } from '@nvdimm/core'

/**
 * SMART temperatures are u16 in 1/16 °C with bit 15 as the sign (ndctl/lib/libndctl.c
 * ndctl_decode_smart_temperature / ndctl_encode_smart_temperature).
 */

const SIGN = 1 << 15
/** The largest whole degree whose encoding does not spill into the sign bit. */
const MAX_DEGREES = (SIGN - 1) >> 4

export function decodeSmartTemperature(raw: number): number {
  const magnitude = (raw & (SIGN - 1)) / 16
  return raw & SIGN ? -magnitude : magnitude
}

/**
 * As libndctl encodes: the whole degrees only (it converts to unsigned before scaling, so
 * 23.9 °C becomes 23 °C = 368), then the sign bit for negatives.
 */
export function encodeSmartTemperature(celsius: number): number {
  if (!Number.isFinite(celsius)) throw new NvdimmError('EINVAL', `temperature ${celsius} is not a number of degrees`)
  const degrees = Math.trunc(Math.abs(celsius))
  if (degrees > MAX_DEGREES) {
    throw new NvdimmError('EINVAL', `temperature ${celsius} °C is beyond ±${MAX_DEGREES} °C, the SMART range`)
  }
  return celsius < 0 ? (degrees * 16) | SIGN : degrees * 16
}
