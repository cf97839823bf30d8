import { isNvdimmError, NvdimmError } from '../errors.js'
import {
  copyIndex,
  indexNslot,
  isFree,
  labelOffsetOf,
  reserveLabelDpa,
  validateLabelArea,
} from '../namespace/label/label-store.js'
import { DimmCmd } from '../provider/commands.js'
import { DimmDrvdata } from './dimm-drvdata.js'
import { markLockedWithoutLabels, nvdimmSecurityUnlock, refuseLockedLabels } from './dimm-security.js'
import type { KeyStore } from './key-store.js'
import type { Dimm } from './dimm.js'

/**
 * The nvdimm driver (drivers/nvdimm/dimm.c nvdimm_probe(), label.c nd_label_data_init()):
 * binding a dimm reads its label area through the provider's config commands, finds the
 * current index and reserves the DPA every active label claims.
 */

/** nd_label_data_init(): read the index blocks, validate them, then read the in-use slots. */
async function loadLabelArea(ndd: DimmDrvdata): Promise<void> {
  const { nsarea } = ndd
  const { logger } = ndd.dimm.bus.ctx
  if (nsarea.status !== 0 || nsarea.maxXfer === 0 || nsarea.configSize === 0) {
    throw new NvdimmError(
      'ENXIO',
      `${ndd.dimm.name}: failed to init config data area: (${nsarea.maxXfer}:${nsarea.configSize})`,
    )
  }
  ndd.nslabelSize = 128
  let readSize = 2 * ndd.indexSize
  if (readSize === 0) {
    throw new NvdimmError(
      'ENXIO',
      `${ndd.dimm.name}: label area (${nsarea.configSize}) too small to host (128 byte) labels`,
    )
  }
  ndd.data = new Uint8Array(nsarea.configSize)
  // Trim max_xfer so the transfers divide the area evenly (only the command count changes).
  let maxXfer = Math.min(nsarea.maxXfer, nsarea.configSize)
  if (readSize < maxXfer) {
    maxXfer -= Math.floor((maxXfer - 1 - ((nsarea.configSize - 1) % maxXfer)) / Math.ceil(nsarea.configSize / maxXfer))
    if (maxXfer < readSize) maxXfer = readSize
  }
  readSize = Math.min(Math.ceil(readSize / maxXfer) * maxXfer, nsarea.configSize)
  await ndd.getConfigData(0, readSize)

  ndd.nsCurrent = validateLabelArea(ndd, (message) => logger.debug(`${ndd.dimm.name}: ${message}`))
  if (ndd.nsCurrent < 0) {
    ndd.nsNext = -1
    return
  }
  ndd.nsNext = (ndd.nsCurrent + 1) % 2
  copyIndex(ndd, ndd.nsNext, ndd.nsCurrent)
  const nslot = indexNslot(ndd, ndd.nsCurrent)
  for (let slot = 0; slot < nslot; slot++) {
    const offset = labelOffsetOf(ndd, slot)
    if (offset + ndd.nslabelSize > nsarea.configSize) break
    if (isFree(ndd, ndd.nsCurrent, slot)) {
      // The kernel keeps free slots zeroed in memory, whatever the media holds.
      ndd.data.fill(0, offset, offset + ndd.nslabelSize)
      continue
    }
    if (offset + ndd.nslabelSize <= readSize) continue
    readSize = Math.max(readSize, offset)
    let n = Math.ceil((offset + ndd.nslabelSize - readSize) / maxXfer) * maxXfer
    if (readSize + n > nsarea.configSize) n = nsarea.configSize - readSize
    await ndd.getConfigData(readSize, n)
    readSize += n
  }
}

/**
 * Bind the nvdimm driver. A failure leaves the dimm disabled, with the reason logged. `keys`
 * is the keyring a locked dimm is unlocked from.
 */
export async function probeDimm(dimm: Dimm, keys?: KeyStore): Promise<void> {
  if (dimm.enabled) return
  const { logger, events } = dimm.bus.ctx
  if (!dimm.cmdMask.has(DimmCmd.GET_CONFIG_DATA)) {
    if (dimm.flags.has('labeling')) {
      logger.error(`${dimm.name}: can hold labels but its provider offers no get_config_data`)
      return
    }
    // A dimm without a label area binds with no driver data.
    markLockedWithoutLabels(dimm)
    dimm.enabled = true
    events.emit('dimm:enable', dimm)
    return
  }
  dimm.flags.delete('locked')
  const ndd = new DimmDrvdata(dimm)
  await nvdimmSecurityUnlock(dimm, keys)
  try {
    refuseLockedLabels(dimm)
    try {
      await ndd.initNsarea()
    } catch (error) {
      if (!isNvdimmError(error, 'EACCES')) throw error
      dimm.flags.add('locked')
      ndd.nsarea.status = 1
    }
    await loadLabelArea(ndd)
    logger.debug(`${dimm.name}: config data size: ${ndd.nsarea.configSize}`)
    if (ndd.nsCurrent >= 0) {
      reserveLabelDpa(ndd)
      dimm.flags.add('labeling')
    }
  } catch (error) {
    if (!(error instanceof NvdimmError)) throw error
    if (error.errno === 'EACCES') dimm.flags.add('locked')
    dimm.probeError = error
    logger.error(`nvdimm: probe of ${dimm.name} failed with error ${error.code}: ${error.message}`)
    return
  }
  dimm.drvdata = ndd
  dimm.probeError = undefined
  dimm.enabled = true
  events.emit('dimm:enable', dimm)
}

/** Unbind the nvdimm driver: refused while an enabled region uses the dimm. */
export async function removeDimm(dimm: Dimm): Promise<void> {
  if (!dimm.enabled) return
  if (dimm.busy > 0)
    throw new NvdimmError('EBUSY', `${dimm.name}: in use by an enabled region; disable the region first`)
  dimm.enabled = false
  dimm.drvdata = undefined
  dimm.bus.ctx.events.emit('dimm:disable', dimm)
}
