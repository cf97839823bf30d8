import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  archProfile,
  DAX_SIG,
  decodePfnInfoBlock,
  encodePfnInfoBlock,
  infoBlocksToJson,
  MemoryMedia,
  NvdimmError,
  PFN_INFO_OFFSET,
  PFN_SIG,
  validatePfnInfo,
  type PfnInfoBlock,
} from '../../src/index.js'
import { legacyRange } from '../fixtures.js'
import { fuzzRuns } from '../../src/testing/index.js'

const MiB = 1n << 20n

const validBlock: Omit<PfnInfoBlock, 'checksum'> = {
  signature: PFN_SIG,
  uuid: '50dc960d-e8e9-4faf-9ba0-c4846cc85222',
  parentUuid: '00000000-0000-0000-0000-000000000000',
  flags: 0,
  versionMajor: 1,
  versionMinor: 4,
  dataoff: 2n * MiB,
  npfns: 15872n,
  mode: 2,
  startPad: 0,
  endTrunc: 0,
  align: 2 << 20,
  pageSize: 4096,
  pageStructSize: 64,
}

/** A valid block with a few bytes changed, or plain garbage. */
const blocks = fc.oneof(
  fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
  fc
    .record({
      signature: fc.constantFrom(PFN_SIG, DAX_SIG),
      patches: fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 255 })), {
        maxLength: 6,
      }),
    })
    .map(({ signature, patches }) => {
      const block = encodePfnInfoBlock({ ...validBlock, signature })
      for (const [at, value] of patches) block[at] = value
      return block
    }),
)

const OUTCOMES = ['ENODEV', 'ENXIO', 'EOPNOTSUPP']

describe('pfn / dax info block decoders against garbage (fuzz)', () => {
  it('decodes any 4 KiB and validates it to a kernel outcome, nothing else', () => {
    fc.assert(
      fc.property(blocks, fc.boolean(), fc.constantFrom('x86_64', 'ppc64', 'ppc64-hash'), (block, probing, arch) => {
        decodePfnInfoBlock(block)
        try {
          validatePfnInfo({
            block,
            signature: block[12] === 0x44 ? DAX_SIG : PFN_SIG,
            namespace: { name: 'namespace0.0', start: 0x2000_0000n, size: 64n * MiB, uuid: undefined },
            device: { name: 'pfn0.0', uuid: probing ? undefined : validBlock.uuid, align: 2n * MiB, mode: 2 },
            arch: archProfile(arch),
          })
        } catch (error) {
          if (!(error instanceof NvdimmError)) throw error
          expect(OUTCOMES).toContain(error.errno)
        }
        const json = infoBlocksToJson(
          Uint8Array.from([...new Uint8Array(4096), ...block]),
          { file: 'x' },
          { verify: true },
        )
        expect(json.length).toBeLessThanOrEqual(2)
      }),
      { numRuns: fuzzRuns(300) },
    )
  })

  it('probes a namespace whose first 8 KiB are garbage without failing or writing', async () => {
    await fc.assert(
      fc.asyncProperty(blocks, fc.uint8Array({ minLength: 4096, maxLength: 4096 }), async (block, first) => {
        const media = new MemoryMedia(64n * MiB)
        media.write(0n, first)
        media.write(PFN_INFO_OFFSET, block)
        const before = new Uint8Array(8192)
        media.read(0n, before)
        const nd = legacyRange(media)
        await nd.start()
        const ns = nd.namespace('namespace0.0')
        if (!ns.active) expect(ns.probeError?.errno).toBe('EOPNOTSUPP')
        await nd.stop()
        const after = new Uint8Array(8192)
        media.read(0n, after)
        expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true)
      }),
      { numRuns: Math.max(50, Math.floor(fuzzRuns(300) / 10)) },
    )
  })
})
