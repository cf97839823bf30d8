/**
 * A minimal pseries LPAR tree around the SCM devices: the root as QEMU's spapr_build_fdt()
 * starts it, the PMEM dynamic-reconfiguration connectors (spapr_dt_drc(): one per DIMM slot),
 * `/chosen`, and `/ibm,persistent-memory`. Enough for papr_scm's view of the platform; the
 * CPUs, memory, RTAS and PCI of a real QEMU tree are left out. Properties are stored in the
 * reverse of the order QEMU sets them, as libfdt does.
 */
import { NvdimmError } from '@nvdimm/core'
import type { DtNode } from './dt-node.js'
import { cellsValue, dtProperty, latin1ToBytes, stringValue } from './dt-property.js'
import type { DtProperty } from './dt-property.js'
import {
  DRC_INDEX_ID_MASK,
  DRC_INDEX_TYPE_SHIFT,
  SPAPR_DR_CONNECTOR_TYPE_SHIFT_PMEM,
  buildPseriesPmemNodes,
  normalizeUnitGuid,
  pmemDrcIndex,
} from './spapr-nvdimm-nodes.js'
import type { SpaprNvdimmDevice } from './spapr-nvdimm-nodes.js'

export interface PseriesTreeOptions {
  /** DIMM slots (-m slots=N): one PMEM DRC each. Default: enough for the devices given. */
  slots?: number
  /** vm,uuid (-uuid); QEMU writes zeros when none is set. */
  vmUuid?: string
  /** /chosen/bootargs, when given. */
  bootargs?: string
}

/** spapr_dt_drc(): a drc-power-domains entry of -1 means hot-pluggable with no power domain. */
const DRC_NO_POWER_DOMAIN = 0xffff_ffff
const NIL_UUID = '00000000-0000-0000-0000-000000000000'

function pmemSlot(drcIndex: number): number {
  if (Math.floor(drcIndex / 2 ** DRC_INDEX_TYPE_SHIFT) !== SPAPR_DR_CONNECTOR_TYPE_SHIFT_PMEM)
    throw new NvdimmError('EINVAL', `DRC index 0x${drcIndex.toString(16)} is not a PMEM connector (0x9xxxxxxx)`)
  return drcIndex & DRC_INDEX_ID_MASK
}

/** A count cell followed by NUL-terminated strings: the layout of ibm,drc-names and ibm,drc-types. */
function countedStrings(strings: readonly string[]): Uint8Array {
  const parts = strings.map((text) => latin1ToBytes(`${text}\0`, 'DRC string'))
  const bytes = new Uint8Array(4 + parts.reduce((sum, part) => sum + part.length, 0))
  new DataView(bytes.buffer).setUint32(0, strings.length)
  let at = 4
  for (const part of parts) {
    bytes.set(part, at)
    at += part.length
  }
  return bytes
}

/** The four ibm,drc-* properties for PMEM slots 0…slots-1, in the order spapr_dt_drc() sets them. */
function pmemDrcProperties(slots: number): DtProperty[] {
  const ids = Array.from({ length: slots }, (_, slot) => slot)
  return [
    dtProperty('ibm,drc-indexes', cellsValue(slots, ...ids.map(pmemDrcIndex))),
    dtProperty('ibm,drc-power-domains', cellsValue(slots, ...ids.map(() => DRC_NO_POWER_DOMAIN))),
    dtProperty('ibm,drc-names', countedStrings(ids.map((slot) => `PMEM ${slot}`))),
    dtProperty('ibm,drc-types', countedStrings(ids.map(() => 'PMEM'))),
  ]
}

export function buildPseriesTree(devices: readonly SpaprNvdimmDevice[], options: PseriesTreeOptions = {}): DtNode {
  const used = devices.map((device) => pmemSlot(device.drcIndex))
  const slots = options.slots ?? (used.length === 0 ? 0 : Math.max(...used) + 1)
  if (!Number.isInteger(slots) || slots < 0 || slots > DRC_INDEX_ID_MASK)
    throw new NvdimmError('EINVAL', `slots ${slots} is not a slot count`)
  const beyond = used.find((slot) => slot >= slots)
  if (beyond !== undefined)
    throw new NvdimmError('EINVAL', `a device sits in PMEM slot ${beyond}, but the machine has ${slots} slots`)

  const root: DtProperty[] = [
    dtProperty('device_type', stringValue('chrp')),
    dtProperty('model', stringValue('IBM pSeries (emulated by qemu)')),
    dtProperty('compatible', stringValue('qemu,pseries')),
    dtProperty('vm,uuid', stringValue(normalizeUnitGuid(options.vmUuid ?? NIL_UUID))),
    dtProperty('#address-cells', cellsValue(2)),
    dtProperty('#size-cells', cellsValue(2)),
    ...pmemDrcProperties(slots),
  ]
  const chosen: DtProperty[] =
    options.bootargs === undefined ? [] : [dtProperty('bootargs', stringValue(options.bootargs))]
  return {
    name: '',
    properties: root.reverse(),
    // /chosen is created before the persistent-memory container, so it follows it.
    children: [buildPseriesPmemNodes(devices), { name: 'chosen', properties: chosen, children: [] }],
  }
}
