import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GOLDEN, hasGolden, nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

/** The persistent-memory ranges of a /proc/iomem dump, with what sits under them. */
function pmemPart(iomem: string): string {
  const out: string[] = []
  let inside = false
  for (const line of iomem.split('\n')) {
    if (!line.startsWith(' ')) inside = / : Persistent Memory/.test(line)
    if (inside && line) out.push(line)
  }
  return out.map((line) => `${line}\n`).join('')
}

const golden = (set: string, step: string) => fs.readFileSync(path.join(GOLDEN, set, `${step}.stdout`), 'utf8')
const hasXz = spawnSync('sh', ['-c', 'command -v xz']).status === 0

describe("nvdimm iomem against the kernel's /proc/iomem", () => {
  it('e820 (linux-6.1-e820/aligned): at boot, then a devdax namespace after region0/align 2M', (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'e820') }
    const run = (...args: string[]) => nvdimm(args, env)
    expect(run('platform', 'init', '--e820', 'memmap=128M!512M,64M!768M').rc).toBe(0)
    expect(run('iomem').stdout).toBe(pmemPart(golden('linux-6.1-e820/aligned', 'e07-iomem')))
    // g: namespace1.0 destroyed (on e820 that disables it); h: region0 align 2M, then devdax.
    expect(run('destroy-namespace', '-f', 'namespace1.0').rc).toBe(0)
    expect(run('create-namespace', '-e', 'namespace0.0', '-m', 'fsdax', '-f').rc).toBe(0)
    expect(run('iomem').stdout).toBe(pmemPart(golden('linux-6.1-e820/aligned', 'g07-iomem')))
    expect(run('region-align', 'region0', '0x200000').rc).toBe(0)
    expect(run('create-namespace', '-e', 'namespace0.0', '-m', 'devdax', '-f').rc).toBe(0)
    expect(run('iomem').stdout).toBe(pmemPart(golden('linux-6.1-e820/aligned', 'h08-iomem')))
  })

  it("QEMU NVDIMMs after the guest's creates (linux-6.1-qemu d12)", (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    if (!hasXz) return ctx.skip('xz is not installed')
    const images = ['img0', 'img1'].map((name) => {
      const file = path.join(box.root, name)
      const xz = path.join(GOLDEN, 'linux-6.1-qemu', 'media', `${name}.after-create.xz`)
      fs.writeFileSync(file, spawnSync('xz', ['-dc', xz], { maxBuffer: 1 << 30 }).stdout)
      return file
    })
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'qemu') }
    const init = nvdimm(
      ['platform', 'init', ...images.flatMap((image) => ['--nfit-qemu', `${image},label-size=128K`])],
      env,
    )
    expect(init.rc).toBe(0)
    expect(nvdimm(['iomem'], env).stdout).toBe(pmemPart(golden('linux-6.1-qemu', 'd12-iomem')))
  })
})
