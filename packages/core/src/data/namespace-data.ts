import { NvdimmError } from '../errors.js'
import type { Namespace } from '../namespace/namespace.js'
import type { Nvdimm } from '../subsystem.js'
import { hex } from '../units.js'
import { openBlockDevice } from './block-device.js'
import { daxDeviceName, openDaxDevice } from './dax-device.js'

/**
 * A namespace's data as tools on a real machine reach it: /dev/pmemNs (BTT sectors, each write
 * atomic), /dev/pmemN[.M] (the bytes after an fsdax info block, or the whole raw range) or
 * /dev/daxN.M (the bytes after the devdax info block). Offsets are bytes; under BTT they must
 * fall on a sector, and a write that ends inside a sector keeps the rest of it, as a buffered
 * write to a block device does (the page cache reads the block, changes it, writes it whole).
 */
export interface NamespaceData {
  /** The device a person would open: pmem0s, pmem0.1, dax0.1. */
  readonly device: string
  readonly size: bigint
  /** Offsets must be multiples of this: the sector size under BTT, else 1. */
  readonly granularity: number
  read(offset: bigint, target: Uint8Array): void
  write(offset: bigint, source: Uint8Array): Promise<void>
  /** fsync(): the region's flush sequence (or, for devdax, persisting what was written). */
  flush(): Promise<void>
  /** Done with the device (a devdax mapping is unmapped). */
  close(): void
}

/** The namespace by its name (namespace0.0) or its device's (pmem0s, pmem0.1, dax0.1). */
export function findNamespace(nd: Nvdimm, ident: string): Namespace {
  const found = nd.namespaces.find(
    (ns) => ns.name === ident || ns.blockDevice === ident || (ns.claim?.kind === 'dax' && daxDeviceName(ns) === ident),
  )
  if (!found) throw new NvdimmError('ENXIO', `no namespace or device '${ident}' (list -N shows them)`)
  return found
}

/**
 * Open the namespace's device. `mapSync` asks for a MAP_SYNC mapping of a dax-capable one
 * (EOPNOTSUPP where the region or the device's map_sync refuses it).
 */
export function openNamespaceData(namespace: Namespace, options: { mapSync?: boolean } = {}): NamespaceData {
  if (namespace.claim?.kind === 'dax') {
    const dax = openDaxDevice(namespace)
    const map = dax.map(0n, dax.size, { sync: options.mapSync ?? false })
    return {
      device: dax.name,
      size: dax.size,
      granularity: 1,
      read: (offset, target) => map.read(offset, target),
      write: async (offset, source) => map.write(offset, source),
      flush: async () => map.flush(),
      close: () => map.unmap(),
    }
  }
  const disk = openBlockDevice(namespace)
  // An fsdax file mapped MAP_SYNC: the check ext4 and xfs make (daxdev_mapping_supported()).
  if (options.mapSync) namespace.region.bus.ctx.daxAttributes.checkMapSync(namespace, disk.name)
  return {
    device: disk.name,
    size: disk.size,
    granularity: disk.granularity,
    read: (offset, target) => disk.read(offset, target),
    write: (offset, source) => disk.write(offset, source),
    flush: () => disk.flush(),
    close: () => undefined,
  }
}

/** A transfer unit: about 1 MiB of whole sectors. */
function chunkSize(data: NamespaceData): number {
  return Math.max(1, Math.floor((1 << 20) / data.granularity)) * data.granularity
}

function checkOffset(data: NamespaceData, offset: bigint, what: string): void {
  if (offset < 0n || offset > data.size) {
    throw new NvdimmError(
      'EINVAL',
      `${data.device}: ${what} offset ${hex(offset)} is beyond the end (${hex(data.size)})`,
    )
  }
  if (offset % BigInt(data.granularity) !== 0n) {
    throw new NvdimmError(
      'EINVAL',
      `${data.device}: ${what} offset ${offset} is not on a ${data.granularity}-byte sector (a sector-mode namespace takes whole sectors)`,
    )
  }
}

export interface TransferProgress {
  (done: bigint, total: bigint | undefined): void
}

/**
 * Read `length` bytes (to the end by default; a length past the end stops there, as dd does)
 * from `offset`, handing them out in chunks.
 */
export async function readNamespaceData(
  data: NamespaceData,
  options: { offset?: bigint; length?: bigint },
  sink: (chunk: Uint8Array) => void | Promise<void>,
  progress?: TransferProgress,
): Promise<bigint> {
  const offset = options.offset ?? 0n
  checkOffset(data, offset, 'read')
  const wanted = options.length ?? data.size - offset
  if (wanted < 0n) throw new NvdimmError('EINVAL', `${data.device}: a length of ${wanted} bytes`)
  const end = offset + wanted > data.size ? data.size : offset + wanted
  const total = end - offset
  const unit = BigInt(data.granularity)
  const step = BigInt(chunkSize(data))
  let at = offset
  while (at < end) {
    // Whole sectors from the device; the caller gets exactly what it asked for.
    const upTo = at + step < end ? at + step : end
    const rounded = ((upTo - at + unit - 1n) / unit) * unit
    const buffer = new Uint8Array(Number(at + rounded > data.size ? data.size - at : rounded))
    data.read(at, buffer)
    await sink(buffer.subarray(0, Number(upTo - at)))
    at = upTo
    progress?.(at - offset, total)
  }
  return total
}

/**
 * Write what `source` yields from `offset`, then flush. The input may not run past the end:
 * with `total` known nothing is written (ENOSPC); from a stream, what fits is written first.
 */
export async function writeNamespaceData(
  data: NamespaceData,
  options: { offset?: bigint; total?: bigint },
  source: AsyncIterable<Uint8Array>,
  progress?: TransferProgress,
): Promise<bigint> {
  const offset = options.offset ?? 0n
  checkOffset(data, offset, 'write')
  const space = data.size - offset
  if (options.total !== undefined && options.total > space) {
    throw new NvdimmError(
      'ENOSPC',
      `${data.device}: ${options.total} bytes from ${hex(offset)} do not fit (${space} bytes to the end); nothing was written`,
    )
  }
  const unit = data.granularity
  const step = chunkSize(data)
  let pending = new Uint8Array(0)
  let at = offset
  const flushWhole = async (final: boolean) => {
    while (pending.length >= step || (final && pending.length > 0)) {
      let take = Math.min(step, pending.length)
      if (!final || take === step) take -= take % unit
      let piece = pending.subarray(0, take)
      if (take % unit !== 0) {
        // The tail ends inside a sector: read it, change it, write it whole.
        const sector = new Uint8Array(Math.ceil(take / unit) * unit)
        data.read(at, sector)
        sector.set(piece)
        piece = sector
      }
      if (at + BigInt(piece.length) > data.size) {
        throw new NvdimmError(
          'ENOSPC',
          `${data.device}: no space left at ${hex(at)} (the device ends at ${hex(data.size)}); ${at - offset} bytes were written`,
        )
      }
      await data.write(at, piece)
      at += BigInt(take)
      pending = pending.subarray(take)
      progress?.(at - offset, options.total)
      if (take === 0) break
    }
  }
  for await (const chunk of source) {
    const joined = new Uint8Array(pending.length + chunk.length)
    joined.set(pending)
    joined.set(chunk, pending.length)
    pending = joined
    await flushWhole(false)
  }
  await flushWhole(true)
  await data.flush()
  return at - offset
}
