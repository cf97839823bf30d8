import { describe, expect, it } from 'vitest'
import {
  archProfile,
  bootMemmap,
  createNvdimm,
  defineProvider,
  formatFirmwareMemmap,
  kmemRange,
  MemoryHotplug,
  MemoryMedia,
  planKexec,
  isNvdimmError,
} from '../../src/index.js'

const MiB = 1n << 20n
const block = 128n * MiB

function errnoOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    if (isNvdimmError(error)) return error.errno
    throw error
  }
  return undefined
}

describe('memory hotplug: driver-managed RAM stays out of the firmware map', () => {
  it('adds ordinary hot-added RAM to the firmware map and driver-managed RAM only to the resource tree', () => {
    const memory = new MemoryHotplug(block)
    memory.addMemory(8n << 30n, 2n * block, 0)
    const kmem = memory.addMemoryDriverManaged(16n << 30n, 3n * block, 'System RAM (kmem)', 1)
    expect(memory.firmwareEntries).toEqual([
      { start: 8n << 30n, end: (8n << 30n) + 2n * block - 1n, type: 'System RAM' },
    ])
    expect(kmem.driverManaged).toBe(true)
    expect(kmem.blocks.map((b) => [b.name, b.state, b.node])).toEqual([
      ['memory128', 'offline', 1],
      ['memory129', 'offline', 1],
      ['memory130', 'offline', 1],
    ])
    // firmware_map_remove() finds nothing for kmem; the ordinary entry goes with its memory.
    memory.remove(kmem)
    memory.remove(memory.resources[0]!)
    expect(memory.firmwareEntries).toEqual([])
  })

  it('refuses names not of the form "System RAM ($driver)", partial blocks and overlaps', () => {
    const memory = new MemoryHotplug(block)
    expect(errnoOf(() => memory.addMemoryDriverManaged(0n, block, 'kmem', 0))).toBe('EINVAL')
    expect(errnoOf(() => memory.addMemoryDriverManaged(MiB, block, 'System RAM (kmem)', 0))).toBe('EINVAL')
    expect(errnoOf(() => memory.addMemoryDriverManaged(0n, block + MiB, 'System RAM (kmem)', 0))).toBe('EINVAL')
    memory.addMemoryDriverManaged(0n, 2n * block, 'System RAM (kmem)', 0)
    expect(errnoOf(() => memory.addMemory(block, block, 0))).toBe('EEXIST')
  })

  it('offlines movable blocks, never kernel-zone ones, and removes only offline memory', () => {
    const memory = new MemoryHotplug(block)
    const resource = memory.addMemoryDriverManaged(0n, 2n * block, 'System RAM (kmem)', 0)
    const [movable, normal] = resource.blocks as [(typeof resource.blocks)[0], (typeof resource.blocks)[0]]
    memory.online(movable, 'online_movable')
    memory.online(normal, 'online')
    expect([movable.zone, normal.zone]).toEqual(['Movable', 'Normal'])
    expect(errnoOf(() => memory.remove(resource))).toBe('EBUSY')
    memory.offline(movable)
    expect(errnoOf(() => memory.offline(normal))).toBe('EBUSY')
    expect(normal.state).toBe('online')
  })

  it('onlines new blocks at once under an auto-online policy', () => {
    const memory = new MemoryHotplug(block, 'online_movable')
    const resource = memory.addMemoryDriverManaged(0n, block, 'System RAM (kmem)', 0)
    expect(resource.blocks[0]).toMatchObject({ state: 'online', zone: 'Movable' })
  })

  it('keeps the whole blocks inside a dax range (dax_kmem_range())', () => {
    expect(kmemRange(0x101200000n, 0x3ee00000n, block)).toEqual({ start: 0x108000000n, end: 0x13fffffffn })
    expect(kmemRange(0x20400000n, 0x7c00000n, block)).toBeUndefined()
  })
})

describe('the boot firmware map', () => {
  it("is SeaBIOS's e820 for a QEMU pc guest, and one range on POWER", () => {
    expect(formatFirmwareMemmap(bootMemmap(archProfile('x86_64'), 512n * MiB))).toContain(
      '/sys/firmware/memmap/3 0x100000 0x1ffdefff System RAM\n/sys/firmware/memmap/4 0x1ffdf000 0x1fffffff Reserved\n',
    )
    const big = bootMemmap(archProfile('x86_64'), 4n << 30n)
    expect(big.filter((entry) => entry.type === 'System RAM').at(-1)).toEqual({
      start: 1n << 32n,
      end: (1n << 32n) + (1n << 30n) - 1n,
      type: 'System RAM',
    })
    expect(bootMemmap(archProfile('ppc64'), 2n << 30n)).toEqual([
      { start: 0n, end: (2n << 30n) - 1n, type: 'System RAM' },
    ])
    expect(errnoOf(() => bootMemmap(archProfile('x86_64'), MiB))).toBe('EINVAL')
  })
})

/** A subsystem with 1 GiB of pmem at 4 GiB, as a plain region (no provider flush). */
function machine(ramSize = 1n << 30n) {
  return createNvdimm({
    memory: { size: ramSize },
    providers: [
      defineProvider('plain', ({ registerBus }) => ({
        async probe() {
          const bus = registerBus({ providerName: 'plain' })
          bus.createRegion({
            type: 'pmem',
            resource: { start: 4n << 30n, size: 1n << 30n },
            media: new MemoryMedia(1n << 30n),
            mappings: [],
            numaNode: 0,
            targetNode: 0,
            flags: ['pagemap'],
            firmwareResource: 'Persistent Memory',
          })
        },
      })),
    ],
  })
}

describe('kexec and kdump', () => {
  it('places no kexec segment on driver-managed RAM, while kdump dumps it', async () => {
    const nd = machine(8n << 30n)
    await nd.start()
    // Driver-managed RAM high above everything else: a top-down search would reach it first.
    nd.memory.addMemoryDriverManaged(64n << 30n, 4n * block, 'System RAM (kmem)', 0)
    const kexec = planKexec(nd)
    expect(kexec.skipped.map((range) => range.name)).toEqual(['System RAM (kmem)'])
    for (const segment of kexec.segments) expect(segment.start + segment.size).toBeLessThanOrEqual(13n << 30n)
    expect(kexec.memmap.some((entry) => entry.start <= 64n << 30n && entry.end >= 64n << 30n)).toBe(false)
    const kdump = planKexec(nd, { kdump: true })
    expect(kdump.dump.filter((range) => range.driverManaged).map((range) => range.start)).toEqual([64n << 30n])
    await nd.stop()
  })

  it('hands a kexec the hot-added DIMM as the firmware would after a reboot', async () => {
    const nd = machine()
    await nd.start()
    nd.memory.addMemory(64n << 30n, block, 0)
    expect(planKexec(nd).memmap.find((entry) => entry.start === 64n << 30n)).toEqual({
      start: 64n << 30n,
      end: (64n << 30n) + block - 1n,
      type: 'System RAM',
    })
    await nd.stop()
  })
})
