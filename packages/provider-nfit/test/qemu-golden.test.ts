import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  initPlatform,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlList,
  ndctlXableRegion,
  type PlatformProviderKind,
} from '@nvdimm/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  firstDifference,
  GOLDEN,
  goldenBytes,
  goldenText,
  goldenXzBytes,
  hasGolden,
  hasXz,
} from '../../core/test/golden.js'
import { encodeNfit, nfitKind, nfitQemuEntry, qemuNfitTable } from '../src/index.js'

// ndctl generates each btt / pfn / dax uuid; the replay hands out the ones the golden guest drew.
const deviceUuids = vi.hoisted(() => [] as string[])
vi.mock('../../core/src/util/uuid.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../core/src/util/uuid.js')>()
  return { ...original, newUuid: () => deviceUuids.shift() ?? original.newUuid() }
})

// The two images of ../shared/golden/linux-6.1-qemu/qemu-cmdline.txt, label-size 128 KiB each.
const IMAGES = [
  { name: 'img0', fileSize: 268566528n, labelSize: 131072n },
  { name: 'img1', fileSize: 268435456n, labelSize: 131072n },
]
const kinds = [nfitKind as PlatformProviderKind]
let scratch: string | undefined

afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

/** Images as `truncate -s` makes them (or with the given contents), and a platform over them. */
async function qemuGuest(contents?: (name: string) => Uint8Array) {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-nfit-qemu-'))
  const images = IMAGES.map((image) => {
    const file = path.join(scratch!, image.name)
    fs.writeFileSync(file, contents ? contents(image.name) : '')
    if (!contents) fs.truncateSync(file, Number(image.fileSize))
    return { ...image, path: file }
  })
  const platform = await initPlatform(
    path.join(scratch, 'platform'),
    { arch: 'x86_64', providers: [{ kind: 'nfit', entry: nfitQemuEntry(images) }] },
    kinds,
  )
  return { platform, images }
}

interface GoldenNamespace {
  uuid: string
  info_uuid?: string
  dev: string
  region: string
}

describe('QEMU -device nvdimm images (golden linux-6.1-qemu)', () => {
  it('builds the NFIT QEMU 7.2 gave the guest, byte for byte', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const table = encodeNfit(qemuNfitTable(IMAGES))
    expect(firstDifference(table, goldenBytes('linux-6.1-qemu', 'nfit.bin'))).toBe(-1)
  })

  it('lists blank images as the guest did before init-labels', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const { platform } = await qemuGuest()
    const session = await platform.start({ readOnly: true })
    try {
      for (const [step, options] of [
        ['a01-list-BDRNu', { buses: true, dimms: true, regions: true, namespaces: true, human: true }],
        ['a03-list-BDRNuv', { buses: true, dimms: true, regions: true, namespaces: true, human: true, verbose: 1 }],
        ['a04-list-DH', { dimms: true, health: true }],
        ['a06-list-BDRNiv', { buses: true, dimms: true, regions: true, namespaces: true, idle: true, verbose: 1 }],
      ] as const) {
        expect({ step, stdout: `${await ndctlList(session.nd, options)}\n` }).toEqual({
          step,
          stdout: goldenText('linux-6.1-qemu', `${step}.stdout`),
        })
      }
    } finally {
      await session.close()
    }
  })

  it('leaves the images exactly as the guest did after init-labels and eight creates', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    if (!hasXz()) return ctx.skip('xz is not installed')
    const { platform, images } = await qemuGuest()
    const namespaces = JSON.parse(goldenText('linux-6.1-qemu', 'media', 'namespaces.json')) as GoldenNamespace[]
    const steps = fs
      .readdirSync(path.join(GOLDEN, 'linux-6.1-qemu'))
      .filter((name) => /^c\d-\d\d-.*\.argv$/.test(name))
      .sort()
    await platform.update(async (nd) => {
      await ndctlXableRegion(nd, 'disable', 'all')
      await ndctlInitLabels(nd, ['nmem0'], { force: true })
      await ndctlInitLabels(nd, ['nmem1'], { force: true, labelVersion: '1.2' })
      await ndctlXableRegion(nd, 'enable', 'all')
    })
    for (const step of steps) {
      const base = step.replace(/\.argv$/, '')
      const argv = goldenText('linux-6.1-qemu', step).trim().split(/\s+/)
      const option = (flag: string) => argv[argv.indexOf(flag) + 1]!
      const expected = goldenText('linux-6.1-qemu', `${base}.stdout`)
      const dev = (JSON.parse(expected) as { dev: string }).dev
      const golden = namespaces.find((ns) => ns.dev === dev && ns.region === option('-r'))!
      if (golden.info_uuid) deviceUuids.push(golden.info_uuid)
      // One process per command, as ndctl runs: the platform reopens every time.
      const outcome = await platform.update((nd) =>
        ndctlCreateNamespace(nd, { region: option('-r'), mode: option('-m'), size: option('-s'), uuid: golden.uuid }),
      )
      expect({ step: base, errors: outcome.errors, stdout: outcome.stdout }).toEqual({
        step: base,
        errors: [],
        stdout: expected,
      })
    }
    const session = await platform.start({ readOnly: true })
    try {
      expect(`${await ndctlList(session.nd, { buses: true, dimms: true, regions: true, namespaces: true })}\n`).toBe(
        goldenText('linux-6.1-qemu', 'd04-list-BDRN.stdout'),
      )
    } finally {
      await session.close()
    }
    for (const image of images) {
      const golden = goldenXzBytes('linux-6.1-qemu', 'media', `${image.name}.after-create.xz`)
      const ours = new Uint8Array(fs.readFileSync(image.path))
      expect({ image: image.name, size: ours.length, at: firstDifference(ours, golden) }).toEqual({
        image: image.name,
        size: golden.length,
        at: -1,
      })
    }
  }, 180_000)

  it("opens the guest's own images after its creates: every namespace, as the guest listed them", async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    if (!hasXz()) return ctx.skip('xz is not installed')
    const { platform } = await qemuGuest((name) => goldenXzBytes('linux-6.1-qemu', 'media', `${name}.after-create.xz`))
    const session = await platform.start({ readOnly: true })
    try {
      for (const [step, options] of [
        ['d03-list-BDRNu', { buses: true, dimms: true, regions: true, namespaces: true, human: true }],
        ['d04-list-BDRN', { buses: true, dimms: true, regions: true, namespaces: true }],
      ] as const) {
        expect({ step, stdout: `${await ndctlList(session.nd, options)}\n` }).toEqual({
          step,
          stdout: goldenText('linux-6.1-qemu', `${step}.stdout`),
        })
      }
    } finally {
      await session.close()
    }
  }, 60_000)
})
