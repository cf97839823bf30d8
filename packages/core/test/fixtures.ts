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
