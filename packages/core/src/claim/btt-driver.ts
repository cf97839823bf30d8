import { Btt } from '../btt/btt.js'
import { NvdimmError } from '../errors.js'
import { BufferMedia } from '../media/buffer-media.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { namespaceMedia } from '../namespace/nsio.js'
import { SZ_16M } from '../units.js'
import { NULL_UUID } from '../util/uuid.js'
import { allocClaimDevice, attachNamespace, registerClaimDevice } from './claim-registry.js'
import type { NdBtt } from './nd-btt.js'

/**
 * The sector personality (drivers/nvdimm/btt_devs.c, btt.c nvdimm_namespace_attach_btt()):
 * the claim class picks the layout, BTT 2.0 at offset 0 beside v1.2 labels, else 1.1 at 4 KiB.
 */

export function bttVersionOf(namespace: Namespace): '1.1' | '2.0' {
  return namespace.claimClass === 'btt2' ? '2.0' : '1.1'
}

function parentUuidOf(namespace: Namespace): string {
  return namespace instanceof NamespacePmem ? (namespace.uuid ?? NULL_UUID) : NULL_UUID
}

/**
 * nd_btt_probe(): a valid info block of the right version makes a btt device that claims the
 * namespace. `head` is what the probe may read: the namespace's first 8 KiB.
 */
export function probeBtt(namespace: Namespace, head: Uint8Array): NdBtt | undefined {
  if (namespace.forceRaw) return undefined
  if (!['none', 'btt', 'btt2'].includes(namespace.claimClass)) return undefined
  if (namespace.size < SZ_16M) return undefined
  const info = Btt.probe(new BufferMedia(head), bttVersionOf(namespace), parentUuidOf(namespace))
  if (!info) return undefined
  const btt = allocClaimDevice(namespace.region, 'btt')
  attachNamespace(btt, namespace)
  btt.uuid = info.uuid
  btt.lbasize = info.externalLbasize
  registerClaimDevice(btt)
  return btt
}

/** nvdimm_namespace_attach_btt(): find the arenas, or lay them out on first use. */
export function attachBtt(btt: NdBtt): void {
  const namespace = btt.namespace
  if (!btt.uuid || !namespace || !btt.lbasize) {
    throw new NvdimmError('ENODEV', `${btt.name}: incomplete btt configuration (uuid, sector_size, namespace)`)
  }
  const { logger } = namespace.region.bus.ctx
  btt.btt = Btt.attach(namespaceMedia(namespace), {
    version: bttVersionOf(namespace),
    lbasize: btt.lbasize,
    uuid: btt.uuid,
    parentUuid: parentUuidOf(namespace),
    logger: {
      debug: (message) => logger.debug(`nd_pmem ${btt.name}: ${message}`),
      info: (message) => logger.info(`nd_pmem ${btt.name}: ${message}`),
      warn: (message) => logger.warn(`nd_pmem ${btt.name}: ${message}`),
      error: (message) => logger.error(`nd_pmem ${btt.name}: ${message}`),
    },
  })
}
