import type { Bus } from './bus/bus.js'
import type { ClaimDevice } from './claim/claim-device.js'
import type { Dimm } from './dimm/dimm.js'
import type { NvdimmError } from './errors.js'
import type { ControllerCondition } from './health/health.js'
import type { Namespace } from './namespace/namespace.js'
import type { Region } from './region/region.js'

/** Typed events, `noun:verb`, in the order the kernel would emit the uevents. */
export interface NvdimmEvents {
  'bus:add': [bus: Bus]
  'bus:remove': [bus: Bus]
  'dimm:add': [dimm: Dimm]
  'dimm:enable': [dimm: Dimm]
  'dimm:disable': [dimm: Dimm]
  'dimm:remove': [dimm: Dimm]
  /**
   * A controller condition was raised (the sysfs_notify of a health attribute, not an eventfd:
   * the ocxlpmem review's rule). Health reports it for as long as it holds.
   */
  'dimm:health-event': [dimm: Dimm, condition: ControllerCondition]
  'region:add': [region: Region]
  'region:enable': [region: Region]
  'region:disable': [region: Region]
  'region:remove': [region: Region]
  /** nvdimm_flush() ran: the steps in order (the arch barrier, a provider flush, flush-hint writes). */
  'region:flush': [region: Region, steps: readonly string[]]
  'namespace:add': [namespace: Namespace]
  'namespace:enable': [namespace: Namespace]
  'namespace:disable': [namespace: Namespace]
  /** A namespace driver refused to bind (nd_pmem probe failed): the device stays, disabled. */
  'namespace:probe-error': [namespace: Namespace, error: NvdimmError]
  'namespace:remove': [namespace: Namespace]
  /** A btt, pfn or dax device appeared (a seed, or one a namespace probe found on media). */
  'claim:add': [device: ClaimDevice]
  'claim:enable': [device: ClaimDevice]
  'claim:disable': [device: ClaimDevice]
  'claim:probe-error': [device: ClaimDevice, error: NvdimmError]
  'claim:remove': [device: ClaimDevice]
}

export type NvdimmEventName = keyof NvdimmEvents
