// Store a byte through a devdax mapping and exit without persisting it: the store stays in
// flight (platform/inflight.json) until a power-cycle makes it durable or
// `nvdimm platform power-fail --seed N` decides whether the caches had written it back.
// `node leave-in-flight.mjs read` prints the byte.
import { Platform } from '@nvdimm/core'
import { e820Kind } from '@nvdimm/provider-e820'
import { nfitKind } from '@nvdimm/provider-nfit'
import { ocxlKind } from '@nvdimm/provider-ocxl'
import { paprScmKind } from '@nvdimm/provider-papr-scm'

const platform = Platform.open(process.env.NVDIMM_PLATFORM, [e820Kind, nfitKind, paprScmKind, ocxlKind])
const reading = process.argv[2] === 'read'
const use = async (nd) => {
  const dax = nd.namespace('namespace0.0').openDaxDevice()
  const map = dax.map(0n, dax.align)
  if (reading) {
    const byte = new Uint8Array(1)
    map.read(8192n, byte)
    console.log(`byte at 8192: ${byte[0]}`)
  } else {
    map.write(8192n, Uint8Array.of(0x5a)) // a cached store; no writeback, no fence
  }
}
if (reading) {
  const session = await platform.start({ readOnly: true })
  await use(session.nd).finally(() => session.close())
} else {
  await platform.update(use, { cacheModel: true })
}
