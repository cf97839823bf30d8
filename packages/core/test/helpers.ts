import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { z } from 'zod'
import { defineProvider, mediaPath, type PlatformProviderKind, type PlatformSpec, u64Json } from '../src/index.js'

/** A one-bus provider kind for platform tests: each entry range is a pagemap region over a media file. */
const entrySchema = z.strictObject({
  ranges: z.array(z.strictObject({ start: u64Json, size: u64Json, media: mediaPath })),
})
type Entry = z.output<typeof entrySchema>

export const testKind: PlatformProviderKind<Entry> = {
  kind: 'test',
  schema: entrySchema as unknown as PlatformProviderKind<Entry>['schema'],
  mediaFiles: (entry) => entry.ranges.map((range) => ({ file: range.media, size: range.size })),
  provider: (entry, opener) =>
    defineProvider('test', ({ registerBus }) => ({
      async probe() {
        const bus = registerBus({ providerName: 'test' })
        for (const range of entry.ranges) {
          bus.createRegion({
            type: 'pmem',
            resource: { start: range.start, size: range.size },
            media: opener.open(range.media),
            mappings: [],
            numaNode: 0,
            targetNode: 0,
            flags: ['pagemap'],
          })
        }
      },
    })),
}

export const kinds = [testKind as PlatformProviderKind]

/** A platform spec with `count` 16 MiB ranges. */
export function spec(count = 2): PlatformSpec {
  return {
    arch: 'x86_64',
    providers: [
      {
        kind: 'test',
        entry: {
          ranges: Array.from({ length: count }, (_, index) => ({
            start: `0x${((index + 1) * 0x4000000).toString(16)}`,
            size: '0x1000000',
            media: `media/range-${index}.img`,
          })),
        },
      },
    ],
  }
}

export function tempDir(prefix = 'nvdimm-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}
