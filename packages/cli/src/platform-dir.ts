import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initPlatform, NvdimmError, Platform, PLATFORM_FILE } from '@nvdimm/core'
import { defaultPlatformSpec } from './default-platform.js'
import { providerKinds } from './kinds.js'

/** The per-user default platform: $XDG_STATE_HOME/nvdimm/default, or ~/.local/state/nvdimm/default. */
export function defaultPlatformDir(): string {
  const stateHome = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state')
  return path.join(stateHome, 'nvdimm', 'default')
}

export interface PlatformChoice {
  dir: string
  /** Neither --platform nor NVDIMM_PLATFORM was given. */
  isDefault: boolean
}

/** --platform DIR, else $NVDIMM_PLATFORM, else the per-user default. */
export function choosePlatformDir(option: string | undefined): PlatformChoice {
  if (option) return { dir: path.resolve(option), isDefault: false }
  if (process.env.NVDIMM_PLATFORM) return { dir: path.resolve(process.env.NVDIMM_PLATFORM), isDefault: false }
  return { dir: defaultPlatformDir(), isDefault: true }
}

/** Open the chosen platform; the default one is created with the default topology on first use. */
export async function openPlatform(option: string | undefined): Promise<Platform> {
  const { dir, isDefault } = choosePlatformDir(option)
  if (isDefault && !fs.existsSync(path.join(dir, PLATFORM_FILE))) {
    try {
      await initPlatform(dir, defaultPlatformSpec, providerKinds)
    } catch (error) {
      // Another process may have created it at the same moment: use theirs.
      if (!fs.existsSync(path.join(dir, PLATFORM_FILE))) throw error
    }
  }
  if (!fs.existsSync(path.join(dir, PLATFORM_FILE)) && !isDefault) {
    throw new NvdimmError('ENXIO', `no platform at ${dir}: create one with 'nvdimm platform init --platform ${dir}'`)
  }
  return Platform.open(dir, providerKinds)
}
