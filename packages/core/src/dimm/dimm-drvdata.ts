import { commandStatus, submitCommand } from '../bus/ndctl.js'
import { NvdimmError } from '../errors.js'
import { labelAreaGeometry, type LabelAreaGeometry } from '../namespace/label/geometry.js'
import type { LabelSize } from '../namespace/label/namespace-label.js'
import { DimmCmd } from '../provider/commands.js'
import {
  decodeConfigDataOut,
  decodeConfigSize,
  encodeGetConfigData,
  encodeSetConfigData,
} from '../provider/payloads.js'
import type { Dimm } from './dimm.js'
import { DpaTree } from './dpa.js'

/**
 * The nvdimm driver's data for a bound dimm (struct nvdimm_drvdata): what GET_CONFIG_SIZE
 * said, the kernel's in-memory copy of the label area, which index is current, and the DPA
 * resource tree. Label writes edit `data` and then push the bytes through SET_CONFIG_DATA,
 * as the kernel does.
 */
export class DimmDrvdata {
  /** GET_CONFIG_SIZE: status, label area size, largest transfer. */
  nsarea = { status: 0, configSize: 0, maxXfer: 0 }
  data = new Uint8Array(0)
  /** Label size in force (nslabel_size); 256 when no index was found. */
  nslabelSize: LabelSize = 128
  nsCurrent = -1
  nsNext = -1
  readonly dpa = new DpaTree()

  constructor(readonly dimm: Dimm) {}

  get geometry(): LabelAreaGeometry | undefined {
    return labelAreaGeometry(this.nsarea.configSize, this.nslabelSize)
  }

  /** sizeof_namespace_index(): 0 when the area cannot hold two indexes and two labels. */
  get indexSize(): number {
    return this.geometry?.indexSize ?? 0
  }

  /** nvdimm_init_nsarea(): ask the provider for the label area's size and transfer limit. */
  async initNsarea(): Promise<void> {
    const result = commandStatus(
      await submitCommand(this.dimm.bus, this.dimm, DimmCmd.GET_CONFIG_SIZE),
      `${this.dimm.name}: get_config_size`,
    )
    const size = decodeConfigSize(result.output)
    this.nsarea = { status: size.status, configSize: size.configSize, maxXfer: size.maxXfer }
  }

  /** nvdimm_get_config_data(): read [offset, offset + length) into `data`, in max_xfer chunks. */
  async getConfigData(offset: number, length: number): Promise<void> {
    this.checkRange(offset, length)
    const maxCmd = Math.min(length, this.nsarea.maxXfer)
    for (let done = 0; done < length;) {
      const chunk = Math.min(maxCmd, length - done)
      const result = commandStatus(
        await submitCommand(
          this.dimm.bus,
          this.dimm,
          DimmCmd.GET_CONFIG_DATA,
          encodeGetConfigData({ offset: offset + done, length: chunk }),
        ),
        `${this.dimm.name}: get_config_data`,
      )
      const { data } = decodeConfigDataOut(result.output)
      this.data.set(data.subarray(0, chunk), offset + done)
      done += chunk
    }
  }

  /** nvdimm_set_config_data(): write `data[offset, offset + length)` to the dimm, in max_xfer chunks. */
  async setConfigData(offset: number, length: number): Promise<void> {
    this.checkRange(offset, length)
    const maxCmd = Math.min(length, this.nsarea.maxXfer)
    for (let done = 0; done < length;) {
      const chunk = Math.min(maxCmd, length - done)
      const bytes = this.data.subarray(offset + done, offset + done + chunk)
      commandStatus(
        await submitCommand(
          this.dimm.bus,
          this.dimm,
          DimmCmd.SET_CONFIG_DATA,
          encodeSetConfigData(offset + done, bytes),
        ),
        `${this.dimm.name}: set_config_data`,
      )
      done += chunk
    }
  }

  private checkRange(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.nsarea.configSize) {
      throw new NvdimmError(
        'ENXIO',
        `${this.dimm.name}: label area access at ${offset}+${length} is beyond its ${this.nsarea.configSize} bytes`,
      )
    }
  }
}
