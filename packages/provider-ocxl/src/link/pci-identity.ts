import { NvdimmError } from '@nvdimm/core'

/** PCI_VENDOR_ID_IBM and the ocxlpmem card's device id: the only entry of the driver's pci_tbl. */
export const PCI_VENDOR_ID_IBM = 0x1014
export const OCXL_PMEM_DEVICE_ID = 0x0625

export interface PciFunction {
  vendor: number
  device: number
  /** PCI_FUNC(devfn) */
  fn: number
}

/** What the driver does with a PCI function: bind the memory (1), open for bandwidth only (0), or pass. */
export type PciRole = 'memory' | 'bandwidth' | 'ignored'

/**
 * The series' probe(): function 0 only gets its bandwidth set up ("important as it allows
 * other functions to be used"); function 1 holds the memory; anything else is not ours.
 */
export function ocxlPciRole(fn: PciFunction): PciRole {
  if (fn.vendor !== PCI_VENDOR_ID_IBM || fn.device !== OCXL_PMEM_DEVICE_ID) return 'ignored'
  if (fn.fn === 0) return 'bandwidth'
  return fn.fn === 1 ? 'memory' : 'ignored'
}

/** The bus of card N: ocxlpmem0 … ocxlpmem255 (OCXL_PMEM_MAX_DEVS minor numbers). */
export const OCXL_PMEM_MAX_DEVS = 256

export function ocxlPmemName(id: number): string {
  if (!Number.isInteger(id) || id < 0 || id >= OCXL_PMEM_MAX_DEVS) {
    // idr_alloc() over the minor numbers runs out: ENOSPC.
    throw new NvdimmError('ENOSPC', `card ${id} is beyond ocxlpmem${OCXL_PMEM_MAX_DEVS - 1}: no minor number left`)
  }
  return `ocxlpmem${id}`
}
