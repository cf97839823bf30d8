import { BTT_SECTOR_SIZES } from '../btt/btt-info-block.js'
import { NvdimmError } from '../errors.js'
import { hex, SZ_16M } from '../units.js'
import { isUuid } from '../util/uuid.js'
import type { ClaimDevice } from './claim-device.js'
import { attachNamespace, detachAndReset } from './claim-registry.js'
import { NdBtt } from './nd-btt.js'
import { NdPfn, type PfnLocation } from './nd-pfn.js'

/**
 * The writable sysfs attributes of btt, pfn and dax devices (btt_devs.c, pfn_devs.c,
 * claim.c nd_namespace_store()): all refused with EBUSY while the device is bound.
 */

function requireUnbound(device: ClaimDevice): void {
  if (device.enabled) throw new NvdimmError('EBUSY', `${device.name}: is enabled; disable it first`)
}

/** nd_uuid_store() */
export function setClaimUuid(device: ClaimDevice, text: string): void {
  requireUnbound(device)
  const value = text.replace(/[\n\0]$/, '')
  if (!isUuid(value)) throw new NvdimmError('EINVAL', `${device.name}: '${text}' is not a uuid`)
  device.uuid = value.toLowerCase()
}

/**
 * mode_store(): only the first len-1 bytes are compared with "pmem", "ram", "none" in turn, so
 * a prefix selects the first match (a 1-byte write picks pmem), as the kernel does.
 */
export function setPfnMode(device: NdPfn, text: string): void {
  requireUnbound(device)
  const compared = Math.max(0, text.length - 1)
  const matches = (word: string) => {
    const head = text.slice(0, compared)
    return (word + '\n').startsWith(head) || word.startsWith(head)
  }
  const mode = (['pmem', 'ram', 'none'] as PfnLocation[]).find(matches)
  if (!mode) throw new NvdimmError('EINVAL', `${device.name}: mode '${text.trim()}' is not one of pmem, ram, none`)
  device.mode = mode
}

/** align_store(): one of supported_alignments. */
export function setPfnAlign(device: NdPfn, align: bigint): void {
  requireUnbound(device)
  const supported = device.region.bus.ctx.arch.supportedAlignments
  if (!supported.includes(align)) {
    throw new NvdimmError(
      'EINVAL',
      `${device.name}: align ${align} is not one of the supported alignments ${supported.join(' ')}`,
    )
  }
  device.align = align
}

/** sector_size_store() of a btt: one of the sizes BTT supports. */
export function setBttSectorSize(device: NdBtt, size: number): void {
  requireUnbound(device)
  if (!BTT_SECTOR_SIZES.includes(size)) {
    throw new NvdimmError('EINVAL', `${device.name}: sector size ${size} is not one of ${BTT_SECTOR_SIZES.join(' ')}`)
  }
  device.lbasize = size
}

/** Which devices a namespace's holder_class lets claim it. */
function classAllows(device: ClaimDevice, claimClass: string): boolean {
  switch (claimClass) {
    case 'none':
      return true
    case 'btt':
    case 'btt2':
      return device instanceof NdBtt
    case 'pfn':
      return device.kind === 'pfn'
    case 'dax':
      return device.kind === 'dax'
    default:
      return false
  }
}

/** nd_namespace_store(): attach a namespace of the same region by name, or detach with "". */
export function setClaimNamespace(device: ClaimDevice, text: string): void {
  requireUnbound(device)
  const name = text.trim()
  if (name !== '' && !name.startsWith('namespace')) {
    throw new NvdimmError('EINVAL', `${device.name}: '${name}' is not a namespace name`)
  }
  if (name === '') {
    detachAndReset(device)
    return
  }
  if (device.namespace) {
    throw new NvdimmError('EBUSY', `${device.name}: namespace already set to: ${device.namespace.name}`)
  }
  const namespace = device.region.namespaces.find((ns) => ns.name === name)
  if (!namespace) throw new NvdimmError('ENODEV', `${device.name}: '${name}' not found under ${device.region.name}`)
  if (!classAllows(device, namespace.claimClass)) {
    throw new NvdimmError(
      'EBUSY',
      `${device.name}: ${name} is reserved for a ${namespace.claimClass} personality (holder_class)`,
    )
  }
  if (namespace.size < SZ_16M) {
    throw new NvdimmError('ENXIO', `${device.name}: ${name} too small to host (${hex(namespace.size)} < 16 MiB)`)
  }
  attachNamespace(device, namespace)
}
