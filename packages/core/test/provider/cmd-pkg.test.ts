import { describe, expect, it } from 'vitest'
import {
  completeCmdPkg,
  decodeCmdPkg,
  encodeCmdPkg,
  ND_CMD_PKG_HEADER_SIZE,
  ND_IOCTL_MAX_BUFLEN,
  NvdimmError,
} from '../../src/index.js'

function dv(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    return (error as NvdimmError).errno
  }
  return undefined
}

describe('nd_cmd_pkg envelope', () => {
  it('lays out the header as struct nd_cmd_pkg', () => {
    const input = Uint8Array.from([0xaa, 0xbb, 0xcc])
    const bytes = encodeCmdPkg({ family: 0, command: 22, input, outputSize: 4 })
    expect(bytes.length).toBe(64 + 3 + 4)
    expect(dv(bytes).getBigUint64(0, true)).toBe(0n)
    expect(dv(bytes).getBigUint64(8, true)).toBe(22n)
    expect(dv(bytes).getUint32(16, true)).toBe(3)
    expect(dv(bytes).getUint32(20, true)).toBe(4)
    for (let offset = 24; offset < 60; offset++) expect(bytes[offset]).toBe(0)
    expect(dv(bytes).getUint32(60, true)).toBe(0)
    expect([...bytes.subarray(64, 67)]).toEqual([0xaa, 0xbb, 0xcc])
    expect([...bytes.subarray(67)]).toEqual([0, 0, 0, 0])
  })

  it('decodes what it encodes, input and output as views', () => {
    const input = Uint8Array.from({ length: 32 }, (_, i) => i)
    const bytes = encodeCmdPkg({ family: 5, command: 1, input, outputSize: 8, fwSize: 3 })
    const pkg = decodeCmdPkg(bytes)
    expect(pkg).toMatchObject({ family: 5, command: 1, sizeIn: 32, sizeOut: 8, fwSize: 3 })
    expect([...pkg.input]).toEqual([...input])
    expect(pkg.output.length).toBe(8)
    pkg.output[0] = 0x7f
    expect(bytes[64 + 32]).toBe(0x7f)
  })

  it('ignores bytes past the envelope, as libndctl allocates more than it describes', () => {
    const bytes = encodeCmdPkg({ family: 0, command: 1, input: new Uint8Array(0), outputSize: 132 })
    const padded = new Uint8Array(bytes.length + 100)
    padded.set(bytes)
    expect(decodeCmdPkg(padded).output.length).toBe(132)
  })

  it('refuses short headers, reserved words, truncated payloads and oversize envelopes', () => {
    expect(errnoOf(() => decodeCmdPkg(new Uint8Array(63)))).toBe('EINVAL')
    for (let word = 0; word < 9; word++) {
      const bytes = encodeCmdPkg({ family: 0, command: 1, input: new Uint8Array(0), outputSize: 4 })
      dv(bytes).setUint32(24 + 4 * word, 1, true)
      expect(errnoOf(() => decodeCmdPkg(bytes))).toBe('EINVAL')
    }
    const truncated = encodeCmdPkg({ family: 0, command: 1, input: new Uint8Array(8), outputSize: 4 })
    expect(errnoOf(() => decodeCmdPkg(truncated.subarray(0, truncated.length - 1)))).toBe('EINVAL')
    const huge = new Uint8Array(64)
    dv(huge).setUint32(20, ND_IOCTL_MAX_BUFLEN, true)
    expect(errnoOf(() => decodeCmdPkg(huge))).toBe('EINVAL')
    const family = encodeCmdPkg({ family: 0, command: 1, input: new Uint8Array(0), outputSize: 0 })
    dv(family).setBigUint64(0, 1n << 40n, true)
    expect(errnoOf(() => decodeCmdPkg(family))).toBe('EINVAL')
    const command = encodeCmdPkg({ family: 0, command: 1, input: new Uint8Array(0), outputSize: 0 })
    dv(command).setBigUint64(8, 1n << 33n, true)
    expect(errnoOf(() => decodeCmdPkg(command))).toBe('EINVAL')
  })

  it('refuses to encode what the kernel would refuse', () => {
    expect(errnoOf(() => encodeCmdPkg({ family: -1, command: 1, input: new Uint8Array(0), outputSize: 0 }))).toBe(
      'EINVAL',
    )
    expect(errnoOf(() => encodeCmdPkg({ family: 0, command: 1.5, input: new Uint8Array(0), outputSize: 0 }))).toBe(
      'EINVAL',
    )
    expect(
      errnoOf(() => encodeCmdPkg({ family: 0, command: 1, input: new Uint8Array(0), outputSize: ND_IOCTL_MAX_BUFLEN })),
    ).toBe('EINVAL')
  })

  it('completes a reply as acpi_nfit_ctl: nd_fw_size set, output clipped to nd_size_out', () => {
    const request = encodeCmdPkg({ family: 0, command: 12, input: Uint8Array.from([9, 9]), outputSize: 6 })
    const firmware = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const reply = completeCmdPkg(request, firmware)
    const pkg = decodeCmdPkg(reply)
    expect(pkg.fwSize).toBe(10)
    expect([...pkg.input]).toEqual([9, 9])
    expect([...pkg.output]).toEqual([1, 2, 3, 4, 5, 6])
    expect(reply.length).toBe(ND_CMD_PKG_HEADER_SIZE + 2 + 6)
    // the request itself is untouched
    expect(decodeCmdPkg(request).fwSize).toBe(0)

    const short = decodeCmdPkg(completeCmdPkg(request, Uint8Array.from([0xee])))
    expect(short.fwSize).toBe(1)
    expect([...short.output]).toEqual([0xee, 0, 0, 0, 0, 0])
  })
})
