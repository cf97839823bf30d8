import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { acpiChecksumFor, acpiTableSum, fixAcpiChecksum } from '../../src/table/nfit-checksum.js'
import {
  decodeGuid,
  guidToBytes,
  SPA_PM_GUID,
  SPA_RANGE_TYPES,
  spaRangeGuid,
  spaRangeTypeName,
} from '../../src/table/nfit-guid.js'

describe('NFIT GUIDs', () => {
  it("stores the PM range GUID as QEMU's NVDIMM_UUID_LE() does", () => {
    expect([...guidToBytes(SPA_PM_GUID)]).toEqual([
      0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40, 0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb,
    ])
    expect(decodeGuid(guidToBytes('66F0D379-B4F3-4074-AC43-0D3318B78CDB'))).toBe(SPA_PM_GUID)
  })

  it('reads a GUID at an offset and round-trips every range type', () => {
    const bytes = new Uint8Array(20)
    bytes.set(guidToBytes(SPA_RANGE_TYPES[7].guid), 4)
    expect(decodeGuid(bytes, 4)).toBe('08018188-42cd-bb48-100f-5387d53ded3d')
    for (const type of SPA_RANGE_TYPES) {
      expect(decodeGuid(guidToBytes(type.guid))).toBe(type.guid)
      expect(spaRangeTypeName(type.guid.toUpperCase())).toBe(type.name)
      expect(spaRangeGuid(type.name)).toBe(type.guid)
    }
    expect(spaRangeTypeName('00000000-0000-0000-0000-000000000000')).toBe('unknown')
    expect(spaRangeGuid('nope')).toBeUndefined()
  })

  it('refuses text that is not a GUID', () => {
    expect(() => guidToBytes('66f0d379-b4f3-4074-ac43-0d3318b78cd')).toThrow(NvdimmError)
  })
})

describe('ACPI checksum', () => {
  it('finds the byte that makes the table sum to zero', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)
    const checksum = acpiChecksumFor(bytes)
    expect(fixAcpiChecksum(bytes)).toBe(checksum)
    expect(bytes[9]).toBe(checksum)
    expect(acpiTableSum(bytes)).toBe(0)
    // Only the first `length` bytes count.
    fixAcpiChecksum(bytes, 63)
    expect(acpiTableSum(bytes, 63)).toBe(0)
    expect(acpiTableSum(bytes)).toBe(bytes[63])
  })
})
