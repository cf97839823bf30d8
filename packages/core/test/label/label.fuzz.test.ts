import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkLabelArea,
  createNvdimm,
  decodeIndexBlock,
  decodeLabel,
  DimmCmd,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlXableRegion,
  NvdimmError,
} from '../../src/index.js'
import { LABEL_COMMANDS } from '../fixtures.js'
import { fuzzRuns, mockProvider } from '../../src/testing/index.js'

const MiB = 1n << 20n
const CONFIG_SIZE = 8192

function platform(configSize: number) {
  return mockProvider({
    buses: [
      {
        dimms: [{ cmdMask: LABEL_COMMANDS, configSize, maxXfer: 1024 }],
        regions: [
          {
            start: 0x1_0000_0000n,
            size: 64n * MiB,
            mappings: [{ dimm: 0, start: 0n, size: 64n * MiB }],
            interleaveSet: { cookie1: 0x11n, cookie2: 0x22n, altcookie: 0x33n },
          },
        ],
      },
    ],
  })
}

/** A small label area (8 KiB) holding two namespaces, as the kernel left it. */
async function validArea(version: '1.1' | '1.2'): Promise<Uint8Array> {
  const provider = platform(CONFIG_SIZE)
  const nd = createNvdimm({ providers: [provider] })
  await nd.start()
  await ndctlXableRegion(nd, 'disable', 'all')
  await ndctlInitLabels(nd, ['nmem0'], { labelVersion: version })
  await ndctlXableRegion(nd, 'enable', 'all')
  await ndctlCreateNamespace(nd, { mode: 'raw', size: '16M' })
  await ndctlCreateNamespace(nd, { mode: 'raw', size: '16M' })
  await nd.stop()
  return provider.control.labelArea(0).slice()
}

/** Probe a dimm whose label area holds `bytes`, and look at what came up; only typed errors may escape. */
async function probeWith(bytes: Uint8Array): Promise<void> {
  const provider = platform(bytes.length)
  provider.control.labelArea(0).set(bytes)
  const nd = createNvdimm({ providers: [provider] })
  try {
    await nd.start()
    for (const region of nd.regions) {
      expect(region.enabled || region.probeError instanceof NvdimmError).toBe(true)
      void region.availableSize
    }
  } finally {
    await nd.stop()
  }
}

const mutation = (base: Uint8Array) =>
  fc
    .array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((edits) => {
      const bytes = base.slice()
      for (const [at, value] of edits) bytes[at] = value
      return bytes
    })

describe('label decoders fed garbage', () => {
  it('index blocks and labels decode any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 256, maxLength: 256 }), (bytes) => {
        decodeIndexBlock(bytes)
        decodeLabel(bytes, 256)
        decodeLabel(bytes, 128)
      }),
      { numRuns: fuzzRuns() },
    )
  })

  for (const version of ['1.1', '1.2'] as const) {
    it(`mutated v${version} areas: check-labels reads any of them`, async () => {
      const base = await validArea(version)
      fc.assert(
        fc.property(mutation(base), (bytes) => {
          const report = checkLabelArea(bytes, bytes.length)
          expect(report.current).toBeGreaterThanOrEqual(-1)
        }),
        { numRuns: fuzzRuns() },
      )
    })

    // A whole probe per case: a tenth as many runs.
    it(`mutated v${version} areas: the probe only ever refuses with a typed error`, async () => {
      const base = await validArea(version)
      await fc.assert(
        fc.asyncProperty(mutation(base), async (bytes) => {
          await probeWith(bytes)
        }),
        { numRuns: Math.max(20, Math.floor(fuzzRuns() / 10)) },
      )
    })
  }

  it('random areas of any size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4096 }), async (bytes) => {
        checkLabelArea(bytes, bytes.length)
        await probeWith(bytes)
      }),
      { numRuns: Math.max(20, Math.floor(fuzzRuns() / 10)) },
    )
  })
})
