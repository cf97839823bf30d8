import { providerCompliance } from '../src/testing/index.js'
import { twoWayAndLegacy } from './fixtures.js'

providerCompliance({
  name: 'mock provider',
  setup: () => ({
    providers: [
      twoWayAndLegacy({
        dimms: [{ flags: ['labeling'] }, { flags: ['labeling'], health: { state: 'ok', temperature: 23 } }],
      }),
    ],
  }),
})
