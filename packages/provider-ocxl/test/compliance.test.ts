import { MemoryMedia } from '@nvdimm/core'
import { providerCompliance } from '@nvdimm/core/testing'
import { ManualClock, OcxlCard, ocxl } from '../src/index.js'

providerCompliance({
  name: '@nvdimm/provider-ocxl',
  setup: () => {
    const clock = new ManualClock()
    return {
      arch: 'ppc64',
      providers: [
        ocxl({
          clock,
          cards: [
            {
              link: { phbId: 0, bdfn: 1 },
              card: new OcxlCard({ clock }),
              media: new MemoryMedia(1n << 30n),
              serial: 1n,
            },
          ],
        }),
      ],
    }
  },
})
