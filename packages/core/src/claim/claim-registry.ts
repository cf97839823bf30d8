import { NvdimmError } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'
import type { ClaimDevice, ClaimKind } from './claim-device.js'
import { NdBtt } from './nd-btt.js'
import { NdPfn } from './nd-pfn.js'

/**
 * Creating, attaching and removing claim devices (drivers/nvdimm/claim.c, btt_devs.c,
 * pfn_devs.c, dax_devs.c): ids are the lowest free per kind and region, as the kernel's ida.
 */

/**
 * A device with the lowest free id, not yet registered: what nd_pfn_alloc() and friends hand a
 * probe, which registers it only when it finds the device's metadata (no uevent otherwise).
 */
export function allocClaimDevice(region: Region, kind: 'btt'): NdBtt
export function allocClaimDevice(region: Region, kind: 'pfn' | 'dax'): NdPfn
export function allocClaimDevice(region: Region, kind: ClaimKind): ClaimDevice
export function allocClaimDevice(region: Region, kind: ClaimKind): ClaimDevice {
  const id = region.claimIdas[kind].get()
  return kind === 'btt' ? new NdBtt(region, id) : new NdPfn(region, id, kind)
}

/** nd_device_register() */
export function registerClaimDevice(device: ClaimDevice): void {
  device.region.claims.push(device)
  device.region.bus.ctx.events.emit('claim:add', device)
}

/** put_device() of one never registered: its id is free again. */
export function releaseClaimDevice(device: ClaimDevice): void {
  detachNamespace(device)
  device.region.claimIdas[device.kind].put(device.id)
}

export function createClaimDevice(region: Region, kind: 'btt'): NdBtt
export function createClaimDevice(region: Region, kind: 'pfn' | 'dax'): NdPfn
export function createClaimDevice(region: Region, kind: ClaimKind): ClaimDevice
export function createClaimDevice(region: Region, kind: ClaimKind): ClaimDevice {
  const device = allocClaimDevice(region, kind)
  registerClaimDevice(device)
  return device
}

/** nd_device_unregister(): the id is free again. */
export function unregisterClaimDevice(device: ClaimDevice): void {
  const region = device.region
  const at = region.claims.indexOf(device)
  if (at < 0) return
  if (device.namespace?.claim === device) device.namespace.claim = undefined
  device.namespace = undefined
  region.claims.splice(at, 1)
  region.claimIdas[device.kind].put(device.id)
  if (region.seeds[device.kind] === device) delete region.seeds[device.kind]
  region.bus.ctx.events.emit('claim:remove', device)
}

/** nd_region_create_{btt,pfn,dax}_seed() */
export function createClaimSeed(region: Region, kind: ClaimKind): void {
  const device = createClaimDevice(region, kind)
  if (kind === 'btt') region.seeds.btt = device as NdBtt
  else region.seeds[kind] = device as NdPfn
}

/** __nd_attach_ndns(): a namespace has at most one claim. */
export function attachNamespace(device: ClaimDevice, namespace: Namespace): void {
  if (namespace.claim) {
    throw new NvdimmError('EBUSY', `${namespace.name} is already claimed by ${namespace.claim.name}`)
  }
  namespace.claim = device
  device.namespace = namespace
}

/** __nd_detach_ndns() */
export function detachNamespace(device: ClaimDevice): void {
  const namespace = device.namespace
  if (namespace?.claim === device) namespace.claim = undefined
  device.namespace = undefined
}

/**
 * nd_detach_and_reset(): writing an empty `namespace`. An idle device that is not the seed
 * goes away; otherwise its uuid and mode (or sector size) are cleared, its align kept.
 */
export function detachAndReset(device: ClaimDevice): void {
  detachNamespace(device)
  if (!device.isSeed && !device.enabled) {
    unregisterClaimDevice(device)
    return
  }
  device.uuid = undefined
  if (device instanceof NdBtt) device.lbasize = 0
  if (device instanceof NdPfn) device.mode = 'none'
}
