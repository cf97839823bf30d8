/**
 * The hypervisor's record of which SCM blocks are bound where in the guest's logical address
 * space. It outlives the guest kernel: after a kexec the new kernel finds the old bindings here,
 * and H_SCM_BIND_MEM answers H_OVERLAP until they are unbound.
 */

/** blockCount blocks of one device, from startBlock, mapped contiguously from address. */
export interface ScmBinding {
  drcIndex: number
  startBlock: bigint
  blockCount: bigint
  address: bigint
}

export class ScmBindingTable {
  /** Sorted by drcIndex, then startBlock; neighbours that continue each other are merged. */
  private extents: ScmBinding[] = []

  /** `blockSize(drcIndex)` of a known device. */
  constructor(private readonly blockSize: (drcIndex: number) => bigint) {}

  all(): readonly ScmBinding[] {
    return this.extents.map((extent) => ({ ...extent }))
  }

  of(drcIndex: number): ScmBinding[] {
    return this.extents.filter((extent) => extent.drcIndex === drcIndex).map((extent) => ({ ...extent }))
  }

  boundBlocks(drcIndex: number): bigint {
    return this.extents.reduce((sum, extent) => (extent.drcIndex === drcIndex ? sum + extent.blockCount : sum), 0n)
  }

  /** Where a block is bound, or undefined. */
  blockAddress(drcIndex: number, block: bigint): bigint | undefined {
    const extent = this.extents.find(
      (e) => e.drcIndex === drcIndex && block >= e.startBlock && block < e.startBlock + e.blockCount,
    )
    return extent && extent.address + (block - extent.startBlock) * this.blockSize(drcIndex)
  }

  /** Which device block holds a logical address, or undefined. */
  atAddress(address: bigint): { drcIndex: number; block: bigint } | undefined {
    for (const extent of this.extents) {
      const size = this.blockSize(extent.drcIndex)
      if (address >= extent.address && address < extent.address + extent.blockCount * size) {
        return { drcIndex: extent.drcIndex, block: extent.startBlock + (address - extent.address) / size }
      }
    }
    return undefined
  }

  blocksOverlap(drcIndex: number, startBlock: bigint, blockCount: bigint): boolean {
    return this.extents.some(
      (e) =>
        e.drcIndex === drcIndex && startBlock < e.startBlock + e.blockCount && e.startBlock < startBlock + blockCount,
    )
  }

  addressOverlap(address: bigint, length: bigint): boolean {
    return this.extents.some(
      (e) => address < e.address + e.blockCount * this.blockSize(e.drcIndex) && e.address < address + length,
    )
  }

  /** Whether [address, address + blockCount blocks) is wholly bound to this device. */
  covers(drcIndex: number, address: bigint, blockCount: bigint): boolean {
    const size = this.blockSize(drcIndex)
    const end = address + blockCount * size
    let covered = 0n
    for (const e of this.extents) {
      if (e.drcIndex !== drcIndex) continue
      const from = e.address > address ? e.address : address
      const eEnd = e.address + e.blockCount * size
      const to = eEnd < end ? eEnd : end
      if (to > from) covered += to - from
    }
    return covered === end - address
  }

  add(binding: ScmBinding): void {
    this.extents.push({ ...binding })
    this.normalize()
  }

  /** Unbind whatever of this device lies in [address, address + blockCount blocks); the number of blocks unbound. */
  removeAddressRange(drcIndex: number, address: bigint, blockCount: bigint): bigint {
    const size = this.blockSize(drcIndex)
    const end = address + blockCount * size
    let removed = 0n
    const kept: ScmBinding[] = []
    for (const e of this.extents) {
      const eEnd = e.address + e.blockCount * size
      if (e.drcIndex !== drcIndex || eEnd <= address || e.address >= end) {
        kept.push(e)
        continue
      }
      const cutFrom = e.address > address ? e.address : address
      const cutTo = eEnd < end ? eEnd : end
      removed += (cutTo - cutFrom) / size
      if (cutFrom > e.address) kept.push({ ...e, blockCount: (cutFrom - e.address) / size })
      if (cutTo < eEnd) {
        const skipped = (cutTo - e.address) / size
        kept.push({ ...e, startBlock: e.startBlock + skipped, blockCount: e.blockCount - skipped, address: cutTo })
      }
    }
    this.extents = kept
    this.normalize()
    return removed
  }

  /** Unbind up to `limit` blocks of a device (or of every device), lowest first; the number unbound. */
  removeBlocks(drcIndex: number | undefined, limit: bigint): bigint {
    let removed = 0n
    const kept: ScmBinding[] = []
    for (const e of this.extents) {
      if ((drcIndex !== undefined && e.drcIndex !== drcIndex) || removed >= limit) {
        kept.push(e)
        continue
      }
      const take = e.blockCount < limit - removed ? e.blockCount : limit - removed
      removed += take
      if (take < e.blockCount) {
        kept.push({
          ...e,
          startBlock: e.startBlock + take,
          blockCount: e.blockCount - take,
          address: e.address + take * this.blockSize(e.drcIndex),
        })
      }
    }
    this.extents = kept
    return removed
  }

  /** Blocks still bound, of one device or of all. */
  remaining(drcIndex: number | undefined): bigint {
    return this.extents.reduce(
      (sum, e) => (drcIndex === undefined || e.drcIndex === drcIndex ? sum + e.blockCount : sum),
      0n,
    )
  }

  private normalize(): void {
    this.extents.sort((a, b) =>
      a.drcIndex !== b.drcIndex ? a.drcIndex - b.drcIndex : a.startBlock < b.startBlock ? -1 : 1,
    )
    const merged: ScmBinding[] = []
    for (const e of this.extents) {
      const last = merged[merged.length - 1]
      if (
        last &&
        last.drcIndex === e.drcIndex &&
        last.startBlock + last.blockCount === e.startBlock &&
        last.address + last.blockCount * this.blockSize(e.drcIndex) === e.address
      ) {
        last.blockCount += e.blockCount
      } else {
        merged.push({ ...e })
      }
    }
    this.extents = merged
  }
}
