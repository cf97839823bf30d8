import { NvdimmError } from '../errors.js'
import type { Nvdimm } from '../subsystem.js'
import { isUuid } from '../util/uuid.js'
import { daxDevices } from './dax-devices.js'
import { daxctlReconfigureDevice } from './reconfigure-device.js'

/**
 * daxctl's boot-time configuration (/etc/daxctl.conf.d/*.conf, read by
 * `daxctl reconfigure-device -C` from the udev rule when a dax device appears):
 *
 *   [reconfigure-device unique_identifier_foo]
 *   nvdimm.uuid = 48d8e42c-a2f0-4312-9e70-a837faafe862
 *   mode = system-ram
 *   online = true
 *   movable = false
 *
 * nvdimm.uuid names the nd_dax device's uuid (its info block's), the one `ndctl list` prints
 * for a devdax namespace; online and movable default to true.
 */
export interface DaxctlConfEntry {
  section: string
  uuid: string
  mode: 'system-ram' | 'devdax'
  online: boolean
  movable: boolean
}

function bool(value: string, where: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true
  if (/^(false|no|0)$/i.test(value)) return false
  throw new NvdimmError('EINVAL', `${where}: expected true or false, got '${value}'`)
}

export function parseDaxctlConf(text: string, source = 'daxctl.conf'): DaxctlConfEntry[] {
  const entries: DaxctlConfEntry[] = []
  let current: (Partial<DaxctlConfEntry> & { section: string; line: number }) | undefined
  const finish = () => {
    if (!current) return
    const where = `${source}:${current.line} [reconfigure-device ${current.section}]`
    if (!current.uuid) throw new NvdimmError('EINVAL', `${where}: missing 'nvdimm.uuid'`)
    if (!current.mode) throw new NvdimmError('EINVAL', `${where}: missing 'mode' (system-ram or devdax)`)
    entries.push({
      section: current.section,
      uuid: current.uuid,
      mode: current.mode,
      online: current.online ?? true,
      movable: current.movable ?? true,
    })
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/[#;].*$/, '').trim()
    const where = `${source}:${index + 1}`
    if (!line) return
    const section = /^\[\s*([^\]\s]+)(?:\s+([^\]]*?))?\s*\]$/.exec(line)
    if (section) {
      finish()
      if (section[1] !== 'reconfigure-device') {
        throw new NvdimmError(
          'EINVAL',
          `${where}: unknown section '${section[1]}' (daxctl knows only [reconfigure-device NAME])`,
        )
      }
      current = { section: section[2] ?? '', line: index + 1 }
      return
    }
    const pair = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line)
    if (!pair) throw new NvdimmError('EINVAL', `${where}: expected 'key = value' or '[section]', got '${line}'`)
    if (!current)
      throw new NvdimmError('EINVAL', `${where}: '${pair[1]}' is outside a [reconfigure-device NAME] section`)
    const [, key, value] = pair as unknown as [string, string, string]
    if (key === 'nvdimm.uuid') {
      if (!isUuid(value)) throw new NvdimmError('EINVAL', `${where}: nvdimm.uuid '${value}' is not a uuid`)
      current.uuid = value.toLowerCase()
    } else if (key === 'mode') {
      if (value !== 'system-ram' && value !== 'devdax') {
        throw new NvdimmError('EINVAL', `${where}: mode must be system-ram or devdax, not '${value}'`)
      }
      current.mode = value
    } else if (key === 'online') current.online = bool(value, where)
    else if (key === 'movable') current.movable = bool(value, where)
    else throw new NvdimmError('EINVAL', `${where}: unknown key '${key}' (nvdimm.uuid, mode, online, movable)`)
  })
  finish()
  return entries
}

/**
 * What the udev rule does as each dax device appears at boot: `daxctl reconfigure-device -C`
 * for it, which acts when a section names the device's uuid. daxctl's lines go to the log.
 */
export function applyDaxctlConf(nd: Nvdimm, entries: readonly DaxctlConfEntry[]): void {
  for (const dax of daxDevices(nd)) {
    const outcome = daxctlReconfigureDevice(nd, dax.name, { checkConfig: entries })
    const quiet = outcome.messages.every((line) => /missing or malformed config section$/.test(line))
    if (!quiet) for (const line of outcome.messages) nd.kmem.logger.info(`daxctl: ${line}`)
  }
}
