import type { ArchProfile } from '../arch.js'
import { NvdimmError } from '../errors.js'

/**
 * The raw firmware memory map (/sys/firmware/memmap, drivers/firmware/memmap.c): what the
 * firmware handed the kernel at boot (e820_table_firmware, not the copy memmap= edits), plus
 * real DIMM hot-add (firmware_map_add_hotplug()). kexec_load builds the next kernel's map from
 * it. Driver-managed System RAM (dax/kmem) never enters it: that policy is per boot.
 */
export interface FirmwareMemmapEntry {
  start: bigint
  /** Inclusive, as the sysfs `end` file shows it. */
  end: bigint
  /** e820_type_to_string(): "System RAM", "Reserved", "Persistent Memory (legacy)", … */
  type: string
}

const KIB = 1024n

/**
 * The e820 map SeaBIOS hands a QEMU 7.2 `pc` guest with `ramSize` of memory (below 3.5 GiB all
 * of it low, else 3 GiB low and the rest above 4 GiB), as ../shared/golden/linux-6.1-e820/aligned e08 shows for -m 1G:
 * the EBDA below 640 KiB, the BIOS at 0xf0000, the last 132 KiB of low RAM and the flash below
 * 4 GiB reserved, and the 1 TiB-end HyperTransport hole QEMU reserves for -cpu max.
 */
export function qemuPcMemmap(ramSize: bigint): FirmwareMemmapEntry[] {
  // pc_init1(): from 3.5 GiB up, low memory stops at 3 GiB (gigabyte_align).
  const low = ramSize >= 0xe0000000n ? 0xc0000000n : ramSize
  const high = ramSize - low
  const entries: FirmwareMemmapEntry[] = [
    { start: 0n, end: 0x9fbffn, type: 'System RAM' },
    { start: 0x9fc00n, end: 0x9ffffn, type: 'Reserved' },
    { start: 0xf0000n, end: 0xfffffn, type: 'Reserved' },
    { start: 0x100000n, end: low - 132n * KIB - 1n, type: 'System RAM' },
    { start: low - 132n * KIB, end: low - 1n, type: 'Reserved' },
    { start: 0xfffc0000n, end: 0xffffffffn, type: 'Reserved' },
  ]
  if (high > 0n) entries.push({ start: 1n << 32n, end: (1n << 32n) + high - 1n, type: 'System RAM' })
  entries.push({ start: 0xfd00000000n, end: 0xffffffffffn, type: 'Reserved' })
  return entries
}

/** Boot memory of a pseries / powernv guest: one range from 0 (the device tree's memory@0). */
function flatMemmap(ramSize: bigint): FirmwareMemmapEntry[] {
  return [{ start: 0n, end: ramSize - 1n, type: 'System RAM' }]
}

export const DEFAULT_RAM_SIZE = 1n << 30n

export function bootMemmap(arch: ArchProfile, ramSize: bigint): FirmwareMemmapEntry[] {
  if (ramSize < 16n << 20n) {
    throw new NvdimmError('EINVAL', `memory size ${ramSize} is too small to boot: give at least 16M`)
  }
  return arch.name === 'x86_64' ? qemuPcMemmap(ramSize) : flatMemmap(ramSize)
}

/** The entries by start, as firmware_map_add_*() keeps them (and readdir numbers them). */
export function sortedMemmap(entries: readonly FirmwareMemmapEntry[]): FirmwareMemmapEntry[] {
  return [...entries].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
}

/**
 * One line per /sys/firmware/memmap/N: "PATH START END TYPE", the listing of
 * ../shared/golden/linux-6.1-e820/aligned/e08 (start and end in "%#llx").
 */
export function formatFirmwareMemmap(entries: readonly FirmwareMemmapEntry[]): string {
  const hex = (value: bigint) => (value === 0n ? '0x0' : `0x${value.toString(16)}`)
  return entries
    .map((entry, index) => `/sys/firmware/memmap/${index} ${hex(entry.start)} ${hex(entry.end)} ${entry.type}\n`)
    .join('')
}
