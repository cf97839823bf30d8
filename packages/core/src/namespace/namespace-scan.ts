import { dpaLabelId } from '../dimm/dpa.js'
import { NvdimmError } from '../errors.js'
import type { Region } from '../region/region.js'
import { NULL_UUID } from '../util/uuid.js'
import { indexVersionOf, labelAt } from './label/label-store.js'
import { interleaveSetCookie, type LabelEnt } from './label/label-update.js'
import { ABSTRACTION_GUID, type NamespaceLabel } from './label/namespace-label.js'
import { NamespacePmem } from './namespace-pmem.js'
import type { ClaimClass } from './namespace.js'

/**
 * Namespaces from labels (drivers/nvdimm/namespace_devs.c init_active_labels(), scan_labels(),
 * create_namespace_pmem()): mapping 0's labels start namespaces; each needs a label with the
 * region's cookie (or the legacy altcookie) and its uuid at every position of the set.
 */

function labelOf(region: Region, index: number, ent: LabelEnt): NamespaceLabel | undefined {
  const ndd = region.mappings[index]!.dimm.drvdata
  return ent.slot === undefined || !ndd ? undefined : labelAt(ndd, ent.slot)
}

/** init_active_labels(): track every active label of each bound dimm; mark the dimms busy. */
export function activateLabels(region: Region, activeSlots: (index: number) => number[]): void {
  region.mappingLabels = region.mappings.map(() => [])
  region.mappings.forEach((mapping, index) => {
    const dimm = mapping.dimm
    const ndd = dimm.enabled ? dimm.drvdata : undefined
    if (!ndd) {
      if (dimm.flags.has('locked') || dimm.flags.has('labeling')) {
        deactivateLabels(region)
        throw new NvdimmError(
          'ENXIO',
          `${dimm.name}: is ${dimm.flags.has('locked') ? 'locked' : 'disabled'}, failing probe`,
        )
      }
      return
    }
    dimm.busy++
    region.activeDimms.push(dimm)
    region.mappingLabels[index] = activeSlots(index).map((slot) => ({ slot, reap: false }))
  })
}

/** deactivate_labels(): drop the tracked labels and the busy marks. */
export function deactivateLabels(region: Region): void {
  for (const dimm of region.activeDimms.splice(0)) dimm.busy--
  region.mappingLabels = region.mappings.map(() => [])
}

function typeGuidOk(region: Region, label: NamespaceLabel, labelSize: number): boolean {
  return labelSize < 256 || label.typeGuid === (region.interleaveSet?.typeGuid ?? NULL_UUID)
}

/** has_uuid_at_pos(): some mapping holds a label of `uuid` for `position` in this set. */
function hasUuidAtPos(region: Region, uuid: string, cookie: bigint, position: number): boolean {
  for (let index = 0; index < region.mappings.length; index++) {
    const ndd = region.mappings[index]!.dimm.drvdata
    let foundUuid = false
    for (const ent of region.mappingLabels[index]!) {
      const label = labelOf(region, index, ent)
      if (!label || label.isetcookie !== cookie || label.uuid !== uuid) continue
      if (!typeGuidOk(region, label, ndd?.nslabelSize ?? 128)) continue
      if (foundUuid) return false // duplicate entry for uuid
      foundUuid = true
      if (label.nlabel !== region.mappings.length) continue
      if (label.position !== position) continue
      return true
    }
  }
  return false
}

/** select_pmem_id(): move each mapping's first label of `uuid` to the head of its list, if it fits the mapping. */
function selectPmemId(region: Region, uuid: string): void {
  region.mappings.forEach((mapping, index) => {
    const list = region.mappingLabels[index]!
    const at = list.findIndex((ent) => labelOf(region, index, ent)?.uuid === uuid)
    if (at < 0) throw new NvdimmError('EINVAL', `${region.name}: no label for ${uuid} on ${mapping.dimm.name}`)
    const label = labelOf(region, index, list[at]!)!
    const start = label.dpa
    const end = label.dpa + label.rawsize
    const hwEnd = mapping.start + mapping.size
    if (!(start >= mapping.start && start < hwEnd && end <= hwEnd && end > mapping.start)) {
      throw new NvdimmError('EINVAL', `${region.name}: ${mapping.dimm.name} invalid label for ${uuid}`)
    }
    const [ent] = list.splice(at, 1)
    list.unshift(ent!)
  })
}

