import { mockProvider, providerCompliance } from '../src/testing/index.js'

providerCompliance({
  name: 'mock provider',
  setup: () => ({
    providers: [
      mockProvider({
        buses: [
          {
            providerName: 'nfit_test.0',
            dimms: [{ flags: ['labeling'] }, { flags: ['labeling'], health: { state: 'ok', temperature: 23 } }],
            regions: [
              {
                start: 0x1_0000_0000n,
                size: 64n << 20n,
                mappings: [
                  { dimm: 0, start: 0n, size: 32n << 20n },
                  { dimm: 1, start: 0n, size: 32n << 20n },
                ],
              },
            ],
          },
          { providerName: 'nfit_test.1', regions: [{ start: 0x2000_0000n, size: 32n << 20n, flags: ['pagemap'] }] },
        ],
      }),
    ],
  }),
})
