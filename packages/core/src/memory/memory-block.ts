/** The zone a block was onlined to (valid_zones of an online block). */
export type MemoryZone = 'Movable' | 'Normal'

/**
 * A memory block (/sys/devices/system/memory/memoryN, drivers/base/memory.c): the unit memory is
 * onlined and offlined in, memory_block_size_bytes() long; N is its phys_index, start / size.
 */
export class MemoryBlock {
  state: 'online' | 'offline' = 'offline'
  /** Set while online. */
  zone: MemoryZone | undefined

  constructor(
    readonly index: bigint,
    readonly size: bigint,
    /** The node the block belongs to (the dax device's target_node for kmem). */
    readonly node: number,
  ) {}

  get name(): string {
    return `memory${this.index}`
  }

  get start(): bigint {
    return this.index * this.size
  }

  /**
   * Whether it can be offlined: ZONE_MOVABLE holds only movable pages, which migrate away; a block
   * onlined to ZONE_NORMAL is taken for kernel allocations that cannot move (our rule: always).
   */
  get removable(): boolean {
    return this.state === 'offline' || this.zone === 'Movable'
  }
}
