import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GOLDEN, hasGolden, nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())
const QEMU = path.join(GOLDEN, 'linux-6.1-qemu')

describe('nvdimm nfit decode / encode', () => {
  it('prints the golden NFIT as iasl -d did, and rebuilds it from its JSON', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const table = path.join(QEMU, 'nfit.bin')
    const decoded = nvdimm(['nfit', 'decode', table], box.env)
    expect(decoded.rc).toBe(0)
    const dsl = fs.readFileSync(path.join(QEMU, 'nfit.dsl'), 'utf8')
    expect(decoded.stdout).toBe(dsl.slice(dsl.indexOf('[000h 0000')))
    const json = path.join(box.root, 'nfit.json')
    fs.writeFileSync(json, nvdimm(['nfit', 'decode', '--json', table], box.env).stdout)
    const out = path.join(box.root, 'nfit.bin')
    expect(nvdimm(['nfit', 'encode', json, '-o', out], box.env).rc).toBe(0)
    expect(Buffer.compare(fs.readFileSync(out), fs.readFileSync(table))).toBe(0)
  })

  it("builds QEMU's table from the sizes of its backing files", (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const out = path.join(box.root, 'qemu.bin')
    const run = nvdimm(
      ['nfit', 'encode', '--qemu', '268566528,label-size=128K', '--qemu', '256M,label-size=128K', '-o', out],
      box.env,
    )
    expect(run).toMatchObject({ rc: 0, stderr: '' })
    expect(Buffer.compare(fs.readFileSync(out), fs.readFileSync(path.join(QEMU, 'nfit.bin')))).toBe(0)
    expect(nvdimm(['nfit', 'encode', '--nfit-test', '2'], box.env)).toMatchObject({ rc: 234 })
  })

  it('refuses a damaged table with the offset and the fault', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const bad = path.join(box.root, 'bad.bin')
    const bytes = fs.readFileSync(path.join(QEMU, 'nfit.bin'))
    bytes[0x62] = 0x20 // the memory-device map's length
    fs.writeFileSync(bad, bytes)
    const run = nvdimm(['nfit', 'decode', bad], box.env)
    expect(run.rc).toBe(234)
    expect(run.stderr).toMatch(/^error: NFIT: .*\(EINVAL\)\n$/)
    expect(run.stdout).toBe('')
  })
})

describe('platform init --nfit-qemu over fresh QEMU images', () => {
  it('writes the label areas and info block a Linux guest writes', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'qemu') }
    const run = (...args: string[]) => nvdimm(args, env)
    const img0 = path.join(box.root, 'img0')
    const img1 = path.join(box.root, 'img1')
    fs.writeFileSync(img0, '')
    fs.truncateSync(img0, 268566528)
    fs.writeFileSync(img1, '')
    fs.truncateSync(img1, 268435456)
    expect(
      run('platform', 'init', '--nfit-qemu', `${img0},label-size=128K`, '--nfit-qemu', `${img1},label-size=128K`).rc,
    ).toBe(0)
    expect(run('list', '-BDRNu').stdout).toBe(fs.readFileSync(path.join(QEMU, 'a01-list-BDRNu.stdout'), 'utf8'))
    expect(run('disable-region', 'all').rc).toBe(0)
    expect(run('init-labels', 'nmem0').stderr).toBe('initialized 1 nmem\n')
    expect(run('init-labels', '-V', '1.2', 'nmem1').stderr).toBe('initialized 1 nmem\n')
    expect(run('enable-region', 'all').rc).toBe(0)
    const labels = (image: string) => fs.readFileSync(image).subarray(-131072)
    expect(Buffer.compare(labels(img0), fs.readFileSync(path.join(QEMU, 'label-area-after-init-nmem0.bin')))).toBe(0)
    expect(Buffer.compare(labels(img1), fs.readFileSync(path.join(QEMU, 'label-area-after-init-nmem1.bin')))).toBe(0)

    // The four creates of region0, with the namespace uuids the guest used.
    const uuids = [
      '2dc1e98c-d677-46a4-887b-bbccc5403369',
      'cca44728-857a-4648-9abe-b4d85e010717',
      '9276f232-711c-4981-8053-0d7ccc0129f0',
      'fca25c3f-d09a-4ac9-b92b-bbc199dcc68c',
    ]
    const modes: [string, string][] = [
      ['fsdax', '64M'],
      ['sector', '32M'],
      ['devdax', '64M'],
      ['raw', '16M'],
    ]
    modes.forEach(([mode, size], i) => {
      const created = run('create-namespace', '-r', 'region0', '-m', mode, '-s', size, '-u', uuids[i]!)
      expect({ mode, rc: created.rc, stderr: created.stderr }).toEqual({ mode, rc: 0, stderr: '' })
    })
    expect(Buffer.compare(labels(img0), fs.readFileSync(path.join(QEMU, 'label-area-final-nmem0.bin')))).toBe(0)

    // The fsdax info block at 4 KiB: the guest's, but for its own random uuid and so its checksum.
    const ours = Buffer.from(fs.readFileSync(img0).subarray(4096, 8192))
    const guest = Buffer.from(
      fs.readFileSync(path.join(QEMU, 'media', 'nmem0-2dc1e98c-fsdax-head.bin')).subarray(4096, 8192),
    )
    for (const block of [ours, guest]) {
      block.fill(0, 16, 32) // uuid
      block.fill(0, 4088, 4096) // checksum
    }
    expect(Buffer.compare(ours, guest)).toBe(0)
  }, 60_000)
})
