/**
 * A dimm's DPA resource tree (ndd->dpa in drivers/nvdimm/dimm_devs.c): named, non-overlapping
 * ranges of dimm-physical address space, kept in address order, as the kernel's resource tree
 * keeps the children of one parent. Names are "pmem-<uuid>" or the transient "pmem-reserve".
 */

export interface DpaResource {
  name: string
  start: bigint
  /** Inclusive, as struct resource. */
  end: bigint
}

export const PMEM_RESERVE = 'pmem-reserve'

/** nd_label_gen_id(): the resource name of a namespace's DPA. */
export function dpaLabelId(uuid: string): string {
  return `pmem-${uuid}`
}

export function resourceSize(resource: { start: bigint; end: bigint }): bigint {
  return resource.end - resource.start + 1n
}

export class DpaTree {
  private readonly resources: DpaResource[] = []

  /** In ascending address order (for_each_dpa_resource). */
  get all(): readonly DpaResource[] {
    return this.resources
  }

  /** The index of the first resource starting after `start` (binary search). */
  private insertionPoint(start: bigint): number {
    let low = 0
    let high = this.resources.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (this.resources[mid]!.start <= start) low = mid + 1
      else high = mid
    }
    return low
  }

  /** nvdimm_allocate_dpa(): request [start, start + n); undefined on a conflict or an empty range. */
  allocate(name: string, start: bigint, n: bigint): DpaResource | undefined {
    if (n <= 0n || start < 0n) return undefined
    const candidate = { name, start, end: start + n - 1n }
    const at = this.insertionPoint(start)
    const before = this.resources[at - 1]
    const after = this.resources[at]
    if ((before && before.end >= candidate.start) || (after && after.start <= candidate.end)) return undefined
    this.resources.splice(at, 0, candidate)
    return candidate
  }

  /** adjust_resource(): move a resource's bounds; refused when it would collide with a neighbour. */
  adjust(resource: DpaResource, start: bigint, n: bigint): boolean {
    const end = start + n - 1n
    if (n <= 0n || this.resources.some((r) => r !== resource && r.start <= end && start <= r.end)) return false
    resource.start = start
    resource.end = end
    this.resources.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
    return true
  }

  free(resource: DpaResource): void {
    const at = this.resources.indexOf(resource)
    if (at >= 0) this.resources.splice(at, 1)
  }

  /** The resource after `resource` in address order (res->sibling). */
  next(resource: DpaResource): DpaResource | undefined {
    return this.resources[this.resources.indexOf(resource) + 1]
  }

  named(name: string): DpaResource[] {
    return this.resources.filter((r) => r.name === name)
  }

  /** nvdimm_allocated_dpa(): bytes held under `name`. */
  allocated(name: string): bigint {
    return this.named(name).reduce((sum, r) => sum + resourceSize(r), 0n)
  }

  clear(): void {
    this.resources.length = 0
  }
}
