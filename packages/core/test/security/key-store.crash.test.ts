import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileKeyStore, type NvdimmKey } from '../../src/index.js'
import { forEachCrashPoint } from '../../src/testing/index.js'
import { tempDir } from '../helpers.js'
import { padded } from './helpers.js'

/**
 * A crash at any single write of the key store leaves each key file old or new, never torn,
 * and the next writer carries on (it sweeps what the crash left).
 */

const root = tempDir('nvdimm-keys-crash-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const OLD: NvdimmKey = { kek: 'user:nvdimm-master', passphrase: padded('old passphrase') }
const NEW: NvdimmKey = { kek: 'user:nvdimm-master', passphrase: padded('new passphrase') }
const ID = '8089-a2-1740-00000042'

function reset(dir: string, initial?: NvdimmKey): void {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true })
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  if (initial) fileKeyStore(dir).put(ID, 'user', initial)
}

const observe = (dir: string) => fileKeyStore(dir).get(ID, 'user')

describe('crash at every write of the key store', () => {
  for (const [label, initial] of [
    ['a first key', undefined],
    ['a replaced key', OLD],
  ] as const) {
    it(`put (${label}) leaves the old key file or the new one`, async () => {
      const dir = path.join(root, label.replace(/ /g, '-'), 'keys')
      const writes = await forEachCrashPoint({
        setup: () => reset(dir, initial),
        operation: (ops) => fileKeyStore(dir, { fs: ops }).put(ID, 'user', NEW),
        check: (crashedAt) => {
          const found = observe(dir)
          if (crashedAt === undefined) expect(found).toEqual(NEW)
          else expect([initial, NEW]).toContainEqual(found)
          // The next writer works and leaves no stray temporary file.
          fileKeyStore(dir).put(ID, 'master', OLD)
          expect(fs.readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([])
          expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
        },
      })
      expect(writes).toBeGreaterThanOrEqual(3)
    })
  }

  it('delete and commit leave the key or nothing', async () => {
    const dir = path.join(root, 'delete', 'keys')
    await forEachCrashPoint({
      setup: () => reset(dir, OLD),
      operation: (ops) => {
        const store = fileKeyStore(dir, { fs: ops })
        store.delete(ID, 'user')
        store.commit()
      },
      check: (crashedAt) => {
        const found = observe(dir)
        if (crashedAt === undefined) expect(found).toBeUndefined()
        else expect([OLD, undefined]).toContainEqual(found)
      },
    })
  })

  it("update-passphrase's key moves keep a key that opens the dimm at every point", async () => {
    // old -> user-old, new -> user, user-old deleted: at any crash, one of user / user-old is OLD or NEW.
    const dir = path.join(root, 'update', 'keys')
    await forEachCrashPoint({
      setup: () => reset(dir, OLD),
      operation: (ops) => {
        const store = fileKeyStore(dir, { fs: ops })
        store.put(ID, 'user-old', OLD)
        store.put(ID, 'user', NEW)
        store.delete(ID, 'user-old')
        store.commit()
      },
      check: (crashedAt) => {
        const store = fileKeyStore(dir)
        const user = store.get(ID, 'user')
        const old = store.get(ID, 'user-old')
        if (crashedAt === undefined) {
          expect([user, old]).toEqual([NEW, undefined])
          return
        }
        expect([OLD, NEW]).toContainEqual(user)
        // Until the old key is deleted the firmware may still want it, and it is there.
        if (user === undefined || Buffer.from(user.passphrase).equals(Buffer.from(NEW.passphrase))) {
          expect([OLD, undefined]).toContainEqual(old)
        }
      },
    })
  })
})
