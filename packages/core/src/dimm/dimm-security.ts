import { NvdimmError } from '../errors.js'
import type { DimmSecurityOps, Passphrase, SecurityState } from '../provider/dimm-ops.js'
import type { Region } from '../region/region.js'
import type { Dimm } from './dimm.js'
import { NVDIMM_PASSPHRASE_LEN } from './key-blob.js'
import { keyDescription, type KeyStore, type NvdimmKeyType } from './key-store.js'

/**
 * The kernel's side of nvdimm security (drivers/nvdimm/security.c, dimm_devs.c): the state it
 * caches from the provider's security ops (nvdimm_security_flags()), the unlock at probe with
 * the key the keyring holds, and the operations behind the sysfs `security` attribute, with
 * their checks: a frozen dimm refuses every change (EIO), an overwrite in progress refuses
 * them (EBUSY), erase and overwrite are refused while a region uses the dimm (EBUSY).
 * Passphrases only pass through: nothing here logs, prints or keeps one.
 */

/** The kernel's zero_key: what a key id of 0 stands for. A fresh copy each time, so no provider can change it. */
export function zeroKey(): Passphrase {
  return new Uint8Array(NVDIMM_PASSPHRASE_LEN)
}

/** sec.ext_flags: the master passphrase is set ('unlocked') or not ('disabled'). */
export type MasterSecurityState = 'disabled' | 'unlocked' | 'unsupported'

/** The longest the kernel waits between two overwrite queries, in seconds (15 minutes). */
const OVERWRITE_TMO_MAX = 15 * 60

/** struct nvdimm_sec: what the kernel knows of a dimm's security, refreshed after every operation. */
export class DimmSecurity {
  /** sec.flags as sysfs `security` shows it; 'unsupported' when the dimm reports none (the attribute is hidden). */
  state: SecurityState = 'unsupported'
  /** NVDIMM_SECURITY_FROZEN: no change is accepted until the next power cycle (sysfs `frozen`). */
  frozen = false
  master: MasterSecurityState = 'unsupported'
  /** sec.overwrite_tmo: seconds before the next overwrite query. */
  overwriteTimeout = 0

  constructor(readonly ops: DimmSecurityOps | undefined) {}

  /** sec.flags is non-zero: ndctl sees a `security` attribute. */
  get supported(): boolean {
    return this.ops !== undefined && this.state !== 'unsupported'
  }
}

/**
 * nvdimm_security_flags() for both passphrases. A failing status command leaves no flags, as
 * intel_security_flags() does; while the kernel runs an overwrite the state is 'overwrite'.
 */
export async function refreshSecurityFlags(dimm: Dimm): Promise<void> {
  const sec = dimm.security
  if (!sec.ops) return
  try {
    const status = await sec.ops.status()
    sec.state = dimm.flags.has('securityOverwrite') ? 'overwrite' : status.state
    sec.frozen = status.state !== 'unsupported' && status.frozen
    sec.master = status.state === 'unsupported' ? 'unsupported' : status.masterEnabled ? 'unlocked' : 'disabled'
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    dimm.bus.ctx.logger.error(`${dimm.name}: security state retrieval failed (${error.errno})`)
    sec.state = 'unsupported'
    sec.frozen = false
    sec.master = 'unsupported'
  }
}

/**
 * __nvdimm_create() reads the state once the dimm is registered. A dimm whose firmware reports
 * an overwrite still running at power-on is treated as the kernel treats one it started: busy
 * until a query says the overwrite is over.
 */
export async function initDimmSecurity(dimm: Dimm): Promise<void> {
  await refreshSecurityFlags(dimm)
  if (dimm.security.state !== 'overwrite') return
  dimm.flags.add('securityOverwrite')
  dimm.flags.add('workPending')
  await securityOverwriteQuery(dimm)
}

function debug(dimm: Dimm, message: string): void {
  dimm.bus.ctx.logger.debug(`${dimm.name}: ${message}`)
}

