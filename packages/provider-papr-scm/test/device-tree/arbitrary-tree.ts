import fc from 'fast-check'
import type { DtNode } from '../../src/device-tree/dt-node.js'
import { EMPTY_VALUE, cellsValue, stringListValue } from '../../src/device-tree/dt-property.js'

/** Values of every shape dtc guesses: bytes, text and string lists, cells, empty. */
export const arbitraryValue: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.array(fc.stringMatching(/^[ -~\t\n]{0,6}$/), { minLength: 1, maxLength: 3 }).map((list) => stringListValue(list)),
  fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 5 }).map((cells) => cellsValue(...cells)),
  fc.constant(EMPTY_VALUE),
)

const propertyName = fc.stringMatching(/^[a-z#][a-z0-9,#-]{0,12}$/)
const nodeName = fc.stringMatching(/^[a-z][a-z0-9,-]{0,8}(@[0-9a-f]{1,4})?$/)

const properties = fc.uniqueArray(fc.record({ name: propertyName, value: arbitraryValue }), {
  maxLength: 6,
  selector: (property) => property.name,
})

function nodeOfDepth(depth: number): fc.Arbitrary<DtNode> {
  const children =
    depth === 0
      ? fc.constant<DtNode[]>([])
      : fc.uniqueArray(nodeOfDepth(depth - 1), { maxLength: 3, selector: (node) => node.name })
  return fc.record({ name: nodeName, properties, children })
}

/** Trees dtc reads back: plain names, unique among siblings, up to 4 levels under the root. */
export const arbitraryTree: fc.Arbitrary<DtNode> = nodeOfDepth(4).map((root) => ({ ...root, name: '' }))

export const arbitraryU64: fc.Arbitrary<bigint> = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })

export const arbitraryMemReserve = fc.array(
  fc.record({ address: arbitraryU64, size: arbitraryU64.filter((size) => size > 0n) }),
  { maxLength: 3 },
)
