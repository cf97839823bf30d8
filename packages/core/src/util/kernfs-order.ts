/**
 * The order in which ndctl lists devices of one kind (buses, dimms, regions, namespaces).
 *
 * libndctl discovers devices with readdir() on sysfs and adds each to the head of its list
 * (ccan list_add), so it lists them in the reverse of readdir order. sysfs (kernfs) returns
 * directory entries sorted by kernfs_name_hash() (fs/kernfs/dir.c), so ndctl's order is by
 * descending name hash: with "region0" and "region1", ndctl prints region1 first, as the
 * golden output of every ndctl run shows.
 */

const GOLDEN_RATIO_64 = 0x61c8864680b583ebn
const U64 = (1n << 64n) - 1n
const INT_MAX = 0x7fffffffn

/** kernfs_name_hash(name, ns = NULL) on a 64-bit kernel (include/linux/stringhash.h). */
export function kernfsNameHash(name: string): number {
  let hash = 0n // init_name_hash(NULL)
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = BigInt(byte)
    hash = ((hash + (c << 4n) + (c >> 4n)) * 11n) & U64 // partial_name_hash()
  }
  // end_name_hash() = hash_long(hash, 32) = (hash * GOLDEN_RATIO_64) >> 32
  let result = ((hash * GOLDEN_RATIO_64) & U64) >> 32n
  result &= INT_MAX
  if (result < 2n) result += 2n // 0, 1 and INT_MAX are reserved for "." ".." and the end
  if (result >= INT_MAX) result = INT_MAX - 1n
  return Number(result)
}

const hashCache = new Map<string, number>()

function cachedHash(name: string): number {
  let hash = hashCache.get(name)
  if (hash === undefined) {
    hash = kernfsNameHash(name)
    if (hashCache.size > 100_000) hashCache.clear()
    hashCache.set(name, hash)
  }
  return hash
}

/** Sort devices the way ndctl lists them: descending kernfs hash, then descending name. */
export function inNdctlOrder<T extends { readonly name: string }>(devices: Iterable<T>): T[] {
  return [...devices].sort((a, b) => {
    const ha = cachedHash(a.name)
    const hb = cachedHash(b.name)
    if (ha !== hb) return hb - ha
    return a.name < b.name ? 1 : a.name > b.name ? -1 : 0
  })
}
