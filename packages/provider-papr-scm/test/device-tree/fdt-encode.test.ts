import { NvdimmError } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { walkNodes } from '../../src/device-tree/dt-node.js'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import { EMPTY_VALUE, cellsValue, latin1FromBytes, stringValue } from '../../src/device-tree/dt-property.js'
import { decodeFdt } from '../../src/device-tree/fdt-decode.js'
import { encodeFdt } from '../../src/device-tree/fdt-encode.js'
import { FDT_HEADER } from '../../src/device-tree/fdt-layout.js'
import { DTC_SKIP_NOTE, GOLDEN_SKIP_NOTE, VARIANTS, goldenDtb, goldenDts, hasDtc, hasGolden, runDtc } from './golden.js'

function header(bytes: Uint8Array): Record<keyof typeof FDT_HEADER, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const fields = {} as Record<keyof typeof FDT_HEADER, number>
  for (const [name, offset] of Object.entries(FDT_HEADER))
    fields[name as keyof typeof FDT_HEADER] = view.getUint32(offset)
  return fields
}

function invalid(run: () => unknown, text: RegExp): void {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(NvdimmError)
    expect((error as NvdimmError).errno).toBe('EINVAL')
    expect((error as NvdimmError).message).toMatch(text)
    return
  }
  throw new Error('no error')
}

describe('encodeFdt against the QEMU pseries blobs' + GOLDEN_SKIP_NOTE, () => {
  it.skipIf(!hasGolden).each(VARIANTS)(
    '%s: decoded and encoded back with its strings block and stale padding, byte for byte',
    (variant) => {
      const bytes = goldenDtb(variant)
      const decoded = decodeFdt(bytes)
      const encoded = encodeFdt(decoded.tree, {
        memReserve: decoded.memReserve,
        bootCpuidPhys: decoded.bootCpuidPhys,
        stringsBlock: decoded.stringsBlock,
        stalePadding: decoded.stalePadding,
      })
      expect(encoded).toEqual(bytes)
    },
  )

  it.skipIf(!hasGolden).each(VARIANTS)('%s: without the stale padding, only padding bytes differ', (variant) => {
    const bytes = goldenDtb(variant)
    const decoded = decodeFdt(bytes)
    expect(decoded.stalePadding.length).toBeGreaterThan(0)
    const encoded = encodeFdt(decoded.tree, { stringsBlock: decoded.stringsBlock })
    expect(encoded.length).toBe(bytes.length)
    const stale = new Set(decoded.stalePadding.flatMap(({ at, bytes: b }) => Array.from(b, (_, i) => at + i)))
    const differing = Array.from(bytes.keys()).filter((i) => bytes[i] !== encoded[i])
    expect(differing.length).toBeGreaterThan(0)
    for (const i of differing) {
      expect(stale.has(i)).toBe(true)
      expect(encoded[i]).toBe(0)
    }
  })

  it.skipIf(!hasGolden).each(VARIANTS)(
    '%s: without it, the names go in the order the tree first uses them',
    (variant) => {
      const decoded = decodeFdt(goldenDtb(variant))
      const encoded = encodeFdt(decoded.tree)
      const fields = header(encoded)
      const strings = latin1FromBytes(encoded.subarray(fields.offDtStrings, fields.totalsize))
      const firstUse: string[] = []
      for (const { node } of walkNodes(decoded.tree))
        for (const property of node.properties) if (!firstUse.includes(property.name)) firstUse.push(property.name)
      // Each name once, as itself or as the tail of an earlier one ("phandle" in "linux,phandle").
      const stored = strings.slice(0, -1).split('\0')
      expect(stored).toEqual(
        firstUse.filter((name, i) => !firstUse.slice(0, i).some((before) => before.endsWith(name))),
      )
      expect(decodeFdt(encoded).tree).toEqual(decoded.tree)
    },
  )

  it.skipIf(!hasGolden || !hasDtc).each(VARIANTS)(
    `%s: the same bytes as dtc -I dtb -O dtb, and dtc prints the golden .dts from them${DTC_SKIP_NOTE}`,
    (variant) => {
      const bytes = goldenDtb(variant)
      const encoded = encodeFdt(decodeFdt(bytes).tree)
      const dtc = runDtc(['-I', 'dtb', '-O', 'dtb', '-q'], bytes)
      expect(dtc.status).toBe(0)
      expect(encoded).toEqual(new Uint8Array(dtc.stdout))
      const dts = runDtc(['-I', 'dtb', '-O', 'dts', '-q'], encoded)
      expect(dts.stdout.toString()).toBe(goldenDts(variant))
    },
  )
})

