import { MemoryMedia } from '@nvdimm/core'
import { providerCompliance } from '@nvdimm/core/testing'
import {
  NFIT_TEST0_HANDLES,
  NFIT_TEST_LABEL_MAX_XFER,
  NFIT_TEST_LABEL_SIZE,
  nfit,
  nfitTest0Table,
  qemuNfitTable,
} from '../src/index.js'

providerCompliance({
  name: '@nvdimm/provider-nfit (nfit_test.0)',
  setup: () => ({
    providers: [
      nfit({
        table: nfitTest0Table(),
        providerName: 'nfit_test.0',
        rangeMedia: (spa) => new MemoryMedia(spa.length),
        labelAreas: new Map(
          NFIT_TEST0_HANDLES.map((handle) => [
            handle,
            { media: new MemoryMedia(BigInt(NFIT_TEST_LABEL_SIZE)), maxXfer: NFIT_TEST_LABEL_MAX_XFER },
          ]),
        ),
      }),
    ],
  }),
})

providerCompliance({
  name: '@nvdimm/provider-nfit (QEMU, no label areas)',
  setup: () => ({
    providers: [
      nfit({
        table: qemuNfitTable([{ fileSize: 64n << 20n, labelSize: 0n }]),
        rangeMedia: (spa) => new MemoryMedia(spa.length),
      }),
    ],
  }),
})
