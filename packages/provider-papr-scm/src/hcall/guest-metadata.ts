import { hex, NvdimmError } from '@nvdimm/core'
import { HcallError } from './hcall-error.js'
import { H_SCM_READ_METADATA, H_SCM_WRITE_METADATA } from './hcall-opcodes.js'
import { H_PARAMETER, H_SUCCESS } from './hcall-return-codes.js'
import type { PaprHcalls } from './papr-hypervisor.js'

/** papr_scm's label transfer unit (ND_CMD_GET_CONFIG_SIZE's max_xfer). */
export const PAPR_SCM_METADATA_MAX_XFER = 8

/** The access papr_scm_meta_get/set() makes for `left` bytes: 8, 4, 2, then 1. */
function chunk(left: number): number {
  return left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1
}

/**
 * The device as the metadata helpers need it. `metadataSize` may be a number or absent, as
 * `ibm,metadata-size` is optional (papr_scm: "might be zero"), so a parsed device-tree node fits.
 */
export interface MetadataDevice {
  drcIndex: number
  metadataSize?: bigint | number
}

function checkRange(device: MetadataDevice, offset: bigint, length: number): void {
  const raw = device.metadataSize ?? 0
  if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
    throw new NvdimmError('EINVAL', `a metadata size of ${raw} bytes`)
  }
  const size = BigInt(raw)
  if (offset < 0n || !Number.isInteger(length) || length < 0 || offset + BigInt(length) > size) {
    throw new NvdimmError(
      'EINVAL',
      `${length} bytes at ${hex(offset)} do not fit the metadata area of ${hex(size)} bytes`,
    )
  }
}

function failed(opcode: number, rc: bigint, drcIndex: number): never {
  // papr_scm: H_PARAMETER means a bad DRC index (ENODEV); any other failure is an invalid parameter.
  if (rc === H_PARAMETER) throw new HcallError('ENODEV', opcode, rc, `bad DRC index ${hex(drcIndex)}`)
  throw new HcallError('EINVAL', opcode, rc, `metadata access on DRC ${hex(drcIndex)} failed`)
}

/** papr_scm_meta_get(): read the label area in 8/4/2/1-byte big-endian H_SCM_READ_METADATA calls. */
export function metadataRead(hv: PaprHcalls, device: MetadataDevice, offset: bigint, length: number): Uint8Array {
  checkRange(device, offset, length)
  const out = new Uint8Array(length)
  for (let done = 0; done < length;) {
    const size = chunk(length - done)
    const result = hv.hcall(H_SCM_READ_METADATA, [BigInt(device.drcIndex), offset + BigInt(done), BigInt(size)])
    if (result.rc !== H_SUCCESS) failed(H_SCM_READ_METADATA, result.rc, device.drcIndex)
    let value = result.rets[0] ?? 0n
    for (let n = size - 1; n >= 0; n--, value >>= 8n) out[done + n] = Number(value & 0xffn)
    done += size
  }
  return out
}

/** papr_scm_meta_set(): write the label area in 8/4/2/1-byte big-endian H_SCM_WRITE_METADATA calls. */
export function metadataWrite(hv: PaprHcalls, device: MetadataDevice, offset: bigint, data: Uint8Array): void {
  checkRange(device, offset, data.length)
  for (let done = 0; done < data.length;) {
    const size = chunk(data.length - done)
    const value = data.subarray(done, done + size).reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
    const result = hv.hcall(H_SCM_WRITE_METADATA, [BigInt(device.drcIndex), offset + BigInt(done), value, BigInt(size)])
    if (result.rc !== H_SUCCESS) failed(H_SCM_WRITE_METADATA, result.rc, device.drcIndex)
    done += size
  }
}
