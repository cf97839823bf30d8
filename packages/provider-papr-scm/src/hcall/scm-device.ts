import { alignUp, hex, type Media, NvdimmError, U64_MAX } from '@nvdimm/core'
import { z } from 'zod'

/**
 * One SCM device (an `ibm,pmemory` node) as the hypervisor holds it: the DRC index the guest
 * names it by, its blocks, and its out-of-band metadata (label) area.
 */
export interface ScmDeviceConfig {
  /** `ibm,my-drc-index`: the opaque 32-bit DRC index. */
  drcIndex: number
  /** `ibm,block-size` (QEMU: 256 MiB). */
  blockSize: bigint
  /** `ibm,number-of-blocks`. */
  blockCount: bigint
  /** The metadata (label) area behind H_SCM_READ/WRITE_METADATA; `ibm,metadata-size` is its size. */
  metadata: Media
  /**
   * Where the hypervisor binds this device in the guest's logical address space when the guest
   * lets it pick (BIND_ANY_ADDR): block n lands at `start + n * blockSize`, as QEMU binds at the
   * dimm's address. Defaults to a window after SCM_DEFAULT_GUEST_BASE, devices in order.
   */
  guestRange?: { start: bigint; size: bigint }
  /** The data behind the blocks, synced when an H_SCM_FLUSH completes. */
  storage?: Media
  /** A read-only label area: H_SCM_WRITE_METADATA answers H_P2 (QEMU's nvdimm->readonly). */
  readOnly?: boolean
  /** `ibm,hcall-flush-required`: data reaches persistence only through H_SCM_FLUSH. Otherwise it answers H_UNSUPPORTED. */
  hcallFlushRequired?: boolean
  /** Whether H_SCM_PERFORMANCE_STATS is served (default true); otherwise it answers H_UNSUPPORTED. */
  perfStats?: boolean
  /** How many H_SCM_FLUSH calls answer H_LONG_BUSY_ORDER_10_MSEC before the flush completes (default 1). */
  flushPolls?: number
}

/** A device with its binding window settled. */
export interface ScmDevice {
  readonly config: ScmDeviceConfig
  readonly drcIndex: number
  readonly blockSize: bigint
  readonly blockCount: bigint
  readonly metadata: Media
  /** Where BIND_ANY_ADDR puts block 0. */
  readonly windowStart: bigint
  /** blockCount * blockSize. */
  readonly size: bigint
}

/** What the guest learns from the device tree: all the papr_scm helpers need to name a device. */
export interface ScmGuestDevice {
  drcIndex: number
  blockSize: bigint
  blockCount: bigint
  /** `ibm,metadata-size`. */
  metadataSize: bigint
}

/** Where default binding windows start: 1 TiB into the guest's logical address space (our choice). */
export const SCM_DEFAULT_GUEST_BASE = 0x100_0000_0000n
/** PAPR's DRC index is a 32-bit number. */
export const DRC_INDEX_MAX = 0xffff_ffff

const u64 = z.bigint().min(0n).max(U64_MAX)
const media = z.custom<Media>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Media).size === 'bigint' &&
    typeof (value as Media).read === 'function' &&
    typeof (value as Media).write === 'function' &&
    typeof (value as Media).sync === 'function',
  'expected a Media (size, read, write, sync)',
)

const deviceSchema = z
  .object({
    drcIndex: z.number().int().min(0).max(DRC_INDEX_MAX),
    blockSize: u64.min(1n),
    blockCount: u64.min(1n),
    metadata: media,
    guestRange: z.object({ start: u64, size: u64 }).optional(),
    storage: media.optional(),
    readOnly: z.boolean().optional(),
    hcallFlushRequired: z.boolean().optional(),
    perfStats: z.boolean().optional(),
    flushPolls: z.number().int().min(0).max(1_000_000).optional(),
  })
  .superRefine((device, ctx) => {
    const size = device.blockSize * device.blockCount
    if (size > U64_MAX) {
      ctx.addIssue({ code: 'custom', path: ['blockCount'], message: 'the device is larger than the address space' })
      return
    }
    const range = device.guestRange
    if (!range) return
    if (range.start % device.blockSize !== 0n) {
      ctx.addIssue({ code: 'custom', path: ['guestRange', 'start'], message: 'not aligned to the block size' })
    }
    if (range.size < size) {
      ctx.addIssue({ code: 'custom', path: ['guestRange', 'size'], message: `smaller than the device (${hex(size)})` })
    }
    if (range.start + range.size - 1n > U64_MAX) {
      ctx.addIssue({
        code: 'custom',
        path: ['guestRange'],
        message: 'the range wraps past the end of the address space',
      })
    }
  })

const devicesSchema = z.array(deviceSchema).superRefine((devices, ctx) => {
  const seen = new Set<number>()
  devices.forEach((device, n) => {
    if (seen.has(device.drcIndex)) {
      ctx.addIssue({
        code: 'custom',
        path: [n, 'drcIndex'],
        message: `DRC index ${hex(device.drcIndex)} is used twice`,
      })
    }
    seen.add(device.drcIndex)
  })
})

/**
 * Validate the devices and settle each one's binding window: an explicit `guestRange`, or the next
 * free block-aligned stretch after SCM_DEFAULT_GUEST_BASE and every explicit range. EINVAL names
 * the bad field ("devices.1.blockSize: …").
 */
export function resolveScmDevices(configs: readonly ScmDeviceConfig[]): ScmDevice[] {
  const result = devicesSchema.safeParse(configs)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new NvdimmError('EINVAL', `invalid SCM device: devices.${issue.path.join('.')}: ${issue.message}`)
  }
  let cursor = configs.reduce(
    (end, config) => (config.guestRange ? bigMax(end, config.guestRange.start + config.guestRange.size) : end),
    SCM_DEFAULT_GUEST_BASE,
  )
  const devices = configs.map((config): ScmDevice => {
    const size = config.blockSize * config.blockCount
    let windowStart = config.guestRange?.start
    if (windowStart === undefined) {
      windowStart = alignUp(cursor, config.blockSize)
      cursor = windowStart + size
      if (cursor - 1n > U64_MAX) {
        throw new NvdimmError('EINVAL', `no room in the address space to bind SCM device ${hex(config.drcIndex)}`)
      }
    }
    return {
      config,
      drcIndex: config.drcIndex,
      blockSize: config.blockSize,
      blockCount: config.blockCount,
      metadata: config.metadata,
      windowStart,
      size,
    }
  })
  const byStart = [...devices].sort((a, b) => (a.windowStart < b.windowStart ? -1 : 1))
  for (let n = 1; n < byStart.length; n++) {
    const before = byStart[n - 1]!
    const after = byStart[n]!
    if (before.windowStart + before.size > after.windowStart) {
      throw new NvdimmError(
        'EINVAL',
        `invalid SCM device: the binding windows of DRC ${hex(before.drcIndex)} and ${hex(after.drcIndex)} overlap`,
      )
    }
  }
  return devices
}

/** The guest's view of a device: what papr_scm reads from its device-tree node. */
export function scmGuestDevice(config: ScmDeviceConfig): ScmGuestDevice {
  return {
    drcIndex: config.drcIndex,
    blockSize: config.blockSize,
    blockCount: config.blockCount,
    metadataSize: config.metadata.size,
  }
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