/** nvdimm_request_key(): the keys to try, `nvdimm:<id>` first. */
function requestKeys(dimm: Dimm, keys: KeyStore | undefined): { type: NvdimmKeyType; passphrase: Passphrase }[] {
  const id = dimm.uniqueId
  if (!keys || id === undefined) return []
  const found: { type: NvdimmKeyType; passphrase: Passphrase }[] = []
  // An old key is only left behind by an update whose firmware change never became durable.
  for (const type of ['user', 'user-old'] as const) {
    try {
      const key = keys.get(id, type)
      if (key) found.push({ type, passphrase: key.passphrase })
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      dimm.bus.ctx.logger.error(`${dimm.name}: key ${keyDescription(id, type)} unusable: ${error.message}`)
    }
  }
  return found
}

/**
 * Both a key and an old key mean a passphrase update was cut short; the one that unlocked
 * tells which side the firmware is on. The other goes (when the store may change), so the next
 * update starts from the key the dimm wants.
 */
function settleInterruptedUpdate(dimm: Dimm, keys: KeyStore, id: string, used: NvdimmKeyType): void {
  try {
    if (used === 'user-old') {
      const old = keys.get(id, 'user-old')
      if (!old) return
      keys.put(id, 'user', old)
      dimm.bus.ctx.logger.info(
        `${dimm.name}: passphrase update was interrupted: back to ${keyDescription(id, 'user-old')}`,
      )
    } else if (!keys.get(id, 'user-old')) {
      return
    }
    keys.delete(id, 'user-old')
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    debug(dimm, `old key left in place: ${error.message}`)
  }
}

/**
 * nvdimm_security_unlock() at probe: unlock a locked dimm with its key (the zero key when the
 * keyring has none), or revalidate the key of one already unlocked. Failures are only logged,
 * at debug level as the kernel does; the dimm then stays locked.
 */
export async function nvdimmSecurityUnlock(dimm: Dimm, keys: KeyStore | undefined): Promise<void> {
  const sec = dimm.security
  if (!sec.ops || !sec.supported || sec.state === 'disabled') return
  if (dimm.flags.has('securityOverwrite')) {
    debug(dimm, 'failed to unlock dimm: security operation in progress')
    return
  }
  const candidates = requestKeys(dimm, keys)
  const id = dimm.uniqueId ?? ''
  try {
    if (sec.state === 'unlocked') {
      // Unlocked before the OS: send the same key as old and new to check it is the right one.
      // Only with a key: every session probes again, and zero-key attempts would use up the
      // firmware's passphrase tries (the kernel probes once per boot and sends the zero key).
      const key = candidates[0]
      if (!key) return
      await sec.ops.changeKey(key.passphrase, key.passphrase, false)
      debug(dimm, `key: ${keyDescription(id, key.type)} revalidated`)
      return
    }
    const attempts: { type?: NvdimmKeyType; passphrase: Passphrase }[] = candidates.length
      ? candidates
      : [{ passphrase: zeroKey() }]
    let failure: NvdimmError | undefined
    for (const attempt of attempts) {
      try {
        await sec.ops.unlock(attempt.passphrase)
        dimm.flags.add('incoherent')
        debug(dimm, `key: ${attempt.type ? keyDescription(id, attempt.type) : 0} unlock: success`)
        if (keys && attempt.type) settleInterruptedUpdate(dimm, keys, id, attempt.type)
        return
      } catch (error) {
        if (!(error instanceof NvdimmError)) throw error
        debug(dimm, `key: ${attempt.type ? keyDescription(id, attempt.type) : 0} unlock: fail`)
        failure = error
      }
    }
    if (failure) throw failure
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    debug(dimm, `failed to unlock dimm: ${error.code}`)
  } finally {
    await refreshSecurityFlags(dimm)
  }
}

/**
 * What the nvdimm driver does with a dimm still locked after the unlock attempt: its label
 * area is not read, whatever the provider would answer (the kernel relies on the firmware
 * refusing with EACCES; a provider that forgets must not leak labels).
 */
