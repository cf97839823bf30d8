import { type ArchName, createNvdimm, defineProvider, DimmCmd, type Media } from '../src/index.js'
import { mockProvider, type MockDimm } from '../src/testing/index.js'

/**
 * nfit_test-like: bus 0 has two dimms interleaved 2-way into a 64 MiB region; bus 1 is a
 * legacy (pagemap) range. `dimms` overrides the two dimm specs.
 */
export function twoWayAndLegacy(
  options: { dimms?: [MockDimm, MockDimm]; legacySize?: bigint; targetNode?: number } = {},
) {
  return mockProvider({
    buses: [
      {
        providerName: 'nfit_test.0',
        dimms: options.dimms ?? [
          { id: 'cdab-0a-07e0-ffffffff', handle: 0, physId: 0 },
          { id: 'cdab-0a-07e0-feffffff', handle: 1, physId: 1 },
        ],
        regions: [
          {
            start: 0x1_0000_0000n,
            size: 64n << 20n,
            mappings: [
              { dimm: 0, start: 0n, size: 32n << 20n },
              { dimm: 1, start: 0n, size: 32n << 20n },
            ],
            flags: ['persistMemctrl'],
            ...(options.targetNode !== undefined ? { numaNode: 0, targetNode: options.targetNode } : {}),
          },
        ],
      },
      {
        providerName: 'e820',
        regions: [{ start: 0x2000_0000n, size: options.legacySize ?? 128n << 20n, flags: ['pagemap'] }],
      },
    ],
  })
}

/** The three label-area commands a dimm with a label area offers. */
export const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]
const MiB = 1n << 20n

/**
 * nfit_test.0 as the kernel builds it (tools/testing/nvdimm/test/nfit.c; notes §5): four 32 MiB
 * dimms, a 2-way set at DPA 0 and a 4-way 64 MiB set at DPA 16 MiB whose cookies the notes
 * verified (§2.8).
 */
export function nfitTest0() {
  return mockProvider({
    buses: [
      {
        providerName: 'nfit_test.0',
        dimms: [0x0, 0x1, 0x100, 0x101].map((handle) => ({
          id: `cdab-0a-07e0-${(~handle >>> 0).toString(16).padStart(8, '0')}`,
          handle,
          physId: handle,
          cmdMask: LABEL_COMMANDS,
        })),
        regions: [
          {
            start: 0x1_0000_0000n,
            size: 32n * MiB,
            mappings: [0, 1].map((dimm) => ({ dimm, start: 0n, size: 16n * MiB })),
            interleaveSet: { cookie1: 0x1n, cookie2: 0x2n, altcookie: 0x3n },
            flags: ['persistMemctrl'],
          },
          {
            start: 0x1_0800_0000n,
            size: 64n * MiB,
            mappings: [0, 1, 2, 3].map((dimm) => ({ dimm, start: 16n * MiB, size: 16n * MiB })),
            interleaveSet: {
              cookie1: 0x0c0ffadb0100fefbn,
              cookie2: 0xa76c6907811fae57n,
              altcookie: 0x0803f6d70100fefbn,
            },
            flags: ['persistMemctrl'],
          },
        ],
      },
    ],
  })
}

const PMEM_TYPE_GUID = '66f0d379-b4f3-4074-ac43-0d3318b78cdb'

/**
 * The QEMU guest of ../shared/golden/linux-6.1-qemu: two NVDIMMs with 128 KiB label areas,
 * one region each (img0 256 MiB, img1 256 MiB less its label area), QEMU's cookies.
 */
export function qemuPlatform() {
  return mockProvider({
    buses: [
      {
        providerName: 'ACPI.NFIT',
        dimms: [
          { id: '8680-56341200', handle: 1, physId: 0, cmdMask: LABEL_COMMANDS, maxXfer: 4076 },
          { id: '8680-57341200', handle: 2, physId: 0, cmdMask: LABEL_COMMANDS, maxXfer: 4076 },
        ],
        regions: [
          {
            start: 0x1_0000_0000n,
            size: 268435456n,
            mappings: [{ dimm: 0, start: 0n, size: 268435456n }],
            // cookie1 is the one v1.1 labels carry (golden region0 set_cookie); the others are not used here.
            interleaveSet: {
              cookie1: 0x2468ac00123456n,
              cookie2: 0x1111n,
              altcookie: 0x2222n,
              typeGuid: PMEM_TYPE_GUID,
            },
          },
          {
            start: 0x1_1000_0000n,
            size: 268304384n,
            mappings: [{ dimm: 1, start: 0n, size: 268304384n }],
            interleaveSet: {
              cookie1: 0x3333n,
              cookie2: 0xba901c0012b4ddn,
              altcookie: 0x4444n,
              typeGuid: PMEM_TYPE_GUID,
            },
          },
        ],
      },
    ],
  })
}

/** One label-less pagemap range over `media`, as an e820 memmap= range gives, on the arch given. */
export function legacyRange(media: Media, start = 0x2000_0000n, arch: ArchName = 'x86_64') {
  return createNvdimm({
    arch,
    providers: [
      defineProvider('e820', ({ registerBus }) => ({
        async probe() {
          registerBus({ providerName: 'e820' }).createRegion({
            type: 'pmem',
            resource: { start, size: media.size },
            media,
            mappings: [],
            numaNode: 0,
            targetNode: 0,
            flags: ['pagemap'],
          })
        },
      })),
    ],
  })
}
