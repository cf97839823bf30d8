import { NvdimmError } from '@nvdimm/core'

/**
 * papr_scm_probe(): the interleave-set cookies are the unit guid's raw bytes (export_uuid()),
 * read as two little-endian u64s — "not really little endian", just a stable way to compare
 * with a label's cookie. uuid 72511b67-0b3b-42fd-8d1d-5be3cae8bcaa gives cookie1
 * 0xfd423b0b671b5172 and cookie2 0xaabce8cae35b1d8d.
 */
export function paprCookies(unitGuid: string): { cookie1: bigint; cookie2: bigint } {
  const hex = unitGuid.replace(/-/g, '')
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new NvdimmError('EINVAL', `ibm,unit-guid '${unitGuid}' is not a uuid`)
  }
  const raw = Buffer.from(hex, 'hex')
  return { cookie1: raw.readBigUInt64LE(0), cookie2: raw.readBigUInt64LE(8) }
}
