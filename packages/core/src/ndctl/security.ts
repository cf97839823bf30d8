import { randomBytes } from 'node:crypto'
import type { Dimm } from '../dimm/dimm.js'
import {
  nvdimmSecurityFreeze,
  securityDisable,
  securityErase,
  securityOverwrite,
  securityOverwriteQuery,
  securityUpdate,
} from '../dimm/dimm-security.js'
import { normalizePassphrase, NVDIMM_PASSPHRASE_LEN, type NvdimmKey, parseKeyHandle } from '../dimm/key-blob.js'
import type { KeyStore, NvdimmKeyType } from '../dimm/key-store.js'
import { NvdimmError } from '../errors.js'
import type { Passphrase } from '../provider/dimm-ops.js'
import type { Nvdimm } from '../subsystem.js'
import { selectDimms } from './labels.js'
import { type NdctlOutcome, plural } from './outcome.js'

/**
 * ndctl's security commands (ndctl/dimm.c, ndctl/keys.c): setup-, update-, remove-passphrase,
 * freeze-security, sanitize-dimm, wait-overwrite. ndctl keeps each dimm's passphrase as a key
 * (`nvdimm:<id>`, a blob per dimm) and hands the kernel key ids; here the key store plays the
 * keyring and the blobs, and the kernel's checks run in dimm-security. A passphrase never
 * appears in an outcome: not in a message, not in an error.
 */

export interface SecurityCommandOptions {
  bus?: string
  verbose?: boolean
}

export interface PassphraseOptions extends SecurityCommandOptions {
  /** -k: the key-encryption key's handle, `user:<description>` or `trusted:<description>`. */
  keyHandle?: string
  /** -m: manage the master passphrase instead of the user one. */
  master?: boolean
  /**
   * The new passphrase, 1 to 32 bytes (zero-padded to 32). Without it a random 32-byte one is
   * made, as ndctl's encrypted key ("new enc32 <kek> 32") is.
   */
  passphrase?: Uint8Array
}

export interface SanitizeOptions extends SecurityCommandOptions {
  /** -c (the default when neither -c nor -o is given) */
  cryptoErase?: boolean
  /** -o */
  overwrite?: boolean
  /** -z: erase with the zero key */
  zeroKey?: boolean
  /** -m: crypto-erase with the master passphrase */
  master?: boolean
}

export interface WaitOverwriteOptions extends SecurityCommandOptions {
  /** Between two overwrite queries; by default the kernel's schedule (10 s more each time, up to 15 min). */
  pollIntervalMs?: number
  /** Give up (ETIMEDOUT) after this long; ndctl waits for ever. */
  timeoutMs?: number
}

interface ActionResult {
  count: number
  /** dimm_action()'s return: the count when any dimm succeeded, else the first non-zero rc. */
  rc: number
  errors: NvdimmError[]
}

/** dimm_action(): run `action` on every dimm named; 0 counts a success, anything else is kept as rc. */
async function dimmAction(
  nd: Nvdimm,
  idents: readonly string[],
  bus: string | undefined,
  action: (dimm: Dimm) => Promise<number>,
): Promise<ActionResult> {
  const errors: NvdimmError[] = []
  let count = 0
  let err = 0
  for (const dimm of selectDimms(nd, idents, bus)) {
    let rc: number
    try {
      rc = await action(dimm)
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      errors.push(error)
      rc = error.code
    }
    if (rc === 0) count++
    else if (!err) err = rc
  }
  return { count, rc: count > 0 ? count : err, errors }
}

/** cmd_*(): "<summary> <n> nmem[s]." on stderr; exit 1 only when every attempt failed. */
function outcome(result: ActionResult, messages: string[], summary?: string): NdctlOutcome {
  return {
    errors: result.errors,
    messages: summary === undefined ? messages : [...messages, `${summary} ${plural(result.count, 'nmem')}.`],
    exitCode: result.rc >= 0 ? 0 : 1,
  }
}

/** ndctl_dimm_get_security() < 0: the dimm shows no `security` attribute. */
function requireSecurity(dimm: Dimm): void {
  if (!dimm.security.supported) {
    throw new NvdimmError('EOPNOTSUPP', `${dimm.name}: security operation not supported`)
  }
}

/** ndctl names a dimm's keys by its unique id. */
function keyId(dimm: Dimm): string {
  if (dimm.uniqueId === undefined) {
    throw new NvdimmError('EINVAL', `${dimm.name}: has no unique id to name its key by`)
  }
  return dimm.uniqueId
}

/** ndctl_dimm_is_active(): key changes wait until no enabled region uses the dimm. */
function refuseActive(dimm: Dimm): void {
  if (dimm.busy > 0) throw new NvdimmError('EBUSY', `regions active on ${dimm.name}, op failed`)
}

