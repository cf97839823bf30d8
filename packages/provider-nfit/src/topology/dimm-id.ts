import { DCR_MFG_VALID, type NfitDcr } from '../table/nfit-types.js'

const swap16 = (value: number) => ((value & 0xff) << 8) | ((value >> 8) & 0xff)
const swap32 = (value: number) =>
  (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0')

/**
 * The dimm's unique id as acpi_nfit_register_dimms() prints it: the DCR fields go through
 * be16_to_cpu()/be32_to_cpu() on a little-endian host, so QEMU's vendor 0x8086 and serial
 * 0x123456 read "8680-56341200".
 */
export function nfitDimmId(dcr: NfitDcr): string {
  const vendor = hex(swap16(dcr.vendorId), 4)
  const serial = hex(swap32(dcr.serialNumber), 8)
  if (dcr.validFields & DCR_MFG_VALID) {
    return `${vendor}-${hex(dcr.manufacturingLocation, 2)}-${hex(swap16(dcr.manufacturingDate), 4)}-${serial}`
  }
  return `${vendor}-${serial}`
}
