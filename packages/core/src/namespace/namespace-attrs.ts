import { dpaLabelId } from '../dimm/dpa.js'
import { NvdimmError } from '../errors.js'
import { unregisterNamespace } from '../region/region-driver.js'
import { hex } from '../units.js'
import { isUuid } from '../util/uuid.js'
import { growDpaAllocation, regionAllocatableDpa, shrinkDpaAllocation } from './dpa-allocator.js'
import { indexVersionOf, labelUuid } from './label/label-store.js'
import { namespaceLabelUpdate } from './label/label-update.js'
import { NSLABEL_NAME_LEN } from './label/namespace-label.js'
import { NamespacePmem } from './namespace-pmem.js'
import type { ClaimClass } from './namespace.js'
import type { Namespace } from './namespace.js'
import { setPmemResource } from './namespace-scan.js'

/**
 * The writable sysfs attributes of a namespace (drivers/nvdimm/namespace_devs.c uuid_store(),
 * alt_name_store(), size_store(), sector_size_store(), holder_class_store()): each change of
 * an idle labelled namespace is written to its labels at once.
 */

function pmemOnly(namespace: Namespace, attribute: string): NamespacePmem {
  if (!(namespace instanceof NamespacePmem)) {
    throw new NvdimmError('ENXIO', `${namespace.name}: a label-less namespace has no ${attribute} to set`)
  }
  return namespace
}

function requireIdle(namespace: Namespace): void {
  if (namespace.enabled) throw new NvdimmError('EBUSY', `${namespace.name}: is enabled; disable it first`)
  if (namespace.claim) {
    throw new NvdimmError('EBUSY', `${namespace.name}: is claimed by ${namespace.claim.name}; detach it first`)
  }
}

/** nd_is_uuid_unique(): no other namespace of the bus carries the uuid (itself included). */
function uuidInUse(namespace: NamespacePmem, uuid: string): boolean {
  return namespace.region.bus.regions.some((region) =>
    region.namespaces.some((other) => other instanceof NamespacePmem && other.uuid === uuid),
  )
}

/** uuid_store() */
export async function setNamespaceUuid(namespace: Namespace, text: string): Promise<void> {
  const ns = pmemOnly(namespace, 'uuid')
  requireIdle(ns)
  const trimmed = text.trim()
  if (!isUuid(trimmed)) throw new NvdimmError('EINVAL', `${ns.name}: '${text}' is not a uuid`)
  const uuid = trimmed.toLowerCase()
  if (uuidInUse(ns, uuid))
    throw new NvdimmError('EINVAL', `${ns.name}: uuid ${uuid} is already in use on ${ns.region.bus.name}`)
  const old = ns.uuid
  if (old !== undefined) {
    // namespace_update_uuid(): a rename renames the DPA and reaps the old labels at the next update.
    if (ns.region.mappingLabels.some((list) => list.length === 0)) {
      throw new NvdimmError('EBUSY', `${ns.name}: cannot rename before every dimm of ${ns.region.name} holds a label`)
    }
    ns.region.mappings.forEach((mapping, index) => {
      const ndd = mapping.dimm.drvdata
      if (!ndd) return
      for (const res of ndd.dpa.named(dpaLabelId(old))) res.name = dpaLabelId(uuid)
      for (const ent of ns.region.mappingLabels[index]!) {
        if (ent.slot !== undefined && labelUuid(ndd, ent.slot) === old) ent.reap = true
      }
    })
  }
  ns.uuid = uuid
  await namespaceLabelUpdate(ns)
}

/** alt_name_store(): at most 63 characters once surrounding whitespace is trimmed. */
export async function setNamespaceName(namespace: Namespace, text: string): Promise<void> {
  const ns = pmemOnly(namespace, 'alt_name')
  requireIdle(ns)
  const name = text.trim()
  if (new TextEncoder().encode(name).length + 1 > NSLABEL_NAME_LEN) {
    throw new NvdimmError('EINVAL', `${ns.name}: name '${name}' is longer than ${NSLABEL_NAME_LEN - 1} bytes`)
  }
  ns.altName = name
  await namespaceLabelUpdate(ns)
}

