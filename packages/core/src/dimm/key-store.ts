import * as fs from 'node:fs'
import * as path from 'node:path'
import { NvdimmError } from '../errors.js'
import { type FsOps, realFs } from '../platform/fs-ops.js'
import { processAlive } from '../util/process.js'
import { decodeKeyBlob, encodeKeyBlob, type NvdimmKey } from './key-blob.js'

/**
 * Where dimm passphrases live between runs: the kernel's user keyring (keys `nvdimm:<id>`,
 * which probe unlocks with) and ndctl's key blobs (/etc/ndctl/keys) in one. The subsystem
 * reads it at every start, as load-keys fills the keyring before libnvdimm loads.
 */

/** ndctl's key types (ndctl/keys.h enum ndctl_key_type); "-old" keys exist while a passphrase update runs. */
export type NvdimmKeyType = 'user' | 'user-old' | 'master' | 'master-old'

const PREFIX: Record<NvdimmKeyType, string> = {
  user: 'nvdimm',
  'user-old': 'nvdimm-old',
  master: 'nvdimm-master',
  'master-old': 'nvdimm-master-old',
}

/** get_key_desc(): the key's description, `nvdimm:<id>` for the user key. */
export function keyDescription(dimmId: string, type: NvdimmKeyType): string {
  return `${PREFIX[type]}:${dimmId}`
}

/** get_key_path() without the host name: a platform directory moves between hosts with its keys. */
export function keyFileName(dimmId: string, type: NvdimmKeyType): string {
  return `${PREFIX[type]}_${dimmId}.blob`
}

export interface KeyStore {
  /** The key of that type for the dimm with unique id `dimmId`, if any. */
  get(dimmId: string, type: NvdimmKeyType): NvdimmKey | undefined
  /** Store a key; durable when this returns. */
  put(dimmId: string, type: NvdimmKeyType, key: NvdimmKey): void
  /**
   * Forget a key. get() no longer finds it; a store that outlives the process keeps it on disk
   * until commit(), so a crash before the firmware's new state is saved still finds the key
   * the firmware wants.
   */
  delete(dimmId: string, type: NvdimmKeyType): void
  /** Where the key lives, for messages (never its content). */
  describe(dimmId: string, type: NvdimmKeyType): string
  /** Make the deletions durable: called once the firmware state they go with is saved. */
  commit(): void
}

/** A key store in memory, the default of createNvdimm(): keys live as long as the object. */
export function memoryKeyStore(): KeyStore {
  const keys = new Map<string, NvdimmKey>()
  const slot = (dimmId: string, type: NvdimmKeyType) => keyDescription(dimmId, type)
  const copy = (key: NvdimmKey): NvdimmKey => ({ kek: key.kek, passphrase: new Uint8Array(key.passphrase) })
  return {
    get: (dimmId, type) => {
      const key = keys.get(slot(dimmId, type))
      return key && copy(key)
    },
    put: (dimmId, type, key) => {
      encodeKeyBlob(key) // the same checks as a file store
      keys.set(slot(dimmId, type), copy(key))
    },
    delete: (dimmId, type) => {
      keys.delete(slot(dimmId, type))
    },
    describe: (dimmId, type) => keyDescription(dimmId, type),
    commit: () => {},
  }
}

/** The keys directory is the owner's alone; each blob too. */
export const KEYS_DIR_MODE = 0o700
export const KEY_FILE_MODE = 0o600

export interface FileKeyStoreOptions {
  fs?: FsOps
  /** Refuse every change (EROFS): a session that only looks. */
  readOnly?: boolean
}

function checkDimmId(dimmId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(dimmId)) {
    throw new NvdimmError('EINVAL', `dimm id '${dimmId}' cannot name a key file`)
  }
}

const isSimulatedCrash = (error: unknown) => (error as { simulatedCrash?: unknown } | null)?.simulatedCrash === true

/** Write a blob atomically: a private sibling, flushed, made 0600, renamed over, the directory flushed. */
function writeKeyFile(ops: FsOps, file: string, blob: string): void {
  const temporary = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  try {
    ops.writeDurable(temporary, blob, true)
    fs.chmodSync(temporary, KEY_FILE_MODE)
    ops.rename(temporary, file)
  } catch (error) {
    // A crashed process leaves its temporary file; the next writer sweeps it.
    if (!isSimulatedCrash(error)) fs.rmSync(temporary, { force: true })
    throw error
  }
  ops.fsyncDir(path.dirname(file))
}

/** Remove the temporary files of writers that died. */
function sweep(dir: string, ops: FsOps): void {
  for (const name of fs.readdirSync(dir)) {
    const match = /\.blob\.tmp-(\d+)-/.exec(name)
    if (!match) continue
    const pid = Number(match[1])
    if (pid !== process.pid && processAlive(pid)) continue
    ops.unlink(path.join(dir, name))
  }
}

/**
 * Keys as files in `dir` (a platform's keys/), one blob per dimm and key type, named as ndctl
 * names them: nvdimm_<id>.blob, nvdimm-master_<id>.blob. Every write is atomic, so a crash at
 * any write leaves a dimm's old key file or its new one.
 */
export function fileKeyStore(dir: string, options: FileKeyStoreOptions = {}): KeyStore {
  const ops = options.fs ?? realFs
  const doomed = new Set<string>()
  let prepared = false
  const fileOf = (dimmId: string, type: NvdimmKeyType) => {
    checkDimmId(dimmId)
    return path.join(dir, keyFileName(dimmId, type))
  }
  const writable = (what: string) => {
    if (options.readOnly) throw new NvdimmError('EROFS', `the key store at ${dir} is open read-only: cannot ${what}`)
  }
  const prepare = () => {
    if (prepared) return
    ops.mkdir(dir)
    fs.chmodSync(dir, KEYS_DIR_MODE)
    sweep(dir, ops)
    prepared = true
  }
  return {
    get(dimmId, type) {
      const file = fileOf(dimmId, type)
      if (doomed.has(file)) return undefined
      let bytes: Uint8Array
      try {
        bytes = fs.readFileSync(file)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') return undefined
        throw new NvdimmError('EIO', `cannot read ${file}: ${code ?? (error as Error).message}`)
      }
      try {
        return decodeKeyBlob(bytes)
      } catch (error) {
        throw new NvdimmError('EINVAL', `${file}: ${(error as Error).message}`)
      }
    },
    put(dimmId, type, key) {
      writable('store a key')
      const file = fileOf(dimmId, type)
      const blob = encodeKeyBlob(key)
      prepare()
      writeKeyFile(ops, file, blob)
      doomed.delete(file)
    },
    delete(dimmId, type) {
      writable('remove a key')
      doomed.add(fileOf(dimmId, type))
    },
    describe: (dimmId, type) => fileOf(dimmId, type),
    commit() {
      if (doomed.size === 0) return
      for (const file of doomed) {
        try {
          ops.unlink(file)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        }
      }
      doomed.clear()
      if (fs.existsSync(dir)) ops.fsyncDir(dir)
    },
  }
}
