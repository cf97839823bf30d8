import {
  createNvdimm,
  defineProvider,
  type DimmFirmwareOps,
  type FirmwareInfo,
  type Nvdimm,
  NvdimmError,
  type ScrubStatus,
} from '../../src/index.js'

/** Milliseconds that pass only when told: the firmware's clock and the command's. */
export class FakeClock {
  now = 5_000

  advance(ms: number): void {
    this.now += ms
  }

  /** What update-firmware is given: its sleeps move this clock. */
  env() {
    return { sleep: async (ms: number) => this.advance(ms), now: () => this.now }
  }
}

/** The images this firmware accepts: "FWIMG" then the new version as a little-endian u64 at 8. */
export function firmwareImage(version: bigint, size = 4096): Uint8Array {
  const image = new Uint8Array(size)
  image.set(new TextEncoder().encode('FWIMG'))
  new DataView(image.buffer).setBigUint64(8, version, true)
  for (let i = 16; i < size; i++) image[i] = (i * 7) & 0xff
  return image
}

type FailingStep = 'info' | 'start' | 'send' | 'finish' | 'abort' | 'query'

export interface FakeFirmwareGeometry {
  storageSize: number
  maxSendLength: number
  queryIntervalUs: number
  maxQueryTimeUs: number
  /** How long a finished image takes to verify. */
  verifyMs: number
}

/**
 * A dimm's firmware-update engine in memory, after the Intel sequence: start opens a context,
 * send fills the store at the offsets given, finish starts verifying (busy for `verifyMs`),
 * query answers the staged version; a power cycle runs the staged image.
 */
export class FakeDimmFirmware implements DimmFirmwareOps {
  state: 'idle' | 'receiving' | 'verifying' | 'updated' = 'idle'
  context = 0
  store = new Uint8Array(0)
  received = 0
  runVersion: bigint
  updatedVersion = 0n
  verifyEndsAt = 0
  readonly sends: { offset: number; length: number }[] = []
  queries = 0
  aborts = 0
  /** The next call of each step fails with this error (once). */
  readonly failures: Partial<Record<FailingStep, NvdimmError>> = {}
  readonly geometry: FakeFirmwareGeometry

  constructor(
    private readonly clock: FakeClock,
    runVersion: bigint,
    geometry: Partial<FakeFirmwareGeometry> = {},
  ) {
    this.runVersion = runVersion
    this.geometry = {
      storageSize: 0x10000,
      maxSendLength: 1000,
      queryIntervalUs: 250_000,
      maxQueryTimeUs: 3_000_000,
      verifyMs: 1000,
      ...geometry,
    }
    this.store = new Uint8Array(this.geometry.storageSize)
  }

  private failing(step: FailingStep): void {
    const failure = this.failures[step]
    if (failure) {
      delete this.failures[step]
      throw failure
    }
  }

  async info(): Promise<FirmwareInfo> {
    this.failing('info')
    const { storageSize, maxSendLength, queryIntervalUs, maxQueryTimeUs } = this.geometry
    return {
      storageSize,
      maxSendLength,
      queryIntervalUs,
      maxQueryTimeUs,
      runVersion: this.runVersion,
      updatedVersion: this.updatedVersion,
    }
  }

  async start(): Promise<number> {
    this.failing('start')
    if (this.state !== 'idle') throw new NvdimmError('EBUSY', 'another firmware update is in progress')
    this.state = 'receiving'
    this.context += 1
    this.store.fill(0)
    this.received = 0
    return this.context
  }

  async send(context: number, offset: number, data: Uint8Array): Promise<void> {
    this.failing('send')
    if (this.state !== 'receiving') throw new NvdimmError('EAGAIN', 'no update open')
    if (context !== this.context) throw new NvdimmError('EINVAL', 'wrong context')
    if (data.length > this.geometry.maxSendLength || offset + data.length > this.geometry.storageSize) {
      throw new NvdimmError('EINVAL', 'chunk out of bounds')
    }
    this.sends.push({ offset, length: data.length })
    this.store.set(data, offset)
    this.received = Math.max(this.received, offset + data.length)
  }

  async finish(context: number, abort = false): Promise<void> {
    this.failing(abort ? 'abort' : 'finish')
    if (this.state === 'updated') throw new NvdimmError('EBUSY', 'an update already completed')
    if (abort) {
      this.aborts += 1
      this.state = 'idle'
      return
    }
    if (this.state !== 'receiving' || context !== this.context) throw new NvdimmError('EINVAL', 'wrong context')
    this.state = 'verifying'
    this.verifyEndsAt = this.clock.now + this.geometry.verifyMs
  }

  async query(context: number): Promise<bigint> {
    this.queries += 1
    this.failing('query')
    if (context !== this.context) throw new NvdimmError('EINVAL', 'wrong context')
    if (this.state === 'verifying') {
      if (this.clock.now < this.verifyEndsAt) throw new NvdimmError('EBUSY', 'still verifying')
      const magic = new TextDecoder().decode(this.store.subarray(0, 5))
      if (magic !== 'FWIMG') {
        this.state = 'idle'
        throw new NvdimmError('EINVAL', 'the image failed verification')
      }
      this.updatedVersion = new DataView(this.store.buffer).getBigUint64(8, true)
      this.state = 'updated'
    }
    return this.state === 'updated' ? this.updatedVersion : 0n
  }

  /** The staged image runs from now on. */
  powerCycle(): void {
    if (this.state === 'updated') {
      this.runVersion = this.updatedVersion
      this.updatedVersion = 0n
    }
    this.state = 'idle'
  }
}

export interface FirmwarePlatform {
  nd: Nvdimm
  clock: FakeClock
  /** nmem0 and nmem1 update their firmware; nmem2 cannot. */
  firmware: FakeDimmFirmware[]
  scrub: { active: boolean }
}

/**
 * Bus fw_test.0 (it scrubs) with three dimms, two of which can update their firmware, and bus
 * plain.0 with one dimm (nmem3) that cannot.
 */
export async function firmwarePlatform(geometry: Partial<FakeFirmwareGeometry> = {}): Promise<FirmwarePlatform> {
  const clock = new FakeClock()
  const firmware = [
    new FakeDimmFirmware(clock, 0x0102_0304n, geometry),
    new FakeDimmFirmware(clock, 0x0102_0304n, geometry),
  ]
  const scrub = { active: false }
  const nd = createNvdimm({
    providers: [
      defineProvider('fw-test', ({ registerBus }) => ({
        async probe() {
          const bus = registerBus({
            providerName: 'fw_test.0',
            ops: {
              scrub: {
                start: async () => {
                  scrub.active = true
                },
                status: async (): Promise<ScrubStatus> => ({ active: scrub.active, count: 0 }),
              },
            },
          })
          for (const [index, ops] of [...firmware, undefined].entries()) {
            bus.createDimm({
              id: `8089-a2-0000-0000000${index}`,
              handle: index,
              physId: index,
              flags: [],
              cmdMask: [],
              ...(ops ? { ops: { firmware: ops } } : {}),
            })
          }
          registerBus({ providerName: 'plain.0' }).createDimm({ id: 'plain-0', handle: 0, flags: [], cmdMask: [] })
        },
      })),
    ],
  })
  await nd.start()
  return { nd, clock, firmware, scrub }
}
