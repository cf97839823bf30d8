import { type Errno, NvdimmError } from '@nvdimm/core'
import { hcallName } from './hcall-opcodes.js'
import { hcallReturnName } from './hcall-return-codes.js'

/** An hcall that failed, as papr_scm reports it: the kernel's errno plus the hypervisor's code. */
export class HcallError extends NvdimmError {
  constructor(
    errno: Errno,
    /** The hcall's opcode. */
    readonly opcode: number,
    /** The hypervisor's signed return code (H_OVERLAP is -68n). */
    readonly rc: bigint,
    message: string,
  ) {
    super(errno, `${message} (${hcallName(opcode)}: ${hcallReturnName(rc)}, ${rc})`)
  }
}
