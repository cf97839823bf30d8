import type { Command } from 'commander'
import type { Nvdimm } from '@nvdimm/core'
import { openPlatform } from './platform-dir.js'

/** Look at the platform: media read-only, nothing saved. */
export async function withReadOnly<T>(command: Command, use: (nd: Nvdimm) => Promise<T>): Promise<T> {
  const platform = await openPlatform(command.optsWithGlobals().platform)
  const session = await platform.start({ readOnly: true })
  try {
    return await use(session.nd)
  } finally {
    await session.close()
  }
}

/** Change the platform: under its lock, the runtime state saved afterwards. */
export async function withUpdate<T>(command: Command, change: (nd: Nvdimm) => Promise<T>): Promise<T> {
  const platform = await openPlatform(command.optsWithGlobals().platform)
  return platform.update(change)
}
