import { NvdimmError, type Logger } from '@nvdimm/core'
import { OPAL_NPU_MEM_ALLOC, OPAL_NPU_MEM_RELEASE, type OpalFirmware } from './opal.js'

/** Where the link is: the PHB and the PCI device OPAL identifies the memory by. */
export interface LinkAddress {
  phbId: number
  bdfn: number
}

const U64_MAX = (1n << 64n) - 1n

/**
 * An OpenCAPI link's LPC memory (ocxl_link_add_lpc_mem / _lpc_map / _lpc_release in the series):
 * the size is the high-water mark of offset + size over the AFUs, the memory is mapped once for
 * the whole link through OPAL and released when its last consumer goes. A base of 0 is failure.
 */
export class LpcLink {
  private size = 0n
  private base = 0n
  private consumers = 0

  constructor(
    private readonly opal: OpalFirmware,
    private readonly address: LinkAddress,
    private readonly logger: Logger,
  ) {}

  /** The LPC memory the link must present. */
  get lpcMemorySize(): bigint {
    return this.size
  }

  /** ocxl_link_add_lpc_mem(): an AFU's memory at `offset`; EINVAL when offset + size overflows. */
  addLpcMemory(offset: bigint, size: bigint): void {
    if (offset < 0n || size < 0n || offset + size > U64_MAX) {
      throw new NvdimmError('EINVAL', `LPC memory at 0x${offset.toString(16)} + 0x${size.toString(16)} overflows`)
    }
    if (offset + size > this.size) this.size = offset + size
  }

  /**
   * ocxl_link_lpc_map(): map the link's memory on first use (pnv_ocxl_platform_lpc_setup()) and
   * count the consumer. 0 when OPAL could not allocate: do not call during discovery, only once
   * every device of the link registered its memory.
   */
  map(): bigint {
    if (this.base === 0n) {
      const answer = new DataView(new ArrayBuffer(8))
      const rc = this.opal.call(OPAL_NPU_MEM_ALLOC, this.address.phbId, this.address.bdfn, this.size, answer)
      if (rc !== 0) {
        this.logger.warn(`OPAL could not allocate LPC memory, rc=${rc}`)
        return 0n
      }
      this.base = answer.getBigUint64(0, false)
    }
    if (this.base !== 0n) this.consumers++
    return this.base
  }

  /** ocxl_link_lpc_release(): the last consumer releases the mapping. */
  release(): void {
    if (this.base === 0n) return
    this.consumers--
    if (this.consumers < 0) throw new NvdimmError('EINVAL', 'LPC memory released more often than mapped')
    if (this.consumers > 0) return
    const rc = this.opal.call(OPAL_NPU_MEM_RELEASE, this.address.phbId, this.address.bdfn)
    if (rc !== 0) this.logger.warn(`OPAL reported rc=${rc} when releasing LPC memory`)
    this.base = 0n
  }
}
