import { NvdimmError } from '../errors.js'
import type { Nvdimm } from '../subsystem.js'
import { hex, SZ_1G } from '../units.js'

/** Everything that already takes address space: boot memory, nvdimm and Soft Reserved ranges, hot-added RAM. */
function occupied(nd: Nvdimm): { start: bigint; end: bigint; what: string }[] {
  return [
    ...nd.firmwareMemmap().map((entry) => ({ start: entry.start, end: entry.end, what: entry.type })),
    ...nd.regions.map((region) => ({
      start: region.resource.start,
      end: region.resource.start + region.resource.size - 1n,
      what: region.name,
    })),
    ...nd.hmem.map(({ descriptor, name }) => ({
      start: descriptor.start,
      end: descriptor.start + descriptor.size - 1n,
      what: name,
    })),
    ...nd.memory.resources.map((resource) => ({ start: resource.start, end: resource.end, what: resource.name })),
  ]
}

/**
 * Where a hot-added DIMM goes: `start` if it is free, else the first 1 GiB boundary above all
 * that is there (as QEMU places pc-dimms in its device memory area). Whole memory blocks only.
 */
export function placeHotAddedMemory(nd: Nvdimm, size: bigint, start?: bigint): { start: bigint; size: bigint } {
  const block = nd.memory.blockSize
  if (size <= 0n || size % block !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      `a hot-added DIMM is whole memory blocks: ${hex(size)} is not a multiple of ${hex(block)}`,
    )
  }
  const taken = occupied(nd)
  if (start === undefined) {
    // Firmware holes (QEMU reserves 0xfd00000000 up to 1 TiB) are not memory to stack on.
    const top = taken
      .filter((range) => range.what !== 'Reserved')
      .reduce((highest, range) => (range.end > highest ? range.end : highest), 0n)
    start = ((top + SZ_1G) / SZ_1G) * SZ_1G
  }
  if (start % block !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      `a hot-added DIMM starts on a memory block: ${hex(start)} is not a multiple of ${hex(block)}`,
    )
  }
  const end = start + size - 1n
  const clash = taken.find((range) => range.start <= end && start! <= range.end)
  if (clash) {
    throw new NvdimmError(
      'EBUSY',
      `[mem ${hex(start)}-${hex(end)}] overlaps ${clash.what} [mem ${hex(clash.start)}-${hex(clash.end)}]`,
    )
  }
  return { start, size }
}