export function refuseLockedLabels(dimm: Dimm): void {
  if (dimm.security.state === 'locked') {
    throw new NvdimmError(
      'EACCES',
      `${dimm.name}: security locked, label area unreadable: no key in the key store unlocks it`,
    )
  }
}

/**
 * A dimm without a label area is never unlocked at probe (nvdimm_probe() returns before);
 * the kernel would map its locked media, which the firmware poisons. Here it is marked
 * locked instead, so its regions refuse to probe and no byte of it is read.
 */
export function markLockedWithoutLabels(dimm: Dimm): void {
  if (dimm.security.state === 'locked') dimm.flags.add('locked')
  else dimm.flags.delete('locked')
}

/** check_security_state() */
function checkSecurityState(dimm: Dimm): void {
  if (dimm.security.frozen) {
    throw new NvdimmError('EIO', `${dimm.name}: security is frozen until the next power cycle`)
  }
  if (dimm.flags.has('securityOverwrite')) {
    throw new NvdimmError('EBUSY', `${dimm.name}: an overwrite is in progress; wait for it (wait-overwrite)`)
  }
}

function requireOp<K extends keyof DimmSecurityOps>(dimm: Dimm, op: K, what: string): DimmSecurityOps {
  const ops = dimm.security.ops
  if (!ops || !dimm.security.supported || typeof ops[op] !== 'function') {
    throw new NvdimmError('EOPNOTSUPP', `${dimm.name}: ${what} is not supported by its security ops`)
  }
  return ops
}

/** The security_store() refusal for erase and overwrite while a region uses the dimm. */
function refuseWhileActive(dimm: Dimm, what: string): void {
  if (dimm.busy > 0) {
    throw new NvdimmError(
      'EBUSY',
      `${dimm.name}: unable to ${what} while an enabled region uses it; disable the region first`,
    )
  }
}

/** Run one firmware operation, log it as the kernel does, then refresh the cached state. */
async function run(dimm: Dimm, label: string, operation: () => Promise<void>): Promise<void> {
  try {
    await operation()
    debug(dimm, `${label}: success`)
  } catch (error) {
    debug(dimm, `${label}: fail`)
    throw error
  } finally {
    await refreshSecurityFlags(dimm)
  }
}

/**
 * security_update() ("update" / "master_update"): set or change a passphrase. `old` undefined
 * means none is set (key id 0); the provider gets an empty old passphrase then.
 */
export async function securityUpdate(
  dimm: Dimm,
  old: Passphrase | undefined,
  next: Passphrase,
  master = false,
): Promise<void> {
  const ops = requireOp(dimm, 'changeKey', 'changing a passphrase')
  checkSecurityState(dimm)
  await run(dimm, `update${master ? '(master)' : '(user)'}`, () =>
    ops.changeKey(old ?? new Uint8Array(0), next, master),
  )
}

/** security_disable() ("disable"): remove the user passphrase; the dimm no longer locks at power-on. */
export async function securityDisable(dimm: Dimm, key: Passphrase | undefined, master = false): Promise<void> {
  if (master) {
    // "disable_master" needs an op struct nvdimm_security_ops has but DimmSecurityOps does not.
    throw new NvdimmError('EOPNOTSUPP', `${dimm.name}: removing the master passphrase is not supported`)
  }
  const ops = requireOp(dimm, 'disable', 'removing the passphrase')
  checkSecurityState(dimm)
  await run(dimm, 'disable', () => ops.disable(key ?? zeroKey()))
}

