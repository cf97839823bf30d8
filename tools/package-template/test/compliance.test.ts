import { providerCompliance } from '@nvdimm/core/testing'

providerCompliance({
  name: '@nvdimm/provider-x',
  setup: () => ({ providers: [] }),
})
