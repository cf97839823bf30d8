import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  decodeKeyBlob,
  encodeKeyBlob,
  fileKeyStore,
  KEY_FILE_MODE,
  KEYS_DIR_MODE,
  memoryKeyStore,
  normalizePassphrase,
  parseKeyHandle,
} from '../../src/index.js'
import { tempDir } from '../helpers.js'
import { padded } from './helpers.js'

const root = tempDir('nvdimm-keys-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let count = 0
const freshDir = () => path.join(root, `store-${count++}`, 'keys')

const KEY = { kek: 'user:nvdimm-master', passphrase: padded('one') }
const OTHER = { kek: 'trusted:tpm', passphrase: padded('two') }

describe('key blobs', () => {
  it('round-trip, in the shape of an encrypted key payload', () => {
    const blob = encodeKeyBlob(KEY)
    expect(blob).toBe(`plain user:nvdimm-master 32 ${Buffer.from(padded('one')).toString('hex')}\n`)
    expect(decodeKeyBlob(blob)).toEqual(KEY)
    expect(decodeKeyBlob(new TextEncoder().encode(blob))).toEqual(KEY)
  })

  it('refuse what is not one, without quoting it', () => {
    const hex = Buffer.from(padded('one')).toString('hex')
    for (const [blob, why] of [
      ['', 'expected 4 fields, found 1'],
      [`default user:k 32 ${hex}`, 'unknown format'],
      [`plain logon:k 32 ${hex}`, 'bad key-encryption key handle'],
      [`plain user:k 31 ${hex}`, 'bad passphrase length'],
      [`plain user:k 32 ${hex.slice(2)}`, 'bad passphrase data'],
      [`plain user:k 32 ${hex.slice(2)}zz`, 'bad passphrase data'],
    ] as const) {
      expect(() => decodeKeyBlob(blob)).toThrow(
        expect.objectContaining({ errno: 'EINVAL', message: `not an nvdimm key blob: ${why}` }),
      )
    }
  })

  it('key handles and passphrases are checked', () => {
    expect(parseKeyHandle('user:nvdimm-master')).toEqual({ type: 'user', description: 'nvdimm-master' })
    expect(parseKeyHandle('trusted:a:b')).toEqual({ type: 'trusted', description: 'a' })
    expect(() => parseKeyHandle('big_key:x')).toThrow('No such key type: big_key')
    expect(normalizePassphrase(new Uint8Array([1, 2]))).toEqual(Uint8Array.of(1, 2, ...new Array(30).fill(0)))
    expect(() => normalizePassphrase(new Uint8Array(0))).toThrow('a passphrase is 1 to 32 bytes (got 0)')
  })
})

describe('the key store over files', () => {
  it('keeps one 0600 blob per key in a 0700 directory, named as ndctl names them', () => {
    const dir = freshDir()
    const store = fileKeyStore(dir)
    expect(store.get('8089-a2-1740-000001', 'user')).toBeUndefined()
    expect(fs.existsSync(dir)).toBe(false)
    store.put('8089-a2-1740-000001', 'user', KEY)
    store.put('8089-a2-1740-000001', 'master', OTHER)
    expect(fs.readdirSync(dir).sort()).toEqual([
      'nvdimm-master_8089-a2-1740-000001.blob',
      'nvdimm_8089-a2-1740-000001.blob',
    ])
    expect(fs.statSync(dir).mode & 0o777).toBe(KEYS_DIR_MODE)
    for (const name of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, name)).mode & 0o777).toBe(KEY_FILE_MODE)
    expect(store.describe('8089-a2-1740-000001', 'user-old')).toBe(
      path.join(dir, 'nvdimm-old_8089-a2-1740-000001.blob'),
    )
    // Another process sees the same keys.
    expect(fileKeyStore(dir).get('8089-a2-1740-000001', 'user')).toEqual(KEY)
    expect(fileKeyStore(dir).get('8089-a2-1740-000001', 'master')).toEqual(OTHER)
  })

  it('a deleted key is gone at once for this store, from disk only at commit()', () => {
    const dir = freshDir()
    const store = fileKeyStore(dir)
    store.put('dimm-a', 'user', KEY)
    store.delete('dimm-a', 'user')
    expect(store.get('dimm-a', 'user')).toBeUndefined()
    expect(fileKeyStore(dir).get('dimm-a', 'user')).toEqual(KEY)
    store.commit()
    expect(fileKeyStore(dir).get('dimm-a', 'user')).toBeUndefined()
    // A put after a delete wins.
    store.put('dimm-a', 'user', KEY)
    store.delete('dimm-a', 'user')
    store.put('dimm-a', 'user', OTHER)
    store.commit()
    expect(fileKeyStore(dir).get('dimm-a', 'user')).toEqual(OTHER)
    // Deleting what never was is harmless.
    fileKeyStore(path.join(root, 'never', 'keys')).delete('dimm-b', 'user')
  })

  it('read-only: no change (EROFS); a corrupt blob is EINVAL; a bad dimm id is EINVAL', () => {
    const dir = freshDir()
    fileKeyStore(dir).put('dimm-a', 'user', KEY)
    const readOnly = fileKeyStore(dir, { readOnly: true })
    expect(readOnly.get('dimm-a', 'user')).toEqual(KEY)
    expect(() => readOnly.put('dimm-a', 'user', OTHER)).toThrow(expect.objectContaining({ errno: 'EROFS' }))
    expect(() => readOnly.delete('dimm-a', 'user')).toThrow(expect.objectContaining({ errno: 'EROFS' }))
    fs.writeFileSync(path.join(dir, 'nvdimm_dimm-c.blob'), 'garbage')
    expect(() => readOnly.get('dimm-c', 'user')).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
    expect(() => readOnly.get('../escape', 'user')).toThrow(expect.objectContaining({ errno: 'EINVAL' }))
  })

  it('sweeps the temporary files dead writers left', () => {
    const dir = freshDir()
    const store = fileKeyStore(dir)
    store.put('dimm-a', 'user', KEY)
    // pid 2^22 + 1 is beyond pid_max's default: no such process.
    const stale = path.join(dir, 'nvdimm_dimm-a.blob.tmp-4194305-abcdef')
    fs.writeFileSync(stale, 'half')
    fileKeyStore(dir).put('dimm-b', 'user', OTHER)
    expect(fs.existsSync(stale)).toBe(false)
  })
})

describe('the key store in memory', () => {
  it('hands out copies and deletes at once', () => {
    const store = memoryKeyStore()
    store.put('dimm-a', 'user', KEY)
    const got = store.get('dimm-a', 'user')!
    got.passphrase.fill(0)
    expect(store.get('dimm-a', 'user')).toEqual(KEY)
    expect(store.describe('dimm-a', 'master-old')).toBe('nvdimm-master-old:dimm-a')
    store.delete('dimm-a', 'user')
    expect(store.get('dimm-a', 'user')).toBeUndefined()
    expect(() => store.put('dimm-a', 'user', { kek: 'user:k', passphrase: new Uint8Array(3) })).toThrow(
      'a stored passphrase is 32 bytes',
    )
  })
})
