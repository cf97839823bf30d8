import { daxDeviceName } from '../data/dax-device.js'
import { NvdimmError } from '../errors.js'
import { namespaceMedia } from '../namespace/nsio.js'
import { NamespacePmem } from '../namespace/namespace-pmem.js'
import type { Namespace } from '../namespace/namespace.js'
import { checkNamespaceProbe } from '../namespace/pmem-driver.js'
import { probePfn, pfnDriverName, setupPfn } from '../pfn/pfn-driver.js'
import { advanceSeeds } from '../region/region-driver.js'
import { attachBtt, probeBtt } from './btt-driver.js'
import type { ClaimDevice } from './claim-device.js'
import { setClaimNamespace, setClaimUuid, setPfnAlign, setPfnMode } from './claim-attrs.js'
import { detachAndReset } from './claim-registry.js'
import { NdBtt } from './nd-btt.js'
import { NdPfn } from './nd-pfn.js'

/**
 * Binding and unbinding btt, pfn and dax devices, and nd_pmem_probe()'s search for a
 * personality on a namespace being enabled: btt first, then pfn, then dax.
 */

function driverName(device: ClaimDevice): string {
  return device instanceof NdPfn ? pfnDriverName(device) : 'nd_pmem'
}

const INFO_BLOCK_RESERVE = 8192
// One buffer for every probe: they read it synchronously and keep copies of what they find.
const headScratch = new Uint8Array(INFO_BLOCK_RESERVE)

/** The first 8 KiB of a namespace (less if it is smaller), as the personality probes may read them. */
function readNamespaceHead(namespace: Namespace): Uint8Array {
  const media = namespaceMedia(namespace)
  const head = headScratch.subarray(
    0,
    Number(media.size < BigInt(INFO_BLOCK_RESERVE) ? media.size : INFO_BLOCK_RESERVE),
  )
  media.read(0n, head)
  return head
}

/** Bind the device's driver; already bound is success. */
export async function enableClaim(device: ClaimDevice): Promise<void> {
  if (device.enabled) return
  const region = device.region
  const { events, logger } = region.bus.ctx
  if (!region.enabled) throw new NvdimmError('ENXIO', `${device.name}: ${region.name} is disabled`)
  try {
    const namespace = device.namespace
    if (!namespace) throw new NvdimmError('ENODEV', `${device.name}: no namespace to claim`)
    checkNamespaceProbe(namespace, device)
    if (device instanceof NdBtt) attachBtt(device)
    else if (device instanceof NdPfn) setupPfn(device)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    device.probeError = error
    const quiet = error.errno === 'ENODEV' || error.errno === 'ENXIO'
    const log = quiet ? logger.debug : logger.error
    log(`${driverName(device)} ${error.message}`)
    log(`${driverName(device)}: probe of ${device.name} failed with error ${error.code}`)
    events.emit('claim:probe-error', device, error)
    throw error
  }
  device.probeError = undefined
  device.enabled = true
  events.emit('claim:enable', device)
  await advanceSeeds(region, device)
}

/** Unbind the driver: the device keeps its configuration and its claim. */
export async function disableClaim(device: ClaimDevice): Promise<void> {
  if (!device.enabled) return
  const namespace = device.namespace
  // Unbinding dax_pmem removes the dax device: kmem lets go of its memory first (EBUSY while online).
  if (device instanceof NdPfn && device.kind === 'dax' && namespace) {
    device.region.bus.ctx.kmem.remove(daxDeviceName(namespace))
  }
  device.enabled = false
  if (device instanceof NdBtt) device.btt = undefined
  if (device instanceof NdPfn) device.info = undefined
  device.region.bus.ctx.events.emit('claim:disable', device)
}

/** ndctl_{btt,pfn,dax}_delete(): unbind, then detach (a device that is not the seed goes away). */
export async function deleteClaim(device: ClaimDevice): Promise<void> {
  await disableClaim(device)
  detachAndReset(device)
}

/**
 * The personality part of nd_pmem_probe(): the device a namespace's metadata names, bound;
 * undefined when there is none (the namespace attaches raw). EOPNOTSUPP from pfn / dax
 * validation is passed on: the namespace then stays disabled.
 */
export async function probePersonality(namespace: Namespace): Promise<ClaimDevice | undefined> {
  if (namespace.forceRaw) return undefined
  // devm_namespace_enable(…, nd_info_block_reserve()): the probes see the first 8 KiB only.
  const head = readNamespaceHead(namespace)
  const device = probeBtt(namespace, head) ?? probePfn(namespace, 'pfn', head) ?? probePfn(namespace, 'dax', head)
  if (!device) return undefined
  try {
    await enableClaim(device)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
  }
  return device
}

/**
 * Bring back a devdax namespace with map none after a restart: configure the region's dax
 * seed as ndctl did and bind it. False (probe as usual) when the namespace changed meanwhile.
 */
export async function restoreDevdaxNone(
  namespace: Namespace,
  saved: { uuid: string; align: bigint; namespaceUuid?: string },
): Promise<boolean> {
  const current = namespace instanceof NamespacePmem ? namespace.uuid : undefined
  const dax = namespace.region.seeds.dax
  if (!dax || current !== saved.namespaceUuid) return false
  try {
    setClaimUuid(dax, saved.uuid)
    setPfnMode(dax, 'none')
    setPfnAlign(dax, saved.align)
    setClaimNamespace(dax, namespace.name)
    await enableClaim(dax)
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    if (dax.namespace) detachAndReset(dax)
    return false
  }
  return true
}
