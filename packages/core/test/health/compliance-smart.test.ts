import { providerCompliance } from '../../src/testing/index.js'
import { nfitTestDimm, smartPlatform } from './smart-fixtures.js'

// The compliance suite's ops.smart checks, run on a mock whose dimms have thresholds and
// injection (nfit_test's fields, and one dimm that injects everything).
providerCompliance({
  name: 'mock provider with SMART ops',
  setup: () => ({
    providers: [
      smartPlatform([
        nfitTestDimm(0),
        nfitTestDimm(1, { smartInject: true }),
        nfitTestDimm(0x100),
        nfitTestDimm(0x101),
      ]),
    ],
  }),
})