function newPassphrase(chosen: Uint8Array | undefined): Passphrase {
  return chosen ? normalizePassphrase(chosen) : new Uint8Array(randomBytes(NVDIMM_PASSPHRASE_LEN))
}

/** verify_kek(); the handle is checked and recorded (there is no keyring of key-encryption keys here). */
function verifyKek(handle: string): string {
  const { type, description } = parseKeyHandle(handle)
  return `${type}:${description}`
}

/** check_dimm_key(): the dimm's key, or ENOENT ("Unable to load key"; ndctl's -ENOKEY). */
function loadKey(keys: KeyStore, dimm: Dimm, type: NvdimmKeyType): NvdimmKey {
  const id = keyId(dimm)
  const key = keys.get(id, type)
  if (!key) throw new NvdimmError('ENOENT', `Unable to load key: ${keys.describe(id, type)} not found`)
  return key
}

/** run_key_op(): a failing kernel operation is reported as "Failed <name> for nmemN". */
async function runKeyOp(dimm: Dimm, name: string, op: () => Promise<void>): Promise<void> {
  try {
    await op()
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    throw new NvdimmError(error.errno, `Failed ${name} for ${dimm.name}: ${error.message}`, { cause: error })
  }
}

const keyTypes = (master: boolean | undefined) =>
  master ? ({ type: 'master', old: 'master-old' } as const) : ({ type: 'user', old: 'user-old' } as const)

/** `ndctl setup-passphrase -k <kek> [-m]`: make a key, store it, hand it to the dimm ("update 0 <key>"). */
export async function ndctlSetupPassphrase(
  nd: Nvdimm,
  idents: readonly string[],
  options: PassphraseOptions = {},
): Promise<NdctlOutcome> {
  const { type } = keyTypes(options.master)
  const result = await dimmAction(nd, idents, options.bus, async (dimm) => {
    requireSecurity(dimm)
    if (!options.keyHandle) {
      throw new NvdimmError('EINVAL', `${dimm.name}: a key handle is required: -k user:<description>`)
    }
    const kek = verifyKek(options.keyHandle)
    // dimm_create_key()
    refuseActive(dimm)
    const id = keyId(dimm)
    if (nd.keys.get(id, type)) throw new NvdimmError('EEXIST', `${nd.keys.describe(id, type)} already exists!`)
    const key: NvdimmKey = { kek, passphrase: newPassphrase(options.passphrase) }
    nd.keys.put(id, type, key)
    try {
      await securityUpdate(dimm, undefined, key.passphrase, options.master)
    } catch (error) {
      nd.keys.delete(id, type)
      throw error
    }
    return 0
  })
  return outcome(result, [], 'passphrase enabled for')
}

/**
 * `ndctl update-passphrase [-k <kek>] [-m]`: the current key becomes the old one, a new key is
 * made (under the current key's kek unless -k names another) and the dimm changes from one to
 * the other. The old key stays on disk until the firmware's new state is saved; if the dimm
 * refuses, the current key is put back (ndctl leaves the refused new key in place).
 */
export async function ndctlUpdatePassphrase(
  nd: Nvdimm,
  idents: readonly string[],
  options: PassphraseOptions = {},
): Promise<NdctlOutcome> {
  const { type, old } = keyTypes(options.master)
  const result = await dimmAction(nd, idents, options.bus, async (dimm) => {
    requireSecurity(dimm)
    const id = keyId(dimm)
    const current = nd.keys.get(id, type)
    let kek: string
    if (options.keyHandle) kek = verifyKek(options.keyHandle)
    else if (current) kek = current.kek
    else throw new NvdimmError('ENOENT', `${dimm.name}: no key to update at ${nd.keys.describe(id, type)}`)
    // move_key_to_old()
    refuseActive(dimm)
    if (!current) {
      throw new NvdimmError(
        'ENOENT',
        `rename failed from ${nd.keys.describe(id, type)} to ${nd.keys.describe(id, old)}: No such file or directory`,
      )
    }
    nd.keys.put(id, old, current)
    const next: NvdimmKey = { kek, passphrase: newPassphrase(options.passphrase) }
    nd.keys.put(id, type, next)
    try {
      await securityUpdate(dimm, current.passphrase, next.passphrase, options.master)
    } catch (error) {
      nd.keys.put(id, type, current)
      nd.keys.delete(id, old)
      throw error
    }
    nd.keys.delete(id, old)
    return 0
  })
  return outcome(result, [], 'passphrase updated for')
}

