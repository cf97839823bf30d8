import { NdPfn } from '../claim/nd-pfn.js'
import { daxDeviceName } from '../data/dax-device.js'
import type { Kmem } from '../dax/kmem.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Nvdimm } from '../subsystem.js'

/**
 * The persistent-memory part of /proc/iomem (kernel/resource.c): each firmware range, and under
 * it what the drivers claimed. The pmem and btt drivers request the whole namespace under its
 * name; dax_pmem requests the metadata part under the namespace's name and the data under the
 * dax device's (daxR.N), under which kmem's "System RAM (kmem)" sits when the device is
 * System RAM. A disabled namespace claims nothing. Soft Reserved ranges carry dax_hmem's
 * device the same way.
 */

export interface IomemResource {
  start: bigint
  /** Inclusive, as the kernel prints it. */
  end: bigint
  name: string
  children: IomemResource[]
  /** IORESOURCE_SYSRAM_DRIVER_MANAGED: System RAM a driver added for this boot only. */
  driverManaged?: boolean
}

/**
 * The dax device's own claim: its whole range under device_dax; under kmem the block-aligned
 * part it requested, with the driver-managed System RAM in it.
 */
function daxResource(kmem: Kmem, name: string, start: bigint, end: bigint): IomemResource {
  const binding = kmem.binding(name)
  if (!binding) return { start, end, name, children: [] }
  const { memory } = binding
  return {
    start: binding.start,
    end: binding.end,
    name,
    children: [{ start: memory.start, end: memory.end, name: memory.name, children: [], driverManaged: true }],
  }
}

function claimed(namespace: Namespace): IomemResource[] {
  // The driver bound is the namespace's own (pmem) or its claim's (btt, pfn, dax).
  const claim = namespace.claim
  if (!(claim ? claim.enabled : namespace.enabled)) return []
  const { start, size } = namespace.resource
  const end = start + size - 1n
  if (claim?.kind === 'dax' && claim instanceof NdPfn) {
    const offset = claim.dataExtent?.offset ?? 0n
    const name = daxDeviceName(namespace)
    // Under kmem the device's resource is the block-aligned part, with the System RAM in it.
    const kmem = namespace.region.bus.ctx.kmem.binding(name)
    const dax: IomemResource = kmem
      ? {
          start: kmem.start,
          end: kmem.end,
          name,
          children: [
            {
              start: kmem.memory.start,
              end: kmem.memory.end,
              name: kmem.memory.name,
              children: [],
              driverManaged: true,
            },
          ],
        }
      : { start: start + offset, end, name, children: [] }
    return offset > 0n ? [{ start, end: start + offset - 1n, name: namespace.name, children: [] }, dax] : [dax]
  }
  return [{ start, end, name: namespace.name, children: [] }]
}

export function pmemResources(nd: Nvdimm): IomemResource[] {
  const ranges: IomemResource[] = []
  for (const region of nd.regions) {
    const name = region.descriptor.firmwareResource
    if (!name) continue
    const { start, size } = region.resource
    const children = region.enabled ? region.namespaces.flatMap(claimed) : []
    children.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
    ranges.push({ start, end: start + size - 1n, name, children })
  }
  // Soft Reserved (hmem_register_resource()): dax_hmem's device claims the whole range.
  for (const { descriptor, device } of nd.hmem) {
    const end = descriptor.start + descriptor.size - 1n
    ranges.push({
      start: descriptor.start,
      end,
      name: 'Soft Reserved',
      children: [daxResource(nd.kmem, device.name, descriptor.start, end)],
    })
  }
  return ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
}

/** r_show(): "%*s%0*llx-%0*llx : %s", two spaces per level, at least 8 hex digits. */
export function formatIomem(resources: readonly IomemResource[], depth = 0): string {
  return resources
    .map(
      (resource) =>
        `${' '.repeat(depth * 2)}${resource.start.toString(16).padStart(8, '0')}-${resource.end
          .toString(16)
          .padStart(8, '0')} : ${resource.name}\n${formatIomem(resource.children, depth + 1)}`,
    )
    .join('')
}
