import { NdPfn } from '../claim/nd-pfn.js'
import type { DaxDev } from '../dax/dax-dev.js'
import { openDaxDevice } from '../data/dax-device.js'
import { type JsonObject, toJsonC } from '../ndctl/json.js'
import type { Nvdimm } from '../subsystem.js'
import { inNdctlOrder } from '../util/kernfs-order.js'

/**
 * The dax devices daxctl finds (/sys/bus/dax/devices): one per enabled devdax namespace and one
 * per Soft Reserved range, in the reverse of readdir order, as libdaxctl's list_add keeps them.
 */
export function daxDevices(nd: Nvdimm): DaxDev[] {
  const pmem: DaxDev[] = nd.namespaces
    .filter(
      (namespace) => namespace.claim instanceof NdPfn && namespace.claim.kind === 'dax' && namespace.claim.enabled,
    )
    .map((namespace) => openDaxDevice(namespace))
  return inNdctlOrder([...pmem, ...nd.hmem.map((region) => region.device)])
}

/** util_daxctl_region_filter(): "all", "N" or "regionN". */
export function daxRegionMatches(dax: DaxDev, ident: string | undefined): boolean {
  if (ident === undefined || ident === 'all') return true
  const match = /^(?:region)?(\d+)$/.exec(ident)
  return match !== null && Number(match[1]) === dax.regionId
}

/** util_daxctl_dev_filter(): "all", the device name (a /dev path's basename too), or "R.N". */
export function daxDeviceMatches(dax: DaxDev, ident: string | undefined): boolean {
  if (ident === undefined || ident === 'all') return true
  const name = ident.slice(ident.lastIndexOf('/') + 1)
  if (name === dax.name) return true
  const match = /^(\d+)\.(\d+)$/.exec(name)
  return match !== null && `dax${Number(match[1])}.${Number(match[2])}` === dax.name
}

/** daxctl prints a JSON array, or with -u a single object bare (util_display_json_array()). */
export function daxctlJsonText(items: readonly JsonObject[], human: boolean): string {
  return `${toJsonC(human && items.length === 1 ? items[0]! : [...items])}\n`
}
