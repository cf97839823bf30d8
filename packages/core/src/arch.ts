import { NvdimmError } from './errors.js'
import { SZ_16M, SZ_1G, SZ_2M, SZ_4K, SZ_64K } from './units.js'

/**
 * What the running architecture imposes on persistent memory mappings.
 * memremap_compat_align(): the smallest alignment memremap_pages() can map on this arch
 * (seed "libnvdimm/namespace: Enforce memremap_compat_align()"; generic = SUBSECTION_SIZE,
 * powerpc hash = the linear-map page size, 16 MiB).
 */
export interface ArchProfile {
  readonly name: ArchName
  readonly pageSize: bigint
  readonly memremapCompatAlign: bigint
  /** nd_pfn_supported_alignments(): PAGE_SIZE, then the PMD and PUD sizes THP can map. */
  readonly supportedAlignments: readonly bigint[]
  readonly cacheLineSize: number
}

export const ARCH_NAMES = ['x86_64', 'ppc64', 'ppc64-hash'] as const
export type ArchName = (typeof ARCH_NAMES)[number]

/** The largest memremap_compat_align() of any arch: new namespaces are aligned to it. */
export const MEMREMAP_COMPAT_ALIGN_MAX = SZ_16M

const PROFILES: Record<ArchName, ArchProfile> = {
  x86_64: {
    name: 'x86_64',
    pageSize: SZ_4K,
    memremapCompatAlign: SZ_2M,
    supportedAlignments: [SZ_4K, SZ_2M, SZ_1G],
    cacheLineSize: 64,
  },
  // POWER9 and later boot with the radix MMU: 64 KiB pages, 2 MiB PMD, 1 GiB PUD.
  ppc64: {
    name: 'ppc64',
    pageSize: SZ_64K,
    memremapCompatAlign: SZ_2M,
    supportedAlignments: [SZ_64K, SZ_2M, SZ_1G],
    cacheLineSize: 128,
  },
  // Hash MMU: the linear map uses 16 MiB pages, THP maps 16 MiB PMDs and no PUDs.
  'ppc64-hash': {
    name: 'ppc64-hash',
    pageSize: SZ_64K,
    memremapCompatAlign: SZ_16M,
    supportedAlignments: [SZ_64K, SZ_16M],
    cacheLineSize: 128,
  },
}

export function archProfile(name: string): ArchProfile {
  const profile = (PROFILES as Record<string, ArchProfile | undefined>)[name]
  if (!profile) {
    throw new NvdimmError('EINVAL', `unknown arch '${name}': expected one of ${ARCH_NAMES.join(', ')}`)
  }
  return profile
}