/** `ndctl remove-passphrase [-m]`: disable the passphrase with the stored key, then discard the key. */
export async function ndctlRemovePassphrase(
  nd: Nvdimm,
  idents: readonly string[],
  options: SecurityCommandOptions & { master?: boolean } = {},
): Promise<NdctlOutcome> {
  const { type } = keyTypes(options.master)
  const result = await dimmAction(nd, idents, options.bus, async (dimm) => {
    requireSecurity(dimm)
    const key = loadKey(nd.keys, dimm, type)
    await runKeyOp(dimm, options.master ? 'remove master passphrase' : 'remove passphrase', () =>
      securityDisable(dimm, key.passphrase, options.master),
    )
    nd.keys.delete(keyId(dimm), type)
    return 0
  })
  return outcome(result, [], 'passphrase removed for')
}

/** `ndctl freeze-security`: no security change is accepted until the next power cycle. */
export async function ndctlFreezeSecurity(
  nd: Nvdimm,
  idents: readonly string[],
  options: SecurityCommandOptions = {},
): Promise<NdctlOutcome> {
  const result = await dimmAction(nd, idents, options.bus, async (dimm) => {
    requireSecurity(dimm)
    try {
      await nvdimmSecurityFreeze(dimm)
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      throw new NvdimmError(error.errno, `Failed to freeze security for ${dimm.name}: ${error.message}`, {
        cause: error,
      })
    }
    return 0
  })
  return outcome(result, [], 'security froze')
}

/** revalidate_labels(): re-bind an enabled dimm so the kernel drops its copy of the (overwritten) labels. */
async function revalidateLabels(dimm: Dimm): Promise<void> {
  if (!dimm.enabled) return
  await dimm.disable()
  await dimm.enable()
}

/**
 * `ndctl sanitize-dimm [-c] [-o] [-z] [-m]`: a crypto-erase (the default; the user key is
 * discarded after it) and/or an overwrite, which only starts here (see wait-overwrite).
 */
export async function ndctlSanitizeDimm(
  nd: Nvdimm,
  idents: readonly string[],
  options: SanitizeOptions = {},
): Promise<NdctlOutcome> {
  const messages: string[] = []
  let cryptoErase = options.cryptoErase ?? false
  const result = await dimmAction(nd, idents, options.bus, async (dimm) => {
    requireSecurity(dimm)
    if (options.overwrite && options.master) {
      throw new NvdimmError('EINVAL', `${dimm.name}: overwrite does not support master passphrase`)
    }
    if (!cryptoErase && !options.overwrite) {
      cryptoErase = true
      if (options.verbose) messages.push('No santize method passed in, default to crypto-erase')
    }
    if (cryptoErase) {
      const type = options.zeroKey ? undefined : options.master ? 'master' : 'user'
      const key = type ? loadKey(nd.keys, dimm, type) : undefined
      await runKeyOp(dimm, options.master && type ? 'master crypto erase' : 'crypto erase', () =>
        securityErase(dimm, key?.passphrase, type === 'master'),
      )
      if (type === 'user') nd.keys.delete(keyId(dimm), 'user')
    }
    if (options.overwrite) {
      const key = dimm.uniqueId === undefined ? undefined : nd.keys.get(dimm.uniqueId, 'user')
      await runKeyOp(dimm, 'overwrite', () => securityOverwrite(dimm, key?.passphrase))
      await revalidateLabels(dimm)
    }
    return 0
  })
  return outcome(result, messages, options.overwrite ? 'overwrite issued for' : 'sanitized')
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * ndctl_dimm_wait_overwrite(): 0 when no overwrite runs, 1 once one ended with the dimm's
 * security disabled, as ndctl polls sysfs `security` until it changes.
 */
async function waitOverwrite(dimm: Dimm, options: WaitOverwriteOptions): Promise<number> {
  const before = dimm.security
  if (before.state !== 'overwrite') return 0
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs
  for (;;) {
    const delay = options.pollIntervalMs ?? dimm.security.overwriteTimeout * 1000
    if (deadline !== undefined && Date.now() + delay > deadline) {
      throw new NvdimmError('ETIMEDOUT', `${dimm.name}: the overwrite is still running after ${options.timeoutMs} ms`)
    }
    await sleep(delay)
    if (!(await securityOverwriteQuery(dimm))) break
  }
  return dimm.security.state === 'disabled' ? 1 : 0
}

/** `ndctl wait-overwrite`: wait for the overwrite of each dimm to end; it prints no summary. */
export async function ndctlWaitOverwrite(
  nd: Nvdimm,
  idents: readonly string[],
  options: WaitOverwriteOptions = {},
): Promise<NdctlOutcome> {
  const messages: string[] = []
  const result = await dimmAction(nd, idents, options.bus, async (dimm) => {
    requireSecurity(dimm)
    const rc = await waitOverwrite(dimm, options)
    if (rc === 1 && options.verbose) messages.push(`${dimm.name}: overwrite completed.`)
    return rc
  })
  return outcome(result, messages)
}
