import { NvdimmError } from '../errors.js'
import type { Nvdimm } from '../subsystem.js'
import { hex, SZ_2M, SZ_4K } from '../units.js'
import type { FirmwareMemmapEntry } from './firmware-memmap.js'

/** A System RAM resource of the running kernel (walk_system_ram_res()). */
export interface SystemRamRange {
  start: bigint
  /** Inclusive. */
  end: bigint
  name: string
  driverManaged: boolean
}

export interface KexecSegment {
  name: string
  start: bigint
  size: bigint
}

export interface KexecPlan {
  kind: 'kexec' | 'kdump'
  /**
   * The memory map the next kernel boots with: kexec_load() hands over /sys/firmware/memmap,
   * so driver-managed RAM is not in it and its dax device is back to devdax after the jump.
   */
  memmap: FirmwareMemmapEntry[]
  /** kexec: where the images go, top-down in System RAM that is not driver-managed. */
  segments: KexecSegment[]
  /** kexec: System RAM passed over for the images because a driver manages it. */
  skipped: SystemRamRange[]
  /** kdump: what the vmcore covers: every System RAM range, driver-managed included. */
  dump: SystemRamRange[]
}

function subtract(
  ranges: readonly { start: bigint; end: bigint }[],
  hole: { start: bigint; end: bigint },
): { start: bigint; end: bigint }[] {
  return ranges.flatMap((range) => {
    if (hole.end < range.start || range.end < hole.start) return [range]
    const pieces = []
    if (range.start < hole.start) pieces.push({ start: range.start, end: hole.start - 1n })
    if (hole.end < range.end) pieces.push({ start: hole.end + 1n, end: range.end })
    return pieces
  })
}

/**
 * The kernel's System RAM: the firmware's, less what memmap= turned into persistent memory,
 * plus what was hot-added (kmem's "System RAM (kmem)" among it).
 */
export function systemRam(nd: Nvdimm): SystemRamRange[] {
  const hotAdded = (entry: FirmwareMemmapEntry) =>
    nd.memory.firmwareEntries.some((added) => added.start === entry.start && added.end === entry.end)
  let boot: { start: bigint; end: bigint }[] = nd
    .firmwareMemmap()
    .filter((entry) => entry.type === 'System RAM' && !hotAdded(entry))
  for (const region of nd.regions) {
    boot = subtract(boot, { start: region.resource.start, end: region.resource.start + region.resource.size - 1n })
  }
  return [
    ...boot.map((range) => ({ ...range, name: 'System RAM', driverManaged: false })),
    ...nd.memory.resources.map(({ start, end, name, driverManaged }) => ({ start, end, name, driverManaged })),
  ].sort((a, b) => (a.start < b.start ? -1 : 1))
}

/**
 * What a kexec (or, with `kdump`, a crash into the capture kernel) would do with memory now:
 * kexec_file's locate_mem_hole_callback() skips IORESOURCE_SYSRAM_DRIVER_MANAGED ranges and
 * places each segment top-down; kdump's ELF headers cover all System RAM.
 */
export function planKexec(
  nd: Nvdimm,
  options: { kdump?: boolean; kernelSize?: bigint; initrdSize?: bigint } = {},
): KexecPlan {
  const ram = systemRam(nd)
  const memmap = nd.firmwareMemmap()
  if (options.kdump) return { kind: 'kdump', memmap, segments: [], skipped: [], dump: ram }
  const usable = ram.filter((range) => !range.driverManaged).map((range) => ({ ...range }))
  const wanted = [
    { name: 'kernel', size: options.kernelSize ?? 16n << 20n, align: SZ_2M },
    { name: 'initrd', size: options.initrdSize ?? 32n << 20n, align: SZ_4K },
    { name: 'boot-params', size: SZ_4K, align: SZ_4K },
  ]
  const segments: KexecSegment[] = []
  for (const segment of wanted) {
    const size = ((segment.size + SZ_4K - 1n) / SZ_4K) * SZ_4K
    const hole = [...usable].reverse().find((range) => {
      const start = ((range.end + 1n - size) / segment.align) * segment.align
      return range.end + 1n >= size && start >= range.start
    })
    if (!hole) {
      throw new NvdimmError(
        'ENOSPC',
        `kexec: no ${hex(size)} hole for the ${segment.name} in System RAM that is not driver-managed`,
      )
    }
    const start = ((hole.end + 1n - size) / segment.align) * segment.align
    segments.push({ name: segment.name, start, size })
    hole.end = start - 1n
  }
  return { kind: 'kexec', memmap, segments, skipped: ram.filter((range) => range.driverManaged), dump: [] }
}
