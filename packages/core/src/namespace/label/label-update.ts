import type { DimmDrvdata } from '../../dimm/dimm-drvdata.js'
import { dpaLabelId, resourceSize } from '../../dimm/dpa.js'
import { NvdimmError } from '../../errors.js'
import type { Region } from '../../region/region.js'
import { NULL_UUID } from '../../util/uuid.js'
import type { NamespacePmem } from '../namespace-pmem.js'
import type { ClaimClass } from '../namespace.js'
import {
  allocSlot,
  commitNextIndex,
  freeSlot,
  indexVersionOf,
  labelOffsetOf,
  labelUuid,
  writeIndex,
} from './label-store.js'
import { ABSTRACTION_GUID, encodeLabel, NSLABEL_FLAG_UPDATING } from './namespace-label.js'

/**
 * Label updates (drivers/nvdimm/label.c __pmem_label_update(), del_labels(),
 * nd_pmem_namespace_label_update()). A new label goes into a free slot of the next index, the
 * namespace's previous labels are freed in that same index, and writing the index commits
 * both: a crash before it leaves the old labels, after it the new. A pmem namespace is written
 * in two passes over its dimms, with UPDATING set, then cleared.
 */

/** A label the region tracks on one mapping (struct nd_label_ent): a slot, or none. */
export interface LabelEnt {
  slot: number | undefined
  /** ND_LABEL_REAP: free this label at the next update (set by a rename). */
  reap: boolean
}

function drvdataOf(region: Region, index: number): DimmDrvdata {
  const mapping = region.mappings[index]!
  const ndd = mapping.dimm.enabled ? mapping.dimm.drvdata : undefined
  if (!ndd) throw new NvdimmError('ENXIO', `${region.name}: ${mapping.dimm.name} has no label area bound`)
  return ndd
}

/** nd_region_interleave_set_cookie(): cookie1 for a v1.1 index, else cookie2; 0 without a set. */
export function interleaveSetCookie(region: Region, version: { major: number; minor: number } | undefined): bigint {
  const set = region.interleaveSet
  if (!set) return 0n
  return version && version.major === 1 && version.minor === 1 ? set.cookie1 : set.cookie2
}

const ABSTRACTION_BY_CLAIM: Record<ClaimClass, string> = {
  none: NULL_UUID,
  btt: ABSTRACTION_GUID.btt,
  btt2: ABSTRACTION_GUID.btt2,
  pfn: ABSTRACTION_GUID.pfn,
  dax: ABSTRACTION_GUID.dax,
  // "keep the existing guid", but the label was just zeroed.
  unknown: NULL_UUID,
}

/** init_labels(): track at least `count` labels; format an area that has no valid index. */
async function initLabels(region: Region, index: number, count: number): Promise<void> {
  const ndd = drvdataOf(region, index)
  const list = region.mappingLabels[index]!
  while (list.length < count) list.push({ slot: undefined, reap: false })
  if (ndd.nsCurrent !== -1 && ndd.nsNext !== -1) return
  ndd.data.fill(0)
  await writeIndex(ndd, 0, 3, true)
  await writeIndex(ndd, 1, 2, true)
  ndd.nsNext = 1
  ndd.nsCurrent = 0
}

/** __pmem_label_update(): write one mapping's label for `namespace`, then commit the next index. */
async function pmemLabelUpdate(region: Region, index: number, namespace: NamespacePmem, flags: number): Promise<void> {
  const ndd = drvdataOf(region, index)
  const dimm = region.mappings[index]!.dimm
  if (ndd.nsNext < 0) throw new NvdimmError('ENXIO', `${dimm.name}: no label index to update`)
  const uuid = namespace.uuid!
  const cookie = interleaveSetCookie(region, indexVersionOf(ndd, ndd.nsNext))
  const [res] = ndd.dpa.named(dpaLabelId(uuid))
  if (!res) throw new NvdimmError('ENXIO', `${dimm.name}: ${uuid} holds no DPA to label`)
  const slot = allocSlot(ndd)
  if (slot === undefined)
    throw new NvdimmError('ENXIO', `${dimm.name}: no free label slot (every slot of the index is in use)`)
  const label = encodeLabel(
    {
      uuid,
      name: namespace.altName ?? '',
      flags,
      nlabel: region.mappings.length,
      position: index,
      isetcookie: cookie,
      lbasize: namespace.lbasize,
      dpa: res.start,
      rawsize: resourceSize(res),
      slot,
      align: 0,
      typeGuid: region.interleaveSet?.typeGuid ?? NULL_UUID,
      abstractionGuid: ABSTRACTION_BY_CLAIM[namespace.claimClass],
      checksum: 0n,
    },
    ndd.nslabelSize,
  )
  const offset = labelOffsetOf(ndd, slot)
  ndd.data.set(label, offset)
  await ndd.setConfigData(offset, ndd.nslabelSize)
  const list = region.mappingLabels[index]!
  for (const ent of list) {
    if (ent.slot === undefined) continue
    const reap = ent.reap
    ent.reap = false
    if (reap || labelUuid(ndd, ent.slot) === uuid) {
      freeSlot(ndd, ent.slot)
      ent.slot = undefined
    }
  }
  await commitNextIndex(ndd)
  const free = list.find((ent) => ent.slot === undefined)
  if (!free) throw new NvdimmError('ENXIO', `${dimm.name}: failed to track label: ${slot}`)
  free.slot = slot
}

/** del_labels(): free every label of `uuid` on one mapping; the index is written even if none matched. */
async function deleteLabels(region: Region, index: number, uuid: string | undefined): Promise<void> {
  const ndd = drvdataOf(region, index)
  if (!uuid || ndd.nsNext < 0) return
  const list = region.mappingLabels[index]!
  let active = 0
  const kept: LabelEnt[] = []
  const freed: LabelEnt[] = []
  for (const ent of list) {
    if (ent.slot === undefined) {
      kept.push(ent)
      continue
    }
    active++
    if (labelUuid(ndd, ent.slot) !== uuid) {
      kept.push(ent)
      continue
    }
    active--
    freeSlot(ndd, ent.slot)
    ent.slot = undefined
    freed.push(ent)
  }
  region.mappingLabels[index] = active === 0 ? [] : [...kept, ...freed]
  await commitNextIndex(ndd)
}

/** nd_pmem_namespace_label_update(): size 0 deletes; otherwise two passes over every mapping. */
export async function pmemNamespaceLabelUpdate(region: Region, namespace: NamespacePmem, size: bigint): Promise<void> {
  for (let index = 0; index < region.mappings.length; index++) {
    if (size === 0n) {
      await deleteLabels(region, index, namespace.uuid)
      continue
    }
    const ndd = drvdataOf(region, index)
    const count = ndd.dpa.all.filter((res) => res.name.startsWith('pmem')).length
    await initLabels(region, index, count)
    await pmemLabelUpdate(region, index, namespace, NSLABEL_FLAG_UPDATING)
  }
  if (size === 0n) return
  for (let index = 0; index < region.mappings.length; index++) await pmemLabelUpdate(region, index, namespace, 0)
}

/** nd_namespace_label_update(): called after every attribute store of an idle namespace. */
export async function namespaceLabelUpdate(namespace: NamespacePmem): Promise<void> {
  if (namespace.enabled || namespace.claim) return
  if (namespace.size === 0n && namespace.uuid) return pmemNamespaceLabelUpdate(namespace.region, namespace, 0n)
  if (!namespace.uuid) return
  return pmemNamespaceLabelUpdate(namespace.region, namespace, namespace.size)
}
