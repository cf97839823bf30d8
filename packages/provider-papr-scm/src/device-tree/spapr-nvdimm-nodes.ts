/**
 * The `/ibm,persistent-memory` subtree QEMU 7.2 builds for its spapr-nvdimm devices
 * (hw/ppc/spapr_nvdimm.c spapr_dt_persistent_memory() and spapr_dt_nvdimm()). QEMU adds each
 * property with libfdt's fdt_setprop(), which inserts it first in its node, and each node with
 * fdt_add_subnode(), which inserts it first among its siblings: the blob holds both in the
 * reverse of the order the code sets them, and the last DIMM created comes first.
 */
import { NvdimmError } from '@nvdimm/core'
import type { DtNode } from './dt-node.js'
import { EMPTY_VALUE, cellsValue, dtProperty, stringValue, u64Value } from './dt-property.js'
import type { DtProperty } from './dt-property.js'
import { PMEM_CONTAINER_DEVICE_TYPE } from './pmemory-node.js'

/** spapr_drc.h: a DRC index is the connector type shift (PMEM = 9) in bits 28-31 over the slot. */
export const SPAPR_DR_CONNECTOR_TYPE_SHIFT_PMEM = 9
export const DRC_INDEX_TYPE_SHIFT = 28
export const DRC_INDEX_ID_MASK = 0x0fff_ffff
/** 0x90000000: the DRC index of PMEM slot 0. */
export const SPAPR_PMEM_DRC_BASE = SPAPR_DR_CONNECTOR_TYPE_SHIFT_PMEM * 2 ** DRC_INDEX_TYPE_SHIFT

/** spapr.h SPAPR_MINIMUM_SCM_BLOCK_SIZE = SPAPR_MEMORY_BLOCK_SIZE: 256 MiB, QEMU's ibm,block-size. */
export const SPAPR_MINIMUM_SCM_BLOCK_SIZE = 256n * 1024n * 1024n

/** spapr_numa.h: MAX_DISTANCE_REF_POINTS 4, so ibm,associativity is 5 cells before CAS. */
export const MAX_DISTANCE_REF_POINTS = 4

export const PMEM_APPLICATION = 'operating-system'

/** The node name of the container (QEMU 7.2; older releases called it `persistent-memory`). */
export const PMEM_CONTAINER_NAME = 'ibm,persistent-memory'

/** One spapr-nvdimm device as spapr_dt_nvdimm() sees it. */
export interface SpaprNvdimmDevice {
  /** pmemDrcIndex(slot) for QEMU's devices. */
  drcIndex: number
  /** The device's uuid=; written lower case, as qemu_uuid_unparse() prints it. */
  unitGuid: string
  /** Defaults to SPAPR_MINIMUM_SCM_BLOCK_SIZE, the only size QEMU writes. */
  blockSize?: bigint
  /** (backing size - label-size) / block size */
  blockCount: bigint
  /** label-size */
  metadataSize: number
  /** spapr-nvdimm: the backend is not pmem=on, or pmem-override=on. */
  hcallFlushRequired: boolean
  /** node=; 0 by default. */
  numaNode?: number
  /** The whole ibm,associativity array; by default QEMU's pre-CAS <4 0 0 0 node>. */
  associativity?: readonly number[]
}

/** PMEM DRC index of a DIMM slot: 0x90000000 + slot. */
export function pmemDrcIndex(slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot > DRC_INDEX_ID_MASK)
    throw new NvdimmError('EINVAL', `DIMM slot ${slot} is outside 0…${DRC_INDEX_ID_MASK}`)
  return SPAPR_PMEM_DRC_BASE + slot
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** qemu_uuid_parse() then qemu_uuid_unparse(): any case in, lower case out. */
export function normalizeUnitGuid(uuid: string): string {
  if (!UUID_PATTERN.test(uuid))
    throw new NvdimmError(
      'EINVAL',
      `unit-guid ${JSON.stringify(uuid)} is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`,
    )
  return uuid.toLowerCase()
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new NvdimmError('EINVAL', `${what} ${value} is not a 32-bit value`)
}

function hex(value: number): string {
  return value.toString(16)
}

/** spapr_dt_nvdimm(): one `ibm,pmemory@<drc>` node. */
export function buildPmemoryNode(device: SpaprNvdimmDevice): DtNode {
  checkU32(device.drcIndex, 'DRC index')
  checkU32(device.metadataSize, 'metadata size')
  const numaNode = device.numaNode ?? 0
  checkU32(numaNode, 'NUMA node')
  const blockSize = device.blockSize ?? SPAPR_MINIMUM_SCM_BLOCK_SIZE
  if (blockSize <= 0n) throw new NvdimmError('EINVAL', `block size ${blockSize} must be positive`)
  const associativity = device.associativity ?? [MAX_DISTANCE_REF_POINTS, 0, 0, 0, numaNode]

  // In the order spapr_dt_nvdimm() sets them; reversed below as libfdt stores them.
  const set: DtProperty[] = [
    dtProperty('reg', cellsValue(device.drcIndex)),
    dtProperty('compatible', stringValue('ibm,pmemory')),
    dtProperty('device_type', stringValue('ibm,pmemory')),
    dtProperty('ibm,associativity', cellsValue(...associativity)),
    dtProperty('ibm,unit-guid', stringValue(normalizeUnitGuid(device.unitGuid))),
    dtProperty('ibm,my-drc-index', cellsValue(device.drcIndex)),
    dtProperty('ibm,block-size', u64Value(blockSize)),
    dtProperty('ibm,number-of-blocks', u64Value(device.blockCount)),
    dtProperty('ibm,metadata-size', cellsValue(device.metadataSize)),
    dtProperty('ibm,pmem-application', stringValue(PMEM_APPLICATION)),
    dtProperty('ibm,cache-flush-required', EMPTY_VALUE),
  ]
  if (device.hcallFlushRequired) set.push(dtProperty('ibm,hcall-flush-required', EMPTY_VALUE))
  return { name: `ibm,pmemory@${hex(device.drcIndex)}`, properties: set.reverse(), children: [] }
}

/** spapr_dt_persistent_memory(): the container with a node per device, devices in creation order. */
export function buildPseriesPmemNodes(devices: readonly SpaprNvdimmDevice[]): DtNode {
  const seen = new Set<number>()
  for (const device of devices) {
    if (seen.has(device.drcIndex))
      throw new NvdimmError('EINVAL', `two devices with DRC index 0x${hex(device.drcIndex)}`)
    seen.add(device.drcIndex)
  }
  const set: DtProperty[] = [
    dtProperty('#address-cells', cellsValue(1)),
    dtProperty('#size-cells', cellsValue(0)),
    dtProperty('device_type', stringValue(PMEM_CONTAINER_DEVICE_TYPE)),
  ]
  return {
    name: PMEM_CONTAINER_NAME,
    properties: set.reverse(),
    children: devices.map(buildPmemoryNode).reverse(),
  }
}
