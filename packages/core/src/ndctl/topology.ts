import type { Bus } from '../bus/bus.js'
import type { Dimm } from '../dimm/dimm.js'
import { NvdimmError } from '../errors.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Mapping, Region } from '../region/region.js'
import type { Nvdimm } from '../subsystem.js'
import { inNdctlOrder } from '../util/kernfs-order.js'
import { busMatches, regionMatches } from './filter.js'

/**
 * The device lists as libndctl walks them. Buses are found as /sys/class/nd/ndctlN (the same
 * N as ndbusN), so they sort by the hash of "ndctlN"; mappings are read mapping0..N-1 and
 * each added to the head of the list, so they come out last first.
 */

export function ndctlBuses(nd: Nvdimm): Bus[] {
  return inNdctlOrder(nd.buses.map((bus) => ({ name: `ndctl${bus.id}`, bus }))).map((entry) => entry.bus)
}

export function ndctlDimms(bus: Bus): Dimm[] {
  return inNdctlOrder(bus.dimms)
}

export function ndctlRegions(bus: Bus): Region[] {
  return inNdctlOrder(bus.regions)
}

export function ndctlNamespaces(region: Region): Namespace[] {
  return inNdctlOrder(region.namespaces)
}

export function ndctlMappings(region: Region): Mapping[] {
  return [...region.mappings].reverse()
}

/**
 * do_xaction_namespace()'s walk: the namespaces a command names, in ndctl's order; "all" is
 * every namespace with a size or a uuid.
 */
export function* ndctlNamedNamespaces(
  nd: Nvdimm,
  ident: string,
  filters: { bus?: string | undefined; region?: string | undefined },
): Generator<Namespace> {
  for (const bus of ndctlBuses(nd)) {
    if (!busMatches(bus, filters.bus)) continue
    for (const region of ndctlRegions(bus)) {
      if (!regionMatches(region, filters.region)) continue
      for (const namespace of ndctlNamespaces(region)) {
        const uuid = namespace instanceof NamespacePmem ? namespace.uuid : undefined
        if (ident === 'all' ? namespace.size === 0n && uuid === undefined : namespace.name !== ident) continue
        yield namespace
      }
    }
  }
}

/**
 * do_xaction_namespace()'s loop: `act` on each named namespace, counting those it says count;
 * a failure is kept and sets rc, a later success clears rc (as ndctl's loop does). rc starts as
 * -ENXIO for a name and 0 for "all".
 */
export async function forNamedNamespaces(
  nd: Nvdimm,
  ident: string,
  filters: { bus?: string | undefined; region?: string | undefined },
  act: (namespace: Namespace) => Promise<boolean>,
): Promise<{ count: number; rc: number; errors: NvdimmError[] }> {
  const errors: NvdimmError[] = []
  let count = 0
  let rc = ident === 'all' ? 0 : -6
  for (const namespace of ndctlNamedNamespaces(nd, ident, filters)) {
    try {
      if (await act(namespace)) count++
      rc = 0
    } catch (cause) {
      if (!(cause instanceof NvdimmError)) throw cause
      errors.push(cause)
      rc = cause.code
    }
  }
  return { count, rc, errors }
}
