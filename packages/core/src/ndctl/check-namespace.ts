import { checkBtt, formatBttCheckMessage } from '../btt/btt-check.js'
import { errnoName, NvdimmError, strerror, type Errno } from '../errors.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'
import type { Nvdimm } from '../subsystem.js'
import { NULL_UUID } from '../util/uuid.js'
import { disableInvalidate, withForceRaw } from './namespace-prep.js'
import { exitCodeOfRc, type NdctlOutcome } from './outcome.js'
import { ndctlNamedNamespaces } from './topology.js'

export interface CheckNamespaceOptions {
  bus?: string
  region?: string
  /** -R: restore info blocks and finish interrupted map updates. */
  repair?: boolean
  /** -L: rewrite the log in its initial form (needs -R). */
  rewriteLog?: boolean
  /** -f: check an active namespace, disabling it meanwhile. */
  force?: boolean
  /** -v: the checker's info lines too. */
  verbose?: boolean
}

/** A line of ndctl's check log: "<devname>: <function>: <text>". */
class CheckFailure extends NvdimmError {
  constructor(
    errno: Errno,
    readonly line: string,
  ) {
    super(errno, line)
  }
}

/**
 * namespace_check() (ndctl/check.c): the namespace is taken offline (only with --force when
 * it is active), enabled in force_raw mode and its BTT checked and repaired through the raw
 * bytes; then it is re-enabled if it was active. Its lines go to stderr, as ndctl's log does.
 */
async function checkOne(namespace: Namespace, options: CheckNamespaceOptions, lines: string[], stdout: string[]) {
  const devname = namespace.name
  if (options.rewriteLog && !options.repair) {
    throw new CheckFailure('EINVAL', `${devname}: namespace_check: --rewrite-log also requires --repair`)
  }
  const wasActive = namespace.active
  if (wasActive && !options.force) {
    throw new CheckFailure('EBUSY', `${devname}: namespace_check: ${devname}: check aborted, namespace online`)
  }
  if (wasActive) await disableInvalidate(namespace)
  const check = () => {
    const parentUuid = namespace instanceof NamespacePmem ? (namespace.uuid ?? NULL_UUID) : NULL_UUID
    const result = checkBtt(namespaceMedia(namespace), {
      parentUuid,
      ...(options.repair ? { repair: true } : {}),
      ...(options.rewriteLog ? { rewriteLog: true } : {}),
      devname,
    })
    for (const message of result.messages) {
      // A bare printf to stdout ("Restoring BTT info2") shows whatever the log level.
      if (message.level === 'info' && !options.verbose && message.stream !== 'stdout') continue
      const line = formatBttCheckMessage(devname, message)
      if (message.stream === 'stdout') stdout.push(line)
      else lines.push(line)
    }
    return result.rc
  }
  let rc: 'OK' | Errno
  try {
    rc = await withForceRaw(namespace, check, (cause) => {
      throw new CheckFailure(
        cause.errno,
        `${devname}: namespace_check: ${devname}: failed to enable in raw mode: ${strerror(cause.errno)} (${cause.code})`,
      )
    })
  } finally {
    if (wasActive) {
      await namespace.enable().catch((cause: unknown) => {
        if (!(cause instanceof NvdimmError)) throw cause
        lines.push(`${devname}: namespace_check: ${devname}: failed to re-enable namespace`)
      })
    }
  }
  if (rc !== 'OK') throw new NvdimmError(rc, `${devname}: the BTT check failed`)
}

/** `ndctl check-namespace`: check (and with -R repair) the BTT of each namespace named. */
export async function ndctlCheckNamespace(
  nd: Nvdimm,
  ident: string,
  options: CheckNamespaceOptions = {},
): Promise<NdctlOutcome> {
  const lines: string[] = []
  const stdout: string[] = []
  let checked = 0
  let rc = ident === 'all' ? 0 : -6
  for (const namespace of ndctlNamedNamespaces(nd, ident, options)) {
    try {
      await checkOne(namespace, options, lines, stdout)
      checked++
      rc = 0
    } catch (cause) {
      if (!(cause instanceof NvdimmError)) throw cause
      if (cause instanceof CheckFailure) lines.push(cause.line)
      rc = cause.code
    }
  }
  const messages = [...lines, `checked ${checked} namespace${checked === 1 ? '' : 's'}`]
  if (rc < 0) messages.push(`error checking namespaces: ${strerror(errnoName(rc) ?? 'EIO')}`)
  // The checker's own lines say what failed; only a name that matched nothing needs an error.
  const unmatched = rc === -6 && checked === 0 && lines.length === 0
  return {
    ...(stdout.length ? { stdout: `${stdout.join('\n')}\n` } : {}),
    errors: unmatched ? [new NvdimmError('ENXIO', `${ident}: no such namespace`)] : [],
    messages,
    exitCode: exitCodeOfRc(rc),
  }
}