/**
 * size_store(): allocate or release DPA on every mapping. Size 0 deletes the namespace's
 * labels and its uuid, and removes the device unless it is namespaceR.0 or the seed.
 */
export async function setNamespaceSize(namespace: Namespace, size: bigint): Promise<void> {
  const ns = pmemOnly(namespace, 'size')
  requireIdle(ns)
  const region = ns.region
  if (!ns.uuid) throw new NvdimmError('ENXIO', `${ns.name}: uuid not set`)
  if (region.mappings.length === 0) throw new NvdimmError('ENXIO', `${ns.name}: not associated with dimm(s)`)
  if (size % region.align !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      `${ns.name}: ${size} is not ${region.align / 1024n}K aligned (${region.name} align ${hex(region.align)})`,
    )
  }
  const labelId = dpaLabelId(ns.uuid)
  let allocated = 0n
  for (const mapping of region.mappings) {
    const ndd = mapping.dimm.enabled ? mapping.dimm.drvdata : undefined
    if (!ndd) throw new NvdimmError('ENXIO', `${ns.name}: ${mapping.dimm.name} is not enabled`)
    allocated += ndd.dpa.allocated(labelId)
  }
  const available = regionAllocatableDpa(region)
  if (size > available + allocated) {
    throw new NvdimmError(
      'ENOSPC',
      `${ns.name}: ${hex(size)} requested, ${region.name} has ${hex(available)} free in one piece`,
    )
  }
  if (size !== allocated) {
    const ways = BigInt(region.mappings.length)
    const perDimm = size / ways
    const held = allocated / ways
    if (perDimm < held) shrinkDpaAllocation(region, labelId, held - perDimm)
    else growDpaAllocation(region, labelId, perDimm - held)
    setPmemResource(ns, perDimm * ways)
    if (perDimm === 0n && ns.id !== 0 && region.nsSeed !== ns) unregisterNamespace(ns)
  }
  await namespaceLabelUpdate(ns)
  if (size === 0n) ns.uuid = undefined
}

/** sector_size_store(): 512 or 4096. */
export async function setNamespaceSectorSize(namespace: Namespace, size: number): Promise<void> {
  const ns = pmemOnly(namespace, 'sector_size')
  requireIdle(ns)
  if (size !== 512 && size !== 4096)
    throw new NvdimmError('EINVAL', `${ns.name}: sector size ${size} is not one of 512 4096`)
  ns.lbasize = BigInt(size)
  await namespaceLabelUpdate(ns)
}

/** btt_claim_class(): BTT 1.1 beside v1.1 labels (or none at all), BTT 2.0 beside v1.2 (or none yet). */
function bttClaimClass(ns: Namespace): ClaimClass {
  let seen = 0
  for (const mapping of ns.region.mappings) {
    const ndd = mapping.dimm.drvdata
    if (!ndd) return 'btt'
    if (ndd.nsCurrent < 0) seen |= 1
    else {
      const version = indexVersionOf(ndd, ndd.nsCurrent)
      seen |= version.major === 1 && version.minor === 1 ? 2 : 4
    }
  }
  if (seen === 0 || seen === 2) return 'btt'
  if (seen === 1 || seen === 4) return 'btt2'
  throw new NvdimmError('ENXIO', `${ns.name}: its dimms mix label versions; cannot pick a BTT layout`)
}

/**
 * holder_class_store(): "btt", "pfn", "dax" or "" (raw). A label-less namespace keeps the class
 * in memory and still fails with ENXIO, having no label to record it in (ndctl ignores that).
 */
export async function setNamespaceHolderClass(namespace: Namespace, holder: string): Promise<void> {
  requireIdle(namespace)
  const value = holder.trim()
  const classes: Record<string, () => ClaimClass> = {
    btt: () => bttClaimClass(namespace),
    pfn: () => 'pfn',
    dax: () => 'dax',
    '': () => 'none',
  }
  const pick = classes[value]
  if (!pick) {
    throw new NvdimmError('EINVAL', `${namespace.name}: holder class '${value}' is not one of btt, pfn, dax or empty`)
  }
  namespace.claimClass = pick()
  await namespaceLabelUpdate(pmemOnly(namespace, 'holder_class label'))
}
