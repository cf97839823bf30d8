import { deleteClaim } from '../claim/claim-driver.js'
import { NvdimmError } from '../errors.js'
import { setNamespaceHolderClass } from '../namespace/namespace-attrs.js'
import type { Namespace, NamespaceMode } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'

/**
 * What ndctl does to a namespace before reconfiguring or destroying it (ndctl/namespace.c
 * namespace_prep_reconfig(), zero_info_block(); libndctl ndctl_namespace_disable_safe()).
 */

/** What ndctl writes to holder_class for a mode (ndctl_namespace_set_enforce_mode()). */
const HOLDER_CLASS: Record<NamespaceMode, string> = { raw: '', sector: 'btt', fsdax: 'pfn', devdax: 'dax' }

/** An attribute write whose failure ndctl does not check. */
export async function ignoringFailure(write: Promise<void> | (() => void)): Promise<void> {
  try {
    await (typeof write === 'function' ? write() : write)
  } catch (cause) {
    if (!(cause instanceof NvdimmError)) throw cause
  }
}

/** ndctl_namespace_set_enforce_mode(): opportunistic, its errors are ignored. */
export function setEnforceMode(namespace: Namespace, mode: NamespaceMode): Promise<void> {
  return ignoringFailure(setNamespaceHolderClass(namespace, HOLDER_CLASS[mode]))
}

/**
 * ndctl_namespace_disable_invalidate(): the claiming btt / pfn / dax is unbound and detached,
 * then the namespace unbound. (disable_safe's exclusive open of the block device always
 * succeeds here: nothing mounts it.)
 */
export async function disableInvalidate(namespace: Namespace): Promise<void> {
  if (namespace.claim) await deleteClaim(namespace.claim)
  await namespace.disable()
}

/** The first 8 KiB of a namespace: both BTT info block positions and the pfn / dax one. */
const INFO_SIZE = 8192

/**
 * Enabled in force_raw mode (a plain disk, whatever its metadata says) for `use`, then
 * disabled with any personality it picked up: how ndctl reaches a namespace's raw bytes.
 * `enableFailed` decides what a refused enable means for the caller.
 */
export async function withForceRaw<T>(
  namespace: Namespace,
  use: () => T,
  enableFailed: (cause: NvdimmError) => T,
): Promise<T> {
  namespace.forceRaw = true
  try {
    try {
      await namespace.enable()
    } catch (cause) {
      if (!(cause instanceof NvdimmError)) throw cause
      return enableFailed(cause)
    }
    return use()
  } finally {
    namespace.forceRaw = false
    await disableInvalidate(namespace)
  }
}

/**
 * zero_info_block(): the first 8 KiB are zeroed unless they already are. 0 when something
 * was zeroed, 1 when skipped (nothing to zero, or the namespace would not enable).
 */
export function zeroInfoBlock(namespace: Namespace): Promise<number> {
  return withForceRaw(
    namespace,
    () => {
      const media = namespaceMedia(namespace)
      const length = Number(media.size < BigInt(INFO_SIZE) ? media.size : BigInt(INFO_SIZE))
      const bytes = new Uint8Array(length)
      media.read(0n, bytes)
      if (bytes.every((byte) => byte === 0)) return 1
      media.write(0n, new Uint8Array(length))
      media.sync()
      return 0
    },
    () => 1,
  )
}

/**
 * namespace_prep_reconfig(): refuse an active namespace without --force, disable it and its
 * personality, clear holder_class and zero the info blocks. 2 for a labelled namespace, else
 * 0 when something was zeroed and 1 when nothing was.
 */
export async function prepReconfig(namespace: Namespace, force: boolean): Promise<number> {
  if (namespace.active && !force) {
    throw new NvdimmError('EBUSY', `${namespace.name} is active, specify --force for re-configuration`)
  }
  await disableInvalidate(namespace)
  await setEnforceMode(namespace, 'raw')
  const zeroed = await zeroInfoBlock(namespace)
  if (namespace.kind === 'pmem') return 2
  return zeroed === 0 ? 0 : 1
}
