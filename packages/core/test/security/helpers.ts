import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import {
  BufferMedia,
  createNvdimm,
  defineProvider,
  DimmCmd,
  type DimmSecurityOps,
  encodeConfigSize,
  encodeStatus,
  type KeyStore,
  type LogEntry,
  type Media,
  MediaWindow,
  MemoryMedia,
  mediaPath,
  type Nvdimm,
  NvdimmError,
  type Passphrase,
  type PlatformProviderKind,
  type SecurityStatus,
  serveConfigCommand,
} from '../../src/index.js'

/**
 * A provider whose dimms have an Intel-like security state machine (the DSM functions 19-28
 * as nfit_test emulates them, notes §5): a set passphrase locks the dimm at every power-on,
 * a wrong passphrase is EINVAL, a frozen dimm refuses changes with EIO, an overwrite runs for
 * a few queries and then zeroes the dimm, labels included. Label commands answer EACCES while
 * the dimm is locked (the NFIT's xlat of ND_CONFIG_LOCKED), unless `leakyLabels`.
 */

export const MiB = 1n << 20n
export const DATA_SIZE = 32n * MiB
export const LABEL_SIZE = 128 * 1024
const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]
const EACCES = -13
const EBUSY = -16

/** What a test firmware keeps over a power cycle, JSON-safe. */
export interface FirmwareState {
  passphrase?: string
  master?: string
  frozen?: boolean
  locked?: boolean
  overwriteLeft?: number
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const fromHex = (text: string | undefined) =>
  text === undefined ? undefined : new Uint8Array(Buffer.from(text, 'hex'))
const same = (a: Uint8Array, b: Uint8Array | undefined) => b !== undefined && Buffer.from(a).equals(Buffer.from(b))

export class TestFirmware implements DimmSecurityOps {
  passphrase: Uint8Array | undefined
  master: Uint8Array | undefined
  locked = false
  frozen = false
  /** Queries left before the running overwrite ends; 0 when none runs. */
  overwriteLeft = 0
  /** The operations called, in order, without their arguments. */
  readonly calls: string[] = []
  /** Every passphrase a call carried, to check what core sent (never printed). */
  readonly received: { op: string; keys: Uint8Array[] }[] = []

  constructor(
    readonly data: Media,
    readonly label: Media,
    private readonly options: { overwriteQueries?: number; onChange?: (state: FirmwareState) => void } = {},
  ) {}

  /** Power on: a dimm with a passphrase comes up locked, and nothing is frozen. */
  powerOn(state: FirmwareState = this.save()): void {
    this.passphrase = fromHex(state.passphrase)
    this.master = fromHex(state.master)
    this.overwriteLeft = state.overwriteLeft ?? 0
    this.locked = this.passphrase !== undefined
    this.frozen = false
  }

  save(): FirmwareState {
    return {
      ...(this.passphrase ? { passphrase: hexOf(this.passphrase) } : {}),
      ...(this.master ? { master: hexOf(this.master) } : {}),
      ...(this.frozen ? { frozen: true } : {}),
      ...(this.locked ? { locked: true } : {}),
      ...(this.overwriteLeft ? { overwriteLeft: this.overwriteLeft } : {}),
    }
  }

  private note(op: string, ...keys: Uint8Array[]): void {
    this.calls.push(op)
    this.received.push({ op, keys: keys.map((key) => new Uint8Array(key)) })
  }

  private changed(): void {
    this.options.onChange?.(this.save())
  }

  private refuseFrozen(): void {
    if (this.frozen) throw new NvdimmError('EIO', 'firmware: invalid security state (frozen)')
    if (this.overwriteLeft > 0) throw new NvdimmError('EBUSY', 'firmware: overwrite in progress')
  }

  async status(): Promise<SecurityStatus> {
    this.calls.push('status')
    const state =
      this.overwriteLeft > 0 ? 'overwrite' : !this.passphrase ? 'disabled' : this.locked ? 'locked' : 'unlocked'
    return { state, frozen: this.frozen, masterEnabled: this.master !== undefined }
  }

  async changeKey(old: Passphrase, next: Passphrase, master = false): Promise<void> {
    this.note(master ? 'changeKey(master)' : 'changeKey', old, next)
    this.refuseFrozen()
    if (master) {
      if (this.master && !same(old, this.master)) throw new NvdimmError('EINVAL', 'firmware: invalid passphrase')
      this.master = new Uint8Array(next)
    } else {
      if (this.locked) throw new NvdimmError('EIO', 'firmware: invalid security state (locked)')
      if (this.passphrase && !same(old, this.passphrase))
        throw new NvdimmError('EINVAL', 'firmware: invalid passphrase')
      this.passphrase = new Uint8Array(next)
    }
    this.changed()
  }

