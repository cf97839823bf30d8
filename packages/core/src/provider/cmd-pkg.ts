import { NvdimmError } from '../errors.js'

/**
 * The ND_CMD_CALL envelope, struct nd_cmd_pkg (include/uapi/linux/ndctl.h), little-endian:
 *   u64 nd_family @0, u64 nd_command @8, u32 nd_size_in @16, u32 nd_size_out @20,
 *   u32 nd_reserved2[9] @24 (must be zero), u32 nd_fw_size @60, u8 nd_payload[] @64.
 * The payload holds nd_size_in bytes of input, then nd_size_out bytes the firmware's output
 * is copied into; the ioctl moves exactly 64 + nd_size_in + nd_size_out bytes.
 */

export const ND_CMD_PKG_HEADER_SIZE = 64

/** drivers/nvdimm/nd-core.h: the largest buffer __nd_ioctl() accepts (-EINVAL beyond). */
export const ND_IOCTL_MAX_BUFLEN = 4 << 20

const RESERVED_OFFSET = 24
const RESERVED_WORDS = 9
const FW_SIZE_OFFSET = 60

export interface CmdPkgRequest {
  /** NVDIMM_FAMILY_* (or NVDIMM_BUS_FAMILY_* for bus commands). */
  family: number
  /** The function number within the family. */
  command: number
  input: Uint8Array
  /** Room for the firmware's answer (nd_size_out). */
  outputSize: number
  /** nd_fw_size; callers leave it 0, the kernel fills it in. */
  fwSize?: number
}

export interface CmdPkg {
  family: number
  command: number
  sizeIn: number
  sizeOut: number
  /** How many bytes the firmware wanted to return; may exceed sizeOut. */
  fwSize: number
  /** The nd_size_in input bytes (a view into the envelope). */
  input: Uint8Array
  /** The nd_size_out output bytes after the input (a view into the envelope). */
  output: Uint8Array
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new NvdimmError('EINVAL', `nd_cmd_pkg: ${what} ${value} is not a u32`)
  }
}

function checkLength(sizeIn: number, sizeOut: number): void {
  const total = ND_CMD_PKG_HEADER_SIZE + sizeIn + sizeOut
  if (total > ND_IOCTL_MAX_BUFLEN) {
    throw new NvdimmError(
      'EINVAL',
      `nd_cmd_pkg: ${total} bytes with ${sizeIn} in and ${sizeOut} out, the ioctl limit is ${ND_IOCTL_MAX_BUFLEN}`,
    )
  }
}

/** Build the envelope a caller hands to ND_CMD_CALL: header, input, then zeroed output room. */
export function encodeCmdPkg(request: CmdPkgRequest): Uint8Array {
  checkU32(request.family, 'nd_family')
  checkU32(request.command, 'nd_command')
  checkU32(request.outputSize, 'nd_size_out')
  checkU32(request.fwSize ?? 0, 'nd_fw_size')
  checkLength(request.input.length, request.outputSize)
  const out = new Uint8Array(ND_CMD_PKG_HEADER_SIZE + request.input.length + request.outputSize)
  const dv = view(out)
  dv.setBigUint64(0, BigInt(request.family), true)
  dv.setBigUint64(8, BigInt(request.command), true)
  dv.setUint32(16, request.input.length, true)
  dv.setUint32(20, request.outputSize, true)
  dv.setUint32(FW_SIZE_OFFSET, request.fwSize ?? 0, true)
  out.set(request.input, ND_CMD_PKG_HEADER_SIZE)
  return out
}

/**
 * Read an envelope. Refused with EINVAL: fewer than 64 bytes, a non-zero reserved word
 * (cmd_to_func() in drivers/acpi/nfit/core.c), a family or command beyond u32 (no family or
 * function is that large), sizes past the end of the bytes or the ioctl limit. Trailing bytes
 * are ignored: libndctl allocates its command larger than the envelope it describes.
 */
export function decodeCmdPkg(bytes: Uint8Array): CmdPkg {
  if (bytes.length < ND_CMD_PKG_HEADER_SIZE) {
    throw new NvdimmError('EINVAL', `nd_cmd_pkg: ${bytes.length} bytes, the header alone is ${ND_CMD_PKG_HEADER_SIZE}`)
  }
  const dv = view(bytes)
  const family = dv.getBigUint64(0, true)
  const command = dv.getBigUint64(8, true)
  if (family > 0xffffffffn)
    throw new NvdimmError('EINVAL', `nd_cmd_pkg: nd_family 0x${family.toString(16)} is out of range`)
  if (command > 0xffffffffn) {
    throw new NvdimmError('EINVAL', `nd_cmd_pkg: nd_command 0x${command.toString(16)} is out of range`)
  }
  for (let i = 0; i < RESERVED_WORDS; i++) {
    if (dv.getUint32(RESERVED_OFFSET + 4 * i, true) !== 0) {
      throw new NvdimmError('EINVAL', `nd_cmd_pkg: reserved word ${i} is not zero`)
    }
  }
  const sizeIn = dv.getUint32(16, true)
  const sizeOut = dv.getUint32(20, true)
  checkLength(sizeIn, sizeOut)
  const end = ND_CMD_PKG_HEADER_SIZE + sizeIn + sizeOut
  if (bytes.length < end) {
    throw new NvdimmError(
      'EINVAL',
      `nd_cmd_pkg: ${sizeIn} bytes in and ${sizeOut} out need ${end} bytes, the envelope has ${bytes.length}`,
    )
  }
  const inputEnd = ND_CMD_PKG_HEADER_SIZE + sizeIn
  return {
    family: Number(family),
    command: Number(command),
    sizeIn,
    sizeOut,
    fwSize: dv.getUint32(FW_SIZE_OFFSET, true),
    input: bytes.subarray(ND_CMD_PKG_HEADER_SIZE, inputEnd),
    output: bytes.subarray(inputEnd, end),
  }
}

/**
 * What acpi_nfit_ctl() hands back for ND_CMD_CALL: a copy of the envelope with nd_fw_size set to
 * the firmware's output length and min(nd_fw_size, nd_size_out) output bytes copied after the
 * input. The rest of the output room keeps what the caller put there.
 */
export function completeCmdPkg(envelope: Uint8Array, firmwareOutput: Uint8Array): Uint8Array {
  const pkg = decodeCmdPkg(envelope)
  const end = ND_CMD_PKG_HEADER_SIZE + pkg.sizeIn + pkg.sizeOut
  const reply = envelope.slice(0, end)
  view(reply).setUint32(FW_SIZE_OFFSET, firmwareOutput.length, true)
  const copied = Math.min(firmwareOutput.length, pkg.sizeOut)
  reply.set(firmwareOutput.subarray(0, copied), ND_CMD_PKG_HEADER_SIZE + pkg.sizeIn)
  return reply
}
