/**
 * nd_fletcher64() (drivers/nvdimm/core.c): 32-bit words summed into a 32-bit low sum and a
 * running sum of those; only the low 32 bits of the second survive the final shift. Labels,
 * index blocks and info blocks use little-endian words; interleave-set cookies use the
 * CPU's order (`littleEndian` false on a big-endian CPU).
 */
export function fletcher64(bytes: Uint8Array, littleEndian = true): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let lo = 0
  let hi = 0
  const words = Math.floor(bytes.length / 4)
  for (let i = 0; i < words; i++) {
    lo = (lo + view.getUint32(i * 4, littleEndian)) >>> 0
    hi = (hi + lo) >>> 0
  }
  return (BigInt(hi) << 32n) | BigInt(lo)
}