  async disable(key: Passphrase): Promise<void> {
    this.note('disable', key)
    this.refuseFrozen()
    if (!this.passphrase || this.locked) throw new NvdimmError('EIO', 'firmware: invalid security state')
    if (!same(key, this.passphrase)) throw new NvdimmError('EINVAL', 'firmware: invalid passphrase')
    this.passphrase = undefined
    this.changed()
  }

  async unlock(key: Passphrase): Promise<void> {
    this.note('unlock', key)
    if (!this.passphrase || !this.locked) return
    if (!same(key, this.passphrase)) throw new NvdimmError('EINVAL', 'firmware: invalid passphrase')
    this.locked = false
    this.changed()
  }

  async freeze(): Promise<void> {
    this.note('freeze')
    if (!this.passphrase) throw new NvdimmError('EIO', 'firmware: freeze needs security enabled')
    this.frozen = true
    this.changed()
  }

  async erase(key: Passphrase, master = false): Promise<void> {
    this.note(master ? 'erase(master)' : 'erase', key)
    this.refuseFrozen()
    const expected = master ? this.master : (this.passphrase ?? new Uint8Array(32))
    if (!same(key, expected)) throw new NvdimmError('EINVAL', 'firmware: invalid passphrase')
    // A new media key: what was written reads as cipher text.
    scramble(this.data)
    this.passphrase = undefined
    this.locked = false
    this.changed()
  }

  async overwrite(key: Passphrase): Promise<void> {
    this.note('overwrite', key)
    this.refuseFrozen()
    if (this.passphrase && !same(key, this.passphrase)) throw new NvdimmError('EINVAL', 'firmware: invalid passphrase')
    this.overwriteLeft = this.options.overwriteQueries ?? 3
    this.changed()
  }

  async queryOverwrite(): Promise<void> {
    this.calls.push('queryOverwrite')
    if (this.overwriteLeft === 0) return
    if (--this.overwriteLeft > 0) {
      this.changed()
      throw new NvdimmError('EBUSY', 'firmware: overwrite in progress')
    }
    zero(this.data)
    zero(this.label)
    this.passphrase = undefined
    this.locked = false
    this.changed()
  }

