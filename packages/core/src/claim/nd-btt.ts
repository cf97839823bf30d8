import type { Btt } from '../btt/btt.js'
import { ClaimDevice } from './claim-device.js'

/** An nd_btt device (bttR.N): sector mode through a Block Translation Table. */
export class NdBtt extends ClaimDevice {
  readonly kind = 'btt' as const
  /** sysfs `sector_size` (lbasize): 0 until configured. */
  lbasize = 0
  /** The attached BTT while bound. */
  btt: Btt | undefined

  /** sysfs `size`: nlba × sector size; undefined (ENXIO) while unbound. */
  get size(): bigint | undefined {
    return this.enabled ? this.btt?.size : undefined
  }
}
