import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createNvdimm, ndctlCreateNamespace, ndctlInitLabels, ndctlList, ndctlXableRegion } from '../../src/index.js'
import { qemuPlatform } from '../fixtures.js'
import { firstDifference, GOLDEN, goldenBytes, goldenText, goldenXzBytes, hasGolden, hasXz } from '../golden.js'

// ndctl generates each btt / pfn / dax uuid; the replay hands out the ones the golden run got.
const deviceUuids = vi.hoisted(() => [] as string[])
vi.mock('../../src/util/uuid.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/util/uuid.js')>()
  return { ...original, newUuid: () => deviceUuids.shift() ?? original.newUuid() }
})

interface GoldenNamespace {
  uuid: string
  info_uuid?: string
  dev: string
  mode: string
  region: string
  image: string
  image_offset: number
  rawsize: number
  head_file: string
  head_offset: number
  tail_file: string
  tail_offset: number
}

/**
 * Replays the eight creates of ../shared/golden/linux-6.1-qemu (fsdax, sector, devdax, raw in
 * each region) through ndctl create-namespace, with the uuids the guest drew, and compares
 * ndctl's output, the final listings and every byte the kernel left on the media.
 */
describe('namespace modes as Linux 6.1 lays them out (golden linux-6.1-qemu)', () => {
  it('creates fsdax, sector, devdax and raw namespaces byte for byte', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const provider = qemuPlatform()
    const nd = createNvdimm({ providers: [provider] })
    await nd.start()
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlInitLabels(nd, ['nmem0'], { force: true })
    await ndctlInitLabels(nd, ['nmem1'], { force: true, labelVersion: '1.2' })
    await ndctlXableRegion(nd, 'enable', 'all')

    const namespaces = JSON.parse(goldenText('linux-6.1-qemu', 'media', 'namespaces.json')) as GoldenNamespace[]
    const steps = fs.readdirSync(path.join(GOLDEN, 'linux-6.1-qemu')).filter((name) => /^c\d-\d\d-.*\.argv$/.test(name))
    expect(steps).toHaveLength(8)
    for (const step of steps.sort()) {
      const base = step.replace(/\.argv$/, '')
      const argv = goldenText('linux-6.1-qemu', step).trim().split(/\s+/)
      const option = (flag: string) => argv[argv.indexOf(flag) + 1]!
      const region = option('-r')
      const mode = option('-m')
      const expected = goldenText('linux-6.1-qemu', `${base}.stdout`)
      const dev = (JSON.parse(expected) as { dev: string }).dev
      const golden = namespaces.find((ns) => ns.dev === dev && ns.region === region)!
      if (golden.info_uuid) deviceUuids.push(golden.info_uuid)
      const outcome = await ndctlCreateNamespace(nd, { region, mode, size: option('-s'), uuid: golden.uuid })
      expect({ step: base, errors: outcome.errors, stdout: outcome.stdout }).toEqual({
        step: base,
        errors: [],
        stdout: expected,
      })
    }

    for (const [step, options] of [
      ['d01-list-NRDBiv', { namespaces: true, regions: true, dimms: true, buses: true, idle: true, verbose: 1 }],
      ['d03-list-BDRNu', { buses: true, dimms: true, regions: true, namespaces: true, human: true }],
      ['d04-list-BDRN', { buses: true, dimms: true, regions: true, namespaces: true }],
    ] as const) {
      expect({ step, stdout: `${await ndctlList(nd, options)}\n` }).toEqual({
        step,
        stdout: goldenText('linux-6.1-qemu', `${step}.stdout`),
      })
    }

    // The first and last 64 KiB of every namespace: info blocks, BTT maps and logs, info2.
    for (const ns of namespaces) {
      const media = nd.region(ns.region).media
      for (const [file, offset] of [
        [ns.head_file, ns.head_offset],
        [ns.tail_file, ns.tail_offset],
      ] as const) {
        const bytes = new Uint8Array(65536)
        media.read(BigInt(offset), bytes)
        expect({ file, at: firstDifference(bytes, goldenBytes('linux-6.1-qemu', 'media', file)) }).toEqual({
          file,
          at: -1,
        })
      }
    }

    if (hasXz()) {
      for (const [image, region] of [
        ['img0', 'region0'],
        ['img1', 'region1'],
      ] as const) {
        const golden = goldenXzBytes('linux-6.1-qemu', 'media', `${image}.after-create.xz`)
        const media = nd.region(region).media
        const ours = new Uint8Array(Number(media.size))
        media.read(0n, ours)
        expect({ image, at: firstDifference(ours, golden.subarray(0, ours.length)) }).toEqual({ image, at: -1 })
        const dimm = region === 'region0' ? 'nmem0' : 'nmem1'
        expect({
          image,
          labels: firstDifference(provider.control.labelArea(dimm), golden.subarray(ours.length)),
        }).toEqual({
          image,
          labels: -1,
        })
      }
    }
    await nd.stop()
  }, 120_000)
})
