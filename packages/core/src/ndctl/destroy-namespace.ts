import { NvdimmError, strerror } from '../errors.js'
import { setNamespaceSize } from '../namespace/namespace-attrs.js'
import type { Nvdimm } from '../subsystem.js'
import { prepReconfig } from './namespace-prep.js'
import type { NdctlOutcome } from './outcome.js'
import { exitCodeOfRc } from './outcome.js'
import { forNamedNamespaces } from './topology.js'

export interface DestroyNamespaceOptions {
  bus?: string
  region?: string
  force?: boolean
}

/**
 * `ndctl destroy-namespace` (namespace_destroy()): prepare as for a reconfigure (disable,
 * zero the info blocks), then a labelled namespace is deleted (size 0 drops its labels);
 * a label-less one only counts when something was zeroed.
 */
export async function ndctlDestroyNamespace(
  nd: Nvdimm,
  ident: string,
  options: DestroyNamespaceOptions = {},
): Promise<NdctlOutcome> {
  const {
    count: destroyed,
    rc,
    errors,
  } = await forNamedNamespaces(nd, ident, options, async (namespace) => {
    const prepared = await prepReconfig(namespace, options.force ?? false)
    if (prepared === 2) {
      await setNamespaceSize(namespace, 0n).catch((cause: unknown) => {
        if (!(cause instanceof NvdimmError && cause.errno === 'ENXIO')) throw cause
      })
    }
    return prepared !== 1
  })
  const messages: string[] = []
  if (rc < 0) {
    messages.push(
      `error destroying namespaces: ${strerror(errors.length ? errors[errors.length - 1]!.errno : 'ENXIO')}`,
    )
  }
  messages.push(`destroyed ${destroyed} namespace${destroyed === 1 ? '' : 's'}`)
  return { errors, messages, exitCode: exitCodeOfRc(rc) }
}
