/**
 * The SCM devices a pseries kernel finds in its device tree. pseries/pmem.c probes the root's
 * children whose device_type is "ibm,persistent-memory" (of_platform_bus_probe(), skipping
 * nodes whose status is not "okay"), and papr_scm binds the children compatible with
 * "ibm,pmemory" or "ibm,pmemory-v2" (papr_scm_match[]). papr_scm_probe() then reads the
 * properties below, refusing a node that lacks a required one with -ENODEV and its message.
 */
import { NvdimmError } from '@nvdimm/core'
import {
  childPath,
  hasProperty,
  isNodeAvailable,
  propertyCells,
  propertyString,
  propertyStrings,
  propertyU32,
  propertyU64,
} from './dt-node.js'
import type { DtNode, DtNodeAt } from './dt-node.js'

/** pseries/pmem.c drc_pmem_match[]: the container's device_type. */
export const PMEM_CONTAINER_DEVICE_TYPE = 'ibm,persistent-memory'

/** papr_scm.c papr_scm_match[]. */
export const PAPR_SCM_COMPATIBLES: readonly string[] = ['ibm,pmemory', 'ibm,pmemory-v2']

/** One `ibm,pmemory` node as papr_scm_probe() reads it. */
export interface PaprScmNode {
  /** The node's full path, as %pOF prints it in the kernel's messages. */
  path: string
  /** `ibm,pmemory@90000000` */
  name: string
  compatible: string[]
  /** ibm,my-drc-index: the DRC index every hcall names the device by. */
  drcIndex: number
  /** ibm,block-size (u64): the unit H_SCM_BIND_MEM maps. */
  blockSize: bigint
  /** ibm,number-of-blocks (u64) */
  blockCount: bigint
  /** ibm,unit-guid as written (QEMU: the device's uuid=, lower case); the interleave-set cookies come from it. */
  unitGuid: string
  /** ibm,metadata-size: the label area behind H_SCM_READ/WRITE_METADATA; optional. */
  metadataSize?: number
  /** ibm,cache-flush-required present. */
  cacheFlushRequired: boolean
  /** papr_scm: is_volatile = !ibm,cache-flush-required, so the region is created volatile. */
  isVolatile: boolean
  /** ibm,hcall-flush-required: flushes go through H_SCM_FLUSH (the region is ND_REGION_ASYNC). */
  hcallFlushRequired: boolean
  /** ibm,associativity cells (first cell = the number of domains that follow). */
  numaAssociativity?: number[]
  /** ibm,persistence-failed-count (u64): papr_scm's dirty_shutdown_counter, 0 when absent. */
  persistenceFailedCount?: bigint
}

function missing(path: string, what: string): NvdimmError {
  return new NvdimmError('ENODEV', `${path}: missing ${what}!`)
}

/**
 * papr_scm_probe()'s reads, in its order. A value too short for its type is missing, as
 * of_property_read_u32/u64() and of_property_read_string() report it.
 */
export function parsePaprScmNode(node: DtNode, path: string): PaprScmNode {
  const drcIndex = propertyU32(node, 'ibm,my-drc-index')
  if (drcIndex === undefined) throw missing(path, 'drc-index')
  const blockSize = propertyU64(node, 'ibm,block-size')
  if (blockSize === undefined) throw missing(path, 'block-size')
  const blockCount = propertyU64(node, 'ibm,number-of-blocks')
  if (blockCount === undefined) throw missing(path, 'number-of-blocks')
  const unitGuid = propertyString(node, 'ibm,unit-guid')
  if (unitGuid === undefined) throw missing(path, 'unit-guid')

  const cacheFlushRequired = hasProperty(node, 'ibm,cache-flush-required')
  const parsed: PaprScmNode = {
    path,
    name: node.name,
    compatible: propertyStrings(node, 'compatible') ?? [],
    drcIndex,
    blockSize,
    blockCount,
    unitGuid,
    cacheFlushRequired,
    isVolatile: !cacheFlushRequired,
    hcallFlushRequired: hasProperty(node, 'ibm,hcall-flush-required'),
  }
  const metadataSize = propertyU32(node, 'ibm,metadata-size')
  if (metadataSize !== undefined) parsed.metadataSize = metadataSize
  const associativity = propertyCells(node, 'ibm,associativity')
  if (associativity !== undefined) parsed.numaAssociativity = associativity
  const failed = propertyU64(node, 'ibm,persistence-failed-count')
  if (failed !== undefined) parsed.persistenceFailedCount = failed
  return parsed
}

/** The nodes papr_scm would be offered, in tree order. */
export function findPaprScmNodes(tree: DtNode): DtNodeAt[] {
  const found: DtNodeAt[] = []
  for (const container of tree.children) {
    if (propertyString(container, 'device_type') !== PMEM_CONTAINER_DEVICE_TYPE || !isNodeAvailable(container)) continue
    const containerPath = childPath('/', container.name)
    for (const node of container.children) {
      const compatible = propertyStrings(node, 'compatible') ?? []
      if (!isNodeAvailable(node) || !compatible.some((entry) => PAPR_SCM_COMPATIBLES.includes(entry))) continue
      found.push({ node, path: childPath(containerPath, node.name) })
    }
  }
  return found
}

/** Every SCM device of the tree; the first node papr_scm_probe() would refuse throws ENODEV. */
export function parsePmemoryNodes(tree: DtNode): PaprScmNode[] {
  return findPaprScmNodes(tree).map(({ node, path }) => parsePaprScmNode(node, path))
}
