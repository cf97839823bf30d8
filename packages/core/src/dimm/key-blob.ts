import { NvdimmError } from '../errors.js'
import type { Passphrase } from '../provider/dimm-ops.js'

/**
 * A dimm's key as the key store keeps it: the passphrase and the handle of the key-encryption
 * key it was made under. ndctl's blob is the kernel's encrypted key (`keyctl pipe` of
 * "new enc32 <kek> 32": "<format> <kek> <length> <hex>", security/keys/encrypted-keys); this
 * one has the same shape with the format "plain": the passphrase is not encrypted, the blob is
 * protected by its file mode only.
 */
export interface NvdimmKey {
  /** The key-encryption key's handle, `user:<description>` or `trusted:<description>`. */
  kek: string
  /** Always NVDIMM_PASSPHRASE_LEN bytes. */
  passphrase: Passphrase
}

/** NVDIMM_PASSPHRASE_LEN */
export const NVDIMM_PASSPHRASE_LEN = 32

const BLOB_FORMAT = 'plain'
const HEX = /^[0-9a-f]+$/

/** verify_kek() (ndctl/keys.c): `<type>:<description>`, type user or trusted. */
export function parseKeyHandle(handle: string): { type: 'user' | 'trusted'; description: string } {
  const [type, description] = handle.split(':').filter(Boolean)
  if (!type) throw new NvdimmError('EINVAL', 'No key type found for kek handle')
  if (type !== 'user' && type !== 'trusted') throw new NvdimmError('EINVAL', `No such key type: ${type}`)
  if (!description || /\s/.test(description)) throw new NvdimmError('EINVAL', 'No description found for kek handle')
  return { type, description }
}

/**
 * A passphrase a person chose: 1 to 32 bytes, zero-padded to the 32 the firmware compares (the
 * kernel hands NVDIMM_PASSPHRASE_LEN bytes to every security op).
 */
export function normalizePassphrase(bytes: Uint8Array): Passphrase {
  if (bytes.length === 0 || bytes.length > NVDIMM_PASSPHRASE_LEN) {
    throw new NvdimmError('EINVAL', `a passphrase is 1 to ${NVDIMM_PASSPHRASE_LEN} bytes (got ${bytes.length})`)
  }
  const padded = new Uint8Array(NVDIMM_PASSPHRASE_LEN)
  padded.set(bytes)
  return padded
}

export function encodeKeyBlob(key: NvdimmKey): string {
  const { type, description } = parseKeyHandle(key.kek)
  if (key.passphrase.length !== NVDIMM_PASSPHRASE_LEN) {
    throw new NvdimmError('EINVAL', `a stored passphrase is ${NVDIMM_PASSPHRASE_LEN} bytes`)
  }
  const hex = Buffer.from(key.passphrase).toString('hex')
  return `${BLOB_FORMAT} ${type}:${description} ${NVDIMM_PASSPHRASE_LEN} ${hex}\n`
}

/** The inverse of encodeKeyBlob(); anything else is EINVAL, and the message never quotes the blob. */
export function decodeKeyBlob(blob: string | Uint8Array): NvdimmKey {
  const text = typeof blob === 'string' ? blob : new TextDecoder('latin1').decode(blob)
  const fields = text.replace(/\n$/, '').split(' ')
  const invalid = (why: string) => new NvdimmError('EINVAL', `not an nvdimm key blob: ${why}`)
  if (fields.length !== 4) throw invalid(`expected 4 fields, found ${fields.length}`)
  const [format, kek, length, hex] = fields as [string, string, string, string]
  if (format !== BLOB_FORMAT) throw invalid('unknown format')
  let handle
  try {
    handle = parseKeyHandle(kek)
  } catch {
    throw invalid('bad key-encryption key handle')
  }
  if (length !== String(NVDIMM_PASSPHRASE_LEN)) throw invalid('bad passphrase length')
  if (hex.length !== 2 * NVDIMM_PASSPHRASE_LEN || !HEX.test(hex)) throw invalid('bad passphrase data')
  return { kek: `${handle.type}:${handle.description}`, passphrase: new Uint8Array(Buffer.from(hex, 'hex')) }
}
