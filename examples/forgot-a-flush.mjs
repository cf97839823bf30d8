// A program that writes a record and then its valid flag through a devdax mapping, and forgets
// to persist the record before setting the flag. Run it against a platform with a devdax
// namespace0.0 (see the README); it prints the region's persistence domain and what crash-state
// exploration finds. `node forgot-a-flush.mjs --careful` persists the record first.
import { Platform } from '@nvdimm/core'
import { e820Kind } from '@nvdimm/provider-e820'
import { nfitKind } from '@nvdimm/provider-nfit'
import { ocxlKind } from '@nvdimm/provider-ocxl'
import { paprScmKind } from '@nvdimm/provider-papr-scm'

const careful = process.argv.includes('--careful')
const platform = Platform.open(process.env.NVDIMM_PLATFORM, [e820Kind, nfitKind, paprScmKind, ocxlKind])
const session = await platform.start({ cacheModel: true })
try {
  const namespace = session.nd.namespace('namespace0.0')
  const region = namespace.region
  const dax = namespace.openDaxDevice()
  const map = dax.map(0n, dax.align)

  const RECORD = 0n
  const FLAG = 4096n
  const record = new TextEncoder().encode('3 widgets for ACME, paid')

  // Start from an empty slot: no record, flag clear, both durable.
  map.write(RECORD, new Uint8Array(record.length))
  map.write(FLAG, Uint8Array.of(0))
  map.flush()

  region.persistence.record()
  map.write(RECORD, record) // the record …
  if (careful) map.persist(RECORD, record.length) // … made durable first (clwb + sfence), or not,
  map.write(FLAG, Uint8Array.of(1)) // … then its valid flag
  map.persist(FLAG, 1)

  // Every state a power failure could leave: is a set flag always over the whole record?
  const report = await region.persistence.explore((image) => {
    const view = map.view(image)
    const flag = new Uint8Array(1)
    view.read(FLAG, flag)
    if (flag[0] === 0) return true
    const seen = new Uint8Array(record.length)
    view.read(RECORD, seen)
    return seen.every((byte, i) => byte === record[i]) || 'the valid flag is set over a torn record'
  })
  const found = report.failure
    ? `INCONSISTENT after ${report.failure.after} operations (${report.failure.ops.map((op) => op.kind).join(', ')}): ${report.failure.reason}`
    : `consistent in all ${report.statesChecked} crash states`
  console.log(`${region.persistenceDomain}: ${found}`)
} finally {
  await session.close()
}
