import { NvdimmError } from './errors.js'
import { SZ_128M, SZ_16M, SZ_1G, SZ_256M, SZ_2M, SZ_4K, SZ_64K } from './units.js'

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
  /** The instruction that writes one cache line back toward persistence (arch_wb_cache_pmem). */
  readonly cacheWriteback: 'clwb' | 'dcbf' | 'dcbstps'
  /** pmem_wmb(): the barrier that makes written-back lines durable in the platform's domain. */
  readonly persistBarrier: 'sfence' | 'hwsync' | 'phwsync'
  /**
   * memory_block_size_bytes(): the unit memory is onlined and offlined in. x86_64 in a guest
   * with less than 64 GiB: MIN_MEMORY_BLOCK_SIZE, 128 MiB; pseries: the LMB size, 256 MiB.
   */
  readonly memoryBlockSize: bigint
}

/** ppc64 is a POWER9-class radix machine, as ppc64-p9. */
export const ARCH_NAMES = ['x86_64', 'ppc64', 'ppc64-hash', 'ppc64-p9', 'ppc64-p10'] as const
export type ArchName = (typeof ARCH_NAMES)[number]

/** The largest memremap_compat_align() of any arch: new namespaces are aligned to it. */
export const MEMREMAP_COMPAT_ALIGN_MAX = SZ_16M

/**
 * POWER with the radix MMU (POWER9 and later): 64 KiB pages, 2 MiB PMD, 1 GiB PUD. Before
 * POWER10, pmem writes back with dcbf and fences with hwsync; POWER10 has the persistent-storage
 * forms dcbstps and phwsync (arch/powerpc/include/asm/cacheflush.h, barrier.h).
 */
function radix(name: ArchName, power10: boolean): ArchProfile {
  return {
    name,
    pageSize: SZ_64K,
    memremapCompatAlign: SZ_2M,
    supportedAlignments: [SZ_64K, SZ_2M, SZ_1G],
    cacheLineSize: 128,
    cacheWriteback: power10 ? 'dcbstps' : 'dcbf',
    persistBarrier: power10 ? 'phwsync' : 'hwsync',
    memoryBlockSize: SZ_256M,
  }
}

const PROFILES: Record<ArchName, ArchProfile> = {
  x86_64: {
    name: 'x86_64',
    pageSize: SZ_4K,
    memremapCompatAlign: SZ_2M,
    supportedAlignments: [SZ_4K, SZ_2M, SZ_1G],
    cacheLineSize: 64,
    cacheWriteback: 'clwb',
    persistBarrier: 'sfence',
    memoryBlockSize: SZ_128M,
  },
  ppc64: radix('ppc64', false),
  'ppc64-p9': radix('ppc64-p9', false),
  'ppc64-p10': radix('ppc64-p10', true),
  // Hash MMU: the linear map uses 16 MiB pages, THP maps 16 MiB PMDs and no PUDs.
  'ppc64-hash': {
    name: 'ppc64-hash',
    pageSize: SZ_64K,
    memremapCompatAlign: SZ_16M,
    supportedAlignments: [SZ_64K, SZ_16M],
    cacheLineSize: 128,
    cacheWriteback: 'dcbf',
    persistBarrier: 'hwsync',
    memoryBlockSize: SZ_256M,
  },
}

export function archProfile(name: string): ArchProfile {
  const profile = (PROFILES as Record<string, ArchProfile | undefined>)[name]
  if (!profile) {
    throw new NvdimmError('EINVAL', `unknown arch '${name}': expected one of ${ARCH_NAMES.join(', ')}`)
  }
  return profile
}
