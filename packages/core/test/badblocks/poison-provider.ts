import {
  Badrange,
  type BusHandle,
  type BusOps,
  createNvdimm,
  defineProvider,
  type DimmRef,
  MemoryMedia,
  NvdimmError,
  type PoisonRange,
} from '../../src/index.js'

/**
 * A platform that scrubs, clears and injects poison in memory: the test double of a provider's
 * BusOps. Bus 0 ("nfit_test.0") has two dimms (handles 0 and 1), a 2-way region interleaved
 * every 4 KiB over both, and a 1-way region on dimm 1; bus 1 ("e820") a range that cannot scrub.
 * Time is a fake clock that the waits' sleep() advances.
 */

export const MiB = 1n << 20n
export const REGION0 = { start: 0x1_0000_0000n, size: 32n * MiB }
export const REGION1 = { start: 0x1_0400_0000n, size: 16n * MiB }
export const LEGACY = { start: 0x2000_0000n, size: 16n * MiB }
export const CLEAR_UNIT = 256

export class FakePlatform {
  now = 0
  readonly poison = new Badrange()
  scrubCount = 0
  scrubEnd: number | undefined
  /** How long a scan takes. */
  scrubMs = 1000
  /** Every clear-error the platform was asked for. */
  readonly clears: PoisonRange[] = []
  /** Make the next clear report fewer bytes than asked. */
  shortClear = false
  bus: BusHandle | undefined

  readonly sleep = async (ms: number): Promise<void> => {
    this.now += ms
  }

  /** The platform's scan: at its end every poisoned range becomes a badrange of the bus. */
  private settle(): void {
    if (this.scrubEnd === undefined || this.now < this.scrubEnd) return
    this.scrubEnd = undefined
    for (const entry of this.poison.entries) this.bus!.addBadrange(entry.start, entry.length)
    this.scrubCount++
  }

  private startScan(): void {
    this.scrubEnd = this.now + this.scrubMs
  }

  /** 4 KiB interleave over the two dimms of region 0; the one dimm of region 1. */
  translate(spa: bigint): { handle: number; dpa: bigint } {
    if (spa >= REGION0.start && spa < REGION0.start + REGION0.size) {
      const offset = spa - REGION0.start
      const line = offset / 4096n
      return { handle: Number(line % 2n), dpa: (line / 2n) * 4096n + (offset % 4096n) }
    }
    if (spa >= REGION1.start && spa < REGION1.start + REGION1.size) {
      return { handle: 1, dpa: 16n * MiB + spa - REGION1.start }
    }
    throw new NvdimmError('EINVAL', `no dimm maps ${spa}`)
  }

  readonly ops: BusOps = {
    scrub: {
      start: async () => {
        this.settle()
        if (this.scrubEnd !== undefined) throw new NvdimmError('EBUSY', 'a scrub is already queued')
        this.startScan()
      },
      status: async () => {
        this.settle()
        const active = this.scrubEnd !== undefined
        return { active, count: this.scrubCount }
      },
    },
    clearErrorUnit: async () => CLEAR_UNIT,
    clearError: async (spa, length) => {
      const mask = BigInt(CLEAR_UNIT) - 1n
      if (((spa | length) & mask) !== 0n) throw new NvdimmError('ENXIO', 'misaligned clear')
      this.clears.push({ spa, length })
      const cleared = this.shortClear ? length - BigInt(CLEAR_UNIT) : length
      this.shortClear = false
      this.poison.forget(spa, cleared)
      return cleared
    },
    errorInjection: {
      inject: async (spa, length, notify) => {
        if (length === 0n) throw new NvdimmError('EINVAL', 'empty injection')
        this.poison.add(spa, length)
        if (notify) this.startScan()
      },
      uninject: async (spa, length) => {
        this.poison.forget(spa, length)
      },
      status: async () => this.poison.entries.map((entry) => ({ spa: entry.start, length: entry.length })),
    },
    translateSpa: async (spa) => [this.translate(spa)],
  }
}

export function poisonPlatform(fake = new FakePlatform()) {
  const nd = createNvdimm({
    providers: [
      defineProvider('poison', ({ registerBus }) => ({
        async probe() {
          const ndctl = async () => ({ rc: 0, cmdRc: 0, output: new Uint8Array(0) })
          const bus = registerBus({ providerName: 'nfit_test.0', cmdMask: [1, 2, 3, 4], ndctl, ops: fake.ops })
          fake.bus = bus
          const dimms: DimmRef[] = [0, 1].map((handle) =>
            bus.createDimm({ id: `dimm-${handle}`, handle, physId: handle, flags: [], cmdMask: [] }),
          )
          bus.createRegion({
            type: 'pmem',
            resource: REGION0,
            media: new MemoryMedia(REGION0.size),
            mappings: dimms.map((dimm, position) => ({ dimm, start: 0n, size: REGION0.size / 2n, position })),
            numaNode: 0,
            targetNode: 0,
            flags: ['persistMemctrl'],
          })
          bus.createRegion({
            type: 'pmem',
            resource: REGION1,
            media: new MemoryMedia(REGION1.size),
            mappings: [{ dimm: dimms[1]!, start: 16n * MiB, size: REGION1.size, position: 0 }],
            numaNode: 0,
            targetNode: 0,
            flags: ['persistMemctrl', 'pagemap'],
          })
          registerBus({ providerName: 'e820' }).createRegion({
            type: 'pmem',
            resource: LEGACY,
            media: new MemoryMedia(LEGACY.size),
            mappings: [],
            numaNode: 0,
            targetNode: 0,
            flags: ['pagemap'],
          })
        },
      })),
    ],
  })
  return { nd, fake }
}