describe('encodeFdt', () => {
  const tree: DtNode = {
    name: '',
    properties: [
      { name: 'linux,phandle', value: cellsValue(1) },
      { name: 'phandle', value: cellsValue(1) },
      { name: 'empty', value: EMPTY_VALUE },
      { name: 'odd', value: new Uint8Array([1, 2, 3]) },
    ],
    children: [{ name: 'c@0', properties: [{ name: 'phandle', value: cellsValue(2) }], children: [] }],
  }

  it('lays the blob out as dtc does: header, reservations at 0x28, structure, strings', () => {
    const memReserve = [
      { address: 0x1000n, size: 0x2000n },
      { address: 0xffff_ffff_0000_0000n, size: 0x10n },
    ]
    const bytes = encodeFdt(tree, { memReserve, bootCpuidPhys: 5 })
    const fields = header(bytes)
    expect(fields.magic).toBe(0xd00dfeed)
    expect(fields.version).toBe(17)
    expect(fields.lastCompVersion).toBe(16)
    expect(fields.bootCpuidPhys).toBe(5)
    expect(fields.offMemRsvmap).toBe(40)
    expect(fields.offDtStruct).toBe(40 + 3 * 16)
    expect(fields.offDtStrings).toBe(fields.offDtStruct + fields.sizeDtStruct)
    expect(fields.totalsize).toBe(fields.offDtStrings + fields.sizeDtStrings)
    expect(fields.totalsize).toBe(bytes.length)
    expect(decodeFdt(bytes).memReserve).toEqual(memReserve)
  })

  it('stores a name once, a tail of an earlier name in place, values padded to 4 bytes', () => {
    const bytes = encodeFdt(tree)
    const fields = header(bytes)
    expect(latin1FromBytes(bytes.subarray(fields.offDtStrings))).toBe('linux,phandle\0empty\0odd\0')
    const view = new DataView(bytes.buffer)
    // root: BEGIN_NODE + "" (8 bytes), then PROP len nameoff value: phandle's name offset is 6.
    const second = fields.offDtStruct + 8 + 16
    expect(view.getUint32(second + 8)).toBe('linux,'.length)
    const decoded = decodeFdt(bytes)
    expect(decoded.tree).toEqual(tree)
    expect(fields.sizeDtStruct % 4).toBe(0)
  })

  it('starts from a given strings block and appends what it lacks', () => {
    const stringsBlock = stringValue('zzz')
    const bytes = encodeFdt(tree, { stringsBlock })
    const fields = header(bytes)
    expect(latin1FromBytes(bytes.subarray(fields.offDtStrings))).toBe('zzz\0linux,phandle\0empty\0odd\0')
    expect(decodeFdt(bytes).tree).toEqual(tree)
  })

  it('refuses names it cannot store and values outside the header fields', () => {
    invalid(() => encodeFdt({ name: 'a\0b', properties: [], children: [] }), /node name "a\\u0000b" in \/ holds a NUL/)
    invalid(
      () => encodeFdt({ name: '', properties: [{ name: 'ü\u0100', value: EMPTY_VALUE }], children: [] }),
      /property name in \/ .* is not a byte/,
    )
    invalid(() => encodeFdt(tree, { memReserve: [{ address: 1n, size: 0n }] }), /size 0 would end the reservation map/)
    invalid(() => encodeFdt(tree, { memReserve: [{ address: -1n, size: 1n }] }), /64-bit values/)
    invalid(() => encodeFdt(tree, { bootCpuidPhys: 2 ** 32 }), /boot_cpuid_phys/)
  })

  it('refuses a tree deeper than the kernel unflattens', () => {
    let deep: DtNode = { name: 'leaf', properties: [], children: [] }
    for (let i = 0; i < 64; i++) deep = { name: `n${i}`, properties: [], children: [deep] }
    invalid(() => encodeFdt(deep), /nested deeper than 64/)
  })
})
