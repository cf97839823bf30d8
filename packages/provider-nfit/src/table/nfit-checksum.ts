/**
 * The ACPI table checksum: every byte of the table, the checksum byte included, sums to 0
 * mod 256 (ACPI 6.4 §5.2.6; ACPICA AcpiTbChecksum, ndctl acpi.h acpi_checksum).
 */

/** Offset of the checksum byte in the ACPI table header. */
export const ACPI_CHECKSUM_OFFSET = 9

/** Sum of the first `length` bytes, mod 256. */
export function acpiTableSum(bytes: Uint8Array, length = bytes.length): number {
  let sum = 0
  const end = Math.min(length, bytes.length)
  for (let i = 0; i < end; i++) sum += bytes[i]!
  return sum & 0xff
}

/** The checksum byte that makes the first `length` bytes sum to 0, whatever the byte holds now. */
export function acpiChecksumFor(bytes: Uint8Array, length = bytes.length): number {
  const others = (acpiTableSum(bytes, length) - (bytes[ACPI_CHECKSUM_OFFSET] ?? 0)) & 0xff
  return (0x100 - others) & 0xff
}

/** Rewrites the checksum byte in place so the table sums to 0; returns the new byte. */
export function fixAcpiChecksum(bytes: Uint8Array, length = bytes.length): number {
  const checksum = acpiChecksumFor(bytes, length)
  bytes[ACPI_CHECKSUM_OFFSET] = checksum
  return checksum
}
