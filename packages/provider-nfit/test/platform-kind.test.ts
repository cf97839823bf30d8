import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initPlatform, NvdimmError, type PlatformProviderKind } from '@nvdimm/core'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeNfit, nfitKind, nfitTableEntry, qemuNfitTable, type NfitMemdev } from '../src/index.js'

const kinds = [nfitKind as PlatformProviderKind]
let scratch: string | undefined

afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

function platformDir(): string {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-nfit-kind-'))
  return path.join(scratch, 'platform')
}

const table = () =>
  qemuNfitTable([
    { fileSize: 64n << 20n, labelSize: 0n },
    { fileSize: 32n << 20n, labelSize: 0n },
  ])

describe('NFIT platforms from any table (platform init --nfit FILE)', () => {
  it('makes a media file per range and a label file per dimm, and starts', async () => {
    const entry = nfitTableEntry(encodeNfit(table()))
    expect(entry.ranges.map((range) => [range.media, range.size])).toEqual([
      ['media/acpi.nfit-spa2.img', '0x4000000'],
      ['media/acpi.nfit-spa4.img', '0x2000000'],
    ])
    expect(entry.labels.map((label) => label.handle)).toEqual([1, 2])
    const platform = await initPlatform(platformDir(), { arch: 'x86_64', providers: [{ kind: 'nfit', entry }] }, kinds)
    expect(fs.statSync(path.join(platform.dir, 'media/acpi.nfit-spa2.img')).size).toBe(64 << 20)
    const session = await platform.start({ readOnly: true })
    try {
      expect(session.nd.regions.map((region) => region.resource.size)).toEqual([64n << 20n, 32n << 20n])
      expect(session.nd.dimms.map((dimm) => dimm.uniqueId)).toEqual(['8680-56341200', '8680-57341200'])
    } finally {
      await session.close()
    }
  })

  it('refuses a table whose indexes point nowhere, naming the sub-table and the index', async () => {
    const broken = table()
    ;(broken.subtables[1] as NfitMemdev).regionIndex = 9
    const entry = { ...nfitTableEntry(table()), table: Buffer.from(encodeNfit(broken)).toString('hex') }
    const attempt = initPlatform(platformDir(), { arch: 'x86_64', providers: [{ kind: 'nfit', entry }] }, kinds)
    await expect(attempt).rejects.toBeInstanceOf(NvdimmError)
    await expect(attempt).rejects.toThrow(/table: NFIT: memory device at 0x60 \(handle 0x1\): .*9/)
  })
})
