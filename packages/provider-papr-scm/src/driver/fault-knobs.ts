import { MemoryMedia, NvdimmError } from '@nvdimm/core'
import { decodeFdt, parsePmemoryNodes } from '../device-tree/index.js'
import { hcallName, PaprHypervisor } from '../hcall/index.js'
import type { PaprScmEntry } from '../platform-kind.js'
import { loadPaprFirmware } from './papr-firmware-store.js'

/** A fault to leave in the hypervisor for the next kernel to meet. */
export type PaprFault =
  | { kind: 'busy'; drcIndex: number; opcode: number; times: number }
  | { kind: 'long-busy'; drcIndex: number; opcode: number; order: number; times: number }
  | { kind: 'hardware'; drcIndex: number; opcode: number; times: number }
  | { kind: 'leave-binding'; drcIndex: number }
  | { kind: 'health'; drcIndex: number; bits: bigint }
  | { kind: 'clear'; drcIndex: number }

/** An hcall by name (H_SCM_BIND_MEM) or number (0x3ec). */
export function parseHcall(text: string): number {
  for (let opcode = 0; opcode <= 0x500; opcode += 4) if (hcallName(opcode) === text) return opcode
  const number = Number(text)
  if (Number.isInteger(number) && number > 0 && hcallName(number) !== `0x${number.toString(16)}`) return number
  throw new NvdimmError('EINVAL', `'${text}' is not an SCM hcall (e.g. H_SCM_BIND_MEM)`)
}

/**
 * The firmware state with one more fault in the hypervisor. A binding left behind is one no
 * running kernel knows of, as after a kexec, a panic or a fadump: the next start meets H_OVERLAP.
 */
export function withPaprFault(
  entry: PaprScmEntry,
  state: unknown,
  counts: { boot: number; kernel: number },
  fault: PaprFault,
): unknown {
  const nodes = parsePmemoryNodes(decodeFdt(entry.dtb).tree)
  if (!nodes.some((node) => node.drcIndex === fault.drcIndex)) {
    throw new NvdimmError('ENXIO', `no SCM device has drc index 0x${fault.drcIndex.toString(16)}`)
  }
  // The knobs touch no data: stand-in label areas of the right size will do.
  const configs = nodes.map((node) => ({
    drcIndex: node.drcIndex,
    blockSize: node.blockSize,
    blockCount: node.blockCount,
    metadata: new MemoryMedia(BigInt(node.metadataSize ?? 0)),
    hcallFlushRequired: node.hcallFlushRequired,
  }))
  const saved = loadPaprFirmware({ load: () => state, save: () => undefined })
  const hv = saved ? PaprHypervisor.fromJSON(saved.hypervisor, configs) : new PaprHypervisor(configs)
  let kernel = saved?.kernel ?? counts.kernel
  switch (fault.kind) {
    case 'busy':
      hv.busy(fault.opcode, fault.times)
      break
    case 'long-busy':
      hv.longBusy(fault.opcode, fault.order, fault.times)
      break
    case 'hardware':
      hv.hardwareError(fault.opcode, fault.times)
      break
    case 'leave-binding':
      if (hv.bindings(fault.drcIndex).length === 0) hv.leaveBinding(fault.drcIndex)
      // No kernel that runs now owns what is bound.
      kernel = -1
      break
    case 'health':
      hv.setHealth(fault.drcIndex, fault.bits)
      break
    case 'clear':
      hv.clearFaults()
      hv.clearHealth(fault.drcIndex, (1n << 64n) - 1n)
      break
  }
  return {
    boot: saved?.boot ?? counts.boot,
    kernel,
    hypervisor: hv.toJSON(),
    injectMasks: saved?.injectMasks ?? {},
  }
}