function claimClassOf(label: NamespaceLabel, labelSize: number): ClaimClass {
  if (labelSize < 256) return 'none'
  switch (label.abstractionGuid) {
    case NULL_UUID:
      return 'none'
    case ABSTRACTION_GUID.btt:
      return 'btt'
    case ABSTRACTION_GUID.btt2:
      return 'btt2'
    case ABSTRACTION_GUID.pfn:
      return 'pfn'
    case ABSTRACTION_GUID.dax:
      return 'dax'
    default:
      return 'unknown'
  }
}

/** create_namespace_pmem(): undefined when the label is not this set's (cookie mismatch). */
function createNamespacePmem(region: Region, label: NamespaceLabel): NamespacePmem | undefined {
  const first = region.mappings[0]!
  const ndd0 = first.dimm.drvdata!
  const cookie = interleaveSetCookie(region, ndd0.nsCurrent >= 0 ? indexVersionOf(ndd0, ndd0.nsCurrent) : undefined)
  const altcookie = region.interleaveSet?.altcookie ?? 0n
  if (cookie === 0n) throw new NvdimmError('ENXIO', `${region.name}: invalid interleave-set-cookie`)
  if (label.isetcookie !== cookie && label.isetcookie !== altcookie) return undefined
  for (let position = 0; position < region.mappings.length; position++) {
    if (hasUuidAtPos(region, label.uuid, cookie, position) || hasUuidAtPos(region, label.uuid, altcookie, position))
      continue
    const dimm = region.mappings[position]!.dimm
    throw new NvdimmError('EINVAL', `${region.name}: ${dimm.name} missing label for ${label.uuid}`)
  }
  selectPmemId(region, label.uuid)
  const namespace = new NamespacePmem(region, -1)
  let size = 0n
  region.mappings.forEach((mapping, index) => {
    const chosen = labelOf(region, index, region.mappingLabels[index]![0]!)!
    size += chosen.rawsize
    if (chosen.position === 0) {
      namespace.altName = chosen.name
      namespace.uuid = chosen.uuid
      namespace.lbasize = chosen.lbasize
      namespace.claimClass = claimClassOf(chosen, mapping.dimm.drvdata!.nslabelSize)
    }
  })
  if (namespace.uuid === undefined)
    throw new NvdimmError('ENOMEM', `${region.name}: no label at position 0 for ${label.uuid}`)
  setPmemResource(namespace, size)
  return namespace
}

/** nd_namespace_pmem_set_resource(): the system-physical range of a namespace's DPA. */
export function setPmemResource(namespace: NamespacePmem, size: bigint): void {
  const region = namespace.region
  let offset = 0n
  if (size > 0n) {
    const first = region.mappings[0]!
    const [res] = namespace.uuid ? (first.dimm.drvdata?.dpa.named(dpaLabelId(namespace.uuid)) ?? []) : []
    if (res) offset = (res.start - first.start) * BigInt(region.mappings.length)
    else size = 0n
  }
  namespace.setResource(region.resource.start + offset, size)
}

/** cmp_dpa(): memcmp of the little-endian start addresses (not numeric order). */
function compareStart(a: NamespacePmem, b: NamespacePmem): number {
  for (let byte = 0n; byte < 64n; byte += 8n) {
    const x = (a.resource.start >> byte) & 0xffn
    const y = (b.resource.start >> byte) & 0xffn
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/**
 * scan_labels(): the namespaces the labels describe, sorted as the kernel numbers them, or one
 * empty seed. A broken set (a missing position, a conflicting extent) fails the region probe.
 */
export function scanLabels(region: Region): NamespacePmem[] {
  const first = region.mappings[0]!
  const mapEnd = first.start + first.size - 1n
  const devs: NamespacePmem[] = []
  for (const ent of [...region.mappingLabels[0]!]) {
    const label = labelOf(region, 0, ent)
    if (!label || label.dpa < first.start || label.dpa > mapEnd) continue
    if (devs.some((dev) => dev.uuid === label.uuid)) {
      throw new NvdimmError('EINVAL', `${region.name}: conflicting extents for uuid: ${label.uuid}`)
    }
    const namespace = createNamespacePmem(region, label)
    if (namespace) devs.push(namespace)
  }
  region.bus.ctx.logger.debug(`${region.name}: discovered ${devs.length} namespace${devs.length === 1 ? '' : 's'}`)
  if (devs.length === 0) {
    region.mappingLabels[0] = []
    return [new NamespacePmem(region, -1)]
  }
  region.mappingLabels = region.mappingLabels.map((list) => list.slice(0, devs.length))
  return devs.sort(compareStart)
}
