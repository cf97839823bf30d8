import { NdPfn } from '../claim/nd-pfn.js'
import { daxDeviceName } from '../data/dax-device.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
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
 * for the device whose namespace uuid a section names. A label-less namespace has no uuid of
 * its own; for those the dax device's (info block) uuid matches instead. Lines go to the log.
 */
export function applyDaxctlConf(nd: Nvdimm, entries: readonly DaxctlConfEntry[]): void {
  for (const dax of daxDevices(nd)) {
    const namespace = nd.namespaces.find((candidate) => daxDeviceName(candidate) === dax.name)
    const own = namespace instanceof NamespacePmem ? namespace.uuid : undefined
    const claimUuid = namespace?.claim instanceof NdPfn ? namespace.claim.uuid : undefined
    const entry = entries.find((candidate) => candidate.uuid === (own ?? claimUuid)?.toLowerCase())
    if (!entry) continue
    const outcome = daxctlReconfigureDevice(nd, dax.name, {
      mode: entry.mode,
      noOnline: entry.mode === 'system-ram' && !entry.online,
      noMovable: !entry.movable,
    })
    for (const line of outcome.messages) nd.kmem.logger.info(`daxctl [${entry.section}]: ${line}`)
  }
}