/** nvdimm_security_freeze() ("freeze"): refuse every security change until the next power cycle. */
export async function nvdimmSecurityFreeze(dimm: Dimm): Promise<void> {
  const ops = dimm.security.ops
  if (!ops || typeof ops.freeze !== 'function') {
    throw new NvdimmError('EOPNOTSUPP', `${dimm.name}: freezing security is not supported by its security ops`)
  }
  if (!dimm.security.supported) throw new NvdimmError('EIO', `${dimm.name}: reports no security state to freeze`)
  if (dimm.flags.has('securityOverwrite')) {
    dimm.bus.ctx.logger.warn(`${dimm.name}: Overwrite operation in progress.`)
    throw new NvdimmError('EBUSY', `${dimm.name}: an overwrite is in progress; wait for it (wait-overwrite)`)
  }
  await run(dimm, 'freeze', () => ops.freeze())
}

/** security_erase() ("erase" / "master_erase"): a cryptographic erase; the media then reads as cipher text. */
export async function securityErase(dimm: Dimm, key: Passphrase | undefined, master = false): Promise<void> {
  refuseWhileActive(dimm, 'secure erase')
  const ops = requireOp(dimm, 'erase', 'secure erase')
  checkSecurityState(dimm)
  if (master && dimm.security.master !== 'unlocked') {
    throw new NvdimmError('EOPNOTSUPP', `${dimm.name}: no master passphrase is set, so no master erase`)
  }
  await run(dimm, `erase${master ? '(master)' : '(user)'}`, async () => {
    await ops.erase(key ?? zeroKey(), master)
    dimm.flags.add('incoherent')
  })
}

/**
 * security_overwrite() ("overwrite"): start the firmware's overwrite of the whole dimm, labels
 * included. The dimm stays busy (NDD_SECURITY_OVERWRITE: its regions refuse to activate) until
 * an overwrite query finds it done; the first query runs at once, as the kernel queues it.
 */
export async function securityOverwrite(dimm: Dimm, key: Passphrase | undefined): Promise<void> {
  refuseWhileActive(dimm, 'overwrite')
  const ops = requireOp(dimm, 'overwrite', 'overwrite')
  checkSecurityState(dimm)
  try {
    await ops.overwrite(key ?? zeroKey())
    debug(dimm, 'overwrite submission: success')
  } catch (error) {
    debug(dimm, 'overwrite submission: fail')
    await refreshSecurityFlags(dimm)
    throw error
  }
  dimm.flags.add('incoherent')
  dimm.flags.add('securityOverwrite')
  dimm.flags.add('workPending')
  dimm.security.state = 'overwrite'
  dimm.security.overwriteTimeout = 0
  await securityOverwriteQuery(dimm)
}

/**
 * __nvdimm_security_overwrite_query(): one poll of the overwrite. True while it still runs
 * (the next poll waits 10 s longer, up to 15 minutes); once it is over, successful or not,
 * the dimm is released and its state read afresh.
 */
export async function securityOverwriteQuery(dimm: Dimm): Promise<boolean> {
  const sec = dimm.security
  if (!dimm.flags.has('workPending')) return false
  if (!sec.ops || !sec.supported) return false
  try {
    await sec.ops.queryOverwrite()
    debug(dimm, 'overwrite completed')
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    if (error.errno === 'EBUSY') {
      sec.overwriteTimeout = Math.min(OVERWRITE_TMO_MAX, sec.overwriteTimeout + 10)
      return true
    }
    debug(dimm, 'overwrite failed')
  }
  sec.overwriteTimeout = 0
  dimm.flags.delete('securityOverwrite')
  dimm.flags.delete('workPending')
  await refreshSecurityFlags(dimm)
  return false
}

/**
 * nd_region_activate(): a region does not activate over a dimm being overwritten (EBUSY); after
 * an unlock or an erase the CPU caches may hold stale lines of the dimm, which activation
 * invalidates (cpu_cache_invalidate_memregion()), clearing NDD_INCOHERENT.
 */
export function activateRegionDimms(region: Region): void {
  for (const { dimm } of region.mappings) {
    if (dimm.flags.has('securityOverwrite')) {
      throw new NvdimmError('EBUSY', `${region.name}: ${dimm.name} is being overwritten; wait for it (wait-overwrite)`)
    }
  }
  for (const { dimm } of region.mappings) dimm.flags.delete('incoherent')
}