  /**
   * The label-area commands, refused while the dimm is locked (status ND_CONFIG_LOCKED << 16,
   * which the NFIT translates to EACCES) or overwriting.
   */
  serveLabels(cmd: number, input: Uint8Array, leaky: boolean) {
    this.calls.push(`label:${cmd}`)
    const refused = (cmdRc: number) => {
      const status = 1 << 16
      const output =
        cmd === DimmCmd.GET_CONFIG_SIZE ? encodeConfigSize({ status, configSize: 0, maxXfer: 0 }) : encodeStatus(status)
      return { rc: 0, cmdRc, output }
    }
    if (this.locked && !leaky) return refused(EACCES)
    if (this.overwriteLeft > 0) return refused(EBUSY)
    return serveConfigCommand(this.label, 4096, cmd, input)
  }
}

const CHUNK = 1 << 20

function fill(media: Media, chunk: () => Uint8Array): void {
  for (let offset = 0n; offset < media.size; offset += BigInt(CHUNK)) {
    const length = Number(media.size - offset < BigInt(CHUNK) ? media.size - offset : BigInt(CHUNK))
    media.write(offset, chunk().subarray(0, length))
  }
  media.sync()
}

/** A new media key: every byte reads as something else. */
function scramble(media: Media): void {
  fill(media, () => new Uint8Array(randomBytes(CHUNK)))
}

function zero(media: Media): void {
  const zeros = new Uint8Array(CHUNK)
  fill(media, () => zeros)
}

export interface SecureDimmSpec {
  id?: string
  /** No label-area commands: an NVDIMM-N-like dimm. */
  labelless?: boolean
  /** No security ops at all. */
  insecure?: boolean
}

export interface SecureProviderOptions {
  dimms?: SecureDimmSpec[]
  /** Label commands answer even while the dimm is locked: a careless provider. */
  leakyLabels?: boolean
  overwriteQueries?: number
}

export interface SecureControl {
  firmware(index: number): TestFirmware
  /** Every dimm's firmware powers on again: passphrase-protected dimms lock, nothing stays frozen. */
  powerCycle(): void
}

/** One region per dimm (its data), with the dimm's label area behind the config commands. */
export function secureProvider(options: SecureProviderOptions = {}) {
  const specs = options.dimms ?? [{}, {}]
  const firmwares = specs.map(
    () =>
      new TestFirmware(
        new MemoryMedia(DATA_SIZE),
        new BufferMedia(new Uint8Array(LABEL_SIZE)),
        options.overwriteQueries === undefined ? {} : { overwriteQueries: options.overwriteQueries },
      ),
  )
  const init = defineProvider('secure-test', ({ registerBus }) => ({
    async probe() {
      const byName = new Map<string, TestFirmware>()
      const bus = registerBus({
        providerName: 'secure_test.0',
        ndctl: async (dimm, cmd, input) => {
          const firmware = dimm && byName.get(dimm.name)
          if (!firmware) return { rc: -25, cmdRc: 0, output: new Uint8Array(0) }
          return firmware.serveLabels(cmd, input, options.leakyLabels ?? false)
        },
      })
      specs.forEach((spec, index) => {
        const firmware = firmwares[index]!
        const ref = bus.createDimm({
          id: spec.id ?? `5ec0-0a-0000-0000000${index}`,
          handle: index,
          physId: index,
          flags: [],
          cmdMask: spec.labelless ? [] : LABEL_COMMANDS,
          ...(spec.insecure ? {} : { ops: { security: firmware } }),
        })
        byName.set(ref.name, firmware)
        bus.createRegion({
          type: 'pmem',
          resource: { start: 0x1_0000_0000n + BigInt(index) * DATA_SIZE, size: DATA_SIZE },
          media: firmware.data,
          mappings: [{ dimm: ref, start: 0n, size: DATA_SIZE, position: 0 }],
          interleaveSet: { cookie1: 0x5ec0n + BigInt(index), cookie2: 0x5ec1n + BigInt(index), altcookie: 0x5ec2n },
          numaNode: 0,
          targetNode: 0,
          flags: ['persistMemctrl'],
        })
      })
    },
  }))
  const control: SecureControl = {
    firmware: (index) => firmwares[index]!,
    powerCycle: () => {
      for (const firmware of firmwares) firmware.powerOn()
    },
  }
  return Object.assign(init, { control })
}

/** A running subsystem over `provider`, with a capturing logger. */
export async function boot(
  provider: ReturnType<typeof secureProvider>,
  keys: KeyStore,
): Promise<{ nd: Nvdimm; log: LogEntry[] }> {
  const log: LogEntry[] = []
  const record = (level: LogEntry['level']) => (message: string) => log.push({ level, message })
  const nd = createNvdimm({
    providers: [provider],
    keys,
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  })
  await nd.start()
  return { nd, log }
}

/** A passphrase a person typed; core pads it to 32 bytes. */
export const typed = (text: string) => new TextEncoder().encode(text)
export const padded = (text: string) => {
  const bytes = new Uint8Array(32)
  bytes.set(typed(text))
  return bytes
}

/**
 * A platform kind for the store tests: each dimm is one media file, data first and its label
 * area in the last bytes (QEMU's layout); the firmware state rides in the platform's firmware
 * store, and every start is a power-on.
 */
const entrySchema = z.strictObject({ dimms: z.array(z.strictObject({ id: z.string(), media: mediaPath })) })
type Entry = z.output<typeof entrySchema>

export const secureKind: PlatformProviderKind<Entry> = {
  kind: 'secure-test',
  schema: entrySchema as unknown as PlatformProviderKind<Entry>['schema'],
  mediaFiles: (entry) => entry.dimms.map((dimm) => ({ file: dimm.media, size: DATA_SIZE + BigInt(LABEL_SIZE) })),
  provider: (entry, opener) =>
    defineProvider('secure-test', ({ registerBus, firmware: store }) => {
      const saved = (store.load() ?? {}) as Record<string, FirmwareState>
      return {
        async probe() {
          const byName = new Map<string, TestFirmware>()
          const bus = registerBus({
            providerName: 'secure_test.0',
            ndctl: async (dimm, cmd, input) => {
              const firmware = dimm && byName.get(dimm.name)
              if (!firmware) return { rc: -25, cmdRc: 0, output: new Uint8Array(0) }
              return firmware.serveLabels(cmd, input, false)
            },
          })
          entry.dimms.forEach((spec, index) => {
            const file = opener.open(spec.media)
            const firmware = new TestFirmware(
              new MediaWindow(file, 0n, DATA_SIZE),
              new MediaWindow(file, DATA_SIZE, BigInt(LABEL_SIZE)),
              {
                onChange: (state) => {
                  saved[spec.id] = state
                  store.save({ ...saved })
                },
              },
            )
            firmware.powerOn(saved[spec.id] ?? {})
            const ref = bus.createDimm({
              id: spec.id,
              handle: index,
              flags: [],
              cmdMask: LABEL_COMMANDS,
              ops: { security: firmware },
            })
            byName.set(ref.name, firmware)
            bus.createRegion({
              type: 'pmem',
              resource: { start: 0x1_0000_0000n + BigInt(index) * DATA_SIZE, size: DATA_SIZE },
              media: firmware.data,
              mappings: [{ dimm: ref, start: 0n, size: DATA_SIZE, position: 0 }],
              interleaveSet: { cookie1: 0x5ec0n, cookie2: 0x5ec1n, altcookie: 0x5ec2n },
              numaNode: 0,
              targetNode: 0,
              flags: ['persistMemctrl'],
            })
          })
        },
      }
    }),
}
