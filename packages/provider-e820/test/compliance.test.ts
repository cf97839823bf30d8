import { providerCompliance } from '@nvdimm/core/testing'
import { e820 } from '../src/index.js'

providerCompliance({
  name: '@nvdimm/provider-e820',
  setup: () => ({ providers: [e820({ memmap: 'memmap=128M!512M,64M!768M,30M!901M' })] }),
})
