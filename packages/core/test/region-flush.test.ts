import { describe, expect, it } from 'vitest'
import { afterKexec, afterPowerCycle, createNvdimm, defineProvider, MemoryMedia, type ArchName } from '../src/index.js'

const MiB = 1n << 20n

/** One dimm with two flush hints under a synchronous region, and an async region with a provider flush. */
function platform(arch: ArchName, providerFlushes: string[]) {
  return createNvdimm({
    arch,
    providers: [
      defineProvider('flushy', ({ registerBus }) => ({
        async probe() {
          const bus = registerBus({ providerName: 'flushy' })
          const dimm = bus.createDimm({ flags: [], cmdMask: [], flushHints: [0x1000n, 0x2000n] })
          bus.createRegion({
            type: 'pmem',
            resource: { start: 1n << 32n, size: 16n * MiB },
            media: new MemoryMedia(16n * MiB),
            mappings: [{ dimm, start: 0n, size: 16n * MiB, position: 0 }],
            numaNode: 0,
            targetNode: 0,
            flags: ['persistMemctrl'],
          })
          bus.createRegion({
            type: 'pmem',
            resource: { start: 2n << 32n, size: 16n * MiB },
            media: new MemoryMedia(16n * MiB),
            mappings: [],
            numaNode: 0,
            targetNode: 0,
            flags: ['async', 'persistMemctrl'],
            flush: async (region) => {
              providerFlushes.push(region.name)
            },
          })
        },
      })),
    ],
  })
}

describe('nvdimm_flush(): the arch barrier, then the provider flush or the flush hints', () => {
  it('fences with sfence on x86 and writes one hint per dimm, turning to the next hint each time', async () => {
    const flushes: string[] = []
    const nd = platform('x86_64', flushes)
    const steps: string[][] = []
    nd.on('region:flush', (_region, taken) => steps.push([...taken]))
    await nd.start()
    const device = nd.region('region0').namespaces[0]!.openBlockDevice()
    await device.flush()
    await device.flush()
    expect(steps).toEqual([
      ['sfence', 'flush hint nmem0 0x1000', 'sfence'],
      ['sfence', 'flush hint nmem0 0x2000', 'sfence'],
    ])
    expect(nd.dimm('nmem0').flushHintWrites).toBe(2)
    await nd.stop()
  })

  it('uses the POWER barriers of each generation, and the provider flush on an async region', async () => {
    for (const [arch, barrier] of [
      ['ppc64-p9', 'hwsync'],
      ['ppc64-p10', 'phwsync'],
    ] as const) {
      const flushes: string[] = []
      const nd = platform(arch, flushes)
      const steps: string[][] = []
      nd.on('region:flush', (_region, taken) => steps.push([...taken]))
      await nd.start()
      await nd.region('region1').namespaces[0]!.openBlockDevice().flush()
      expect({ arch, steps, flushes }).toEqual({ arch, steps: [[barrier, 'provider flush']], flushes: ['region1'] })
      expect(nd.arch.cacheWriteback).toBe(arch === 'ppc64-p10' ? 'dcbstps' : 'dcbf')
      await nd.stop()
    }
  })
})

describe('reboots of the runtime state', () => {
  const running = {
    dimms: { nmem0: { enabled: false } },
    regions: { region0: { align: 1n << 21n } },
    namespaces: { 'namespace0.0': { devdaxNone: { uuid: '00000000-0000-4000-8000-000000000001', align: 1n << 21n } } },
    boot: 2,
    kernel: 5,
    firmware: { '0': { kept: true } },
  }

  it('kexec: a new kernel, the same boot; firmware and boot scripts stay, sysfs settings go', () => {
    expect(afterKexec(running)).toEqual({
      namespaces: running.namespaces,
      boot: 2,
      kernel: 6,
      firmware: running.firmware,
    })
  })

  it('power cycle: a new kernel and a new boot', () => {
    expect(afterPowerCycle(running)).toMatchObject({ boot: 3, kernel: 6, firmware: running.firmware })
    expect(afterPowerCycle({})).toEqual({ boot: 1, kernel: 1 })
  })
})
