import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, GOLDEN, hasGolden, nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

/** nvdimm with bytes on standard input and bytes back from standard output. */
function binary(args: string[], env: NodeJS.ProcessEnv, input?: Uint8Array) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, input })
  return { stdout: result.stdout, stderr: result.stderr.toString(), rc: result.status ?? -1 }
}

const pattern = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + seed * 7) & 0xff)

describe('nvdimm read / write through every personality', () => {
  const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'e820') }
  const run = (...args: string[]) => nvdimm(args, env)

  it('sets up one namespace per mode', () => {
    expect(run('platform', 'init', '--e820', 'memmap=64M!4G,64M!5G,64M!6G,64M!7G').rc).toBe(0)
    const modes = ['raw', 'fsdax', 'devdax', 'sector']
    modes.forEach((mode, region) => {
      const made = run('create-namespace', '-e', `namespace${region}.0`, '-m', mode, '-f')
      expect(made.rc).toBe(0)
    })
    const listed = JSON.parse(run('list', '-N').stdout) as { dev: string; mode: string }[]
    // ndctl shows a raw namespace on a pagemap region as fsdax with the memmap in RAM (map "mem").
    expect(listed.map((ns) => ns.mode).sort()).toEqual(['devdax', 'fsdax', 'fsdax', 'sector'])
    // /proc/iomem: the devdax namespace splits into its metadata and dax2.0; the others claim it all.
    const iomem = run('iomem').stdout
    expect(iomem.match(/^\S+ : Persistent Memory \(legacy\)$/gm)).toHaveLength(4)
    expect(iomem).toMatch(/^ {2}180000000-1801fffff : namespace2\.0\n {2}180200000-183ffffff : dax2\.0$/m)
    expect(iomem).toMatch(/^ {2}1c0000000-1c3ffffff : namespace3\.0$/m)
  })

  for (const [mode, ns] of [
    ['raw', 'namespace0.0'],
    ['fsdax', 'namespace1.0'],
    ['devdax', 'namespace2.0'],
    ['sector', 'namespace3.0'],
  ] as const) {
    it(`${mode}: what is written is read back, from a file and from standard input`, () => {
      const file = path.join(box.root, `${mode}.bin`)
      const data = pattern(3 * 4096 + 100, mode.length)
      fs.writeFileSync(file, data)
      expect(run('write', ns, '-o', '8K', '--input', file).stderr).toMatch(/^wrote 12388 bytes to \S+ at 8192\n$/)
      const back = binary(['read', ns, '-o', '8K', '-l', String(data.length)], env)
      expect(back.rc).toBe(0)
      expect(new Uint8Array(back.stdout)).toEqual(data)
      const piped = pattern(5000, 99)
      expect(binary(['write', ns, '-o', '1M'], env, piped).rc).toBe(0)
      const out = path.join(box.root, `${mode}.out`)
      expect(run('read', ns, '-o', '1M', '-l', '5000', '--output', out).rc).toBe(0)
      expect(new Uint8Array(fs.readFileSync(out))).toEqual(piped)
    })
  }

  it('sector: a write that ends inside a sector keeps the rest of it, as buffered block I/O does', () => {
    expect(binary(['write', 'namespace3.0', '-o', '8K'], env, new TextEncoder().encode('hello')).rc).toBe(0)
    const sector = new Uint8Array(binary(['read', 'pmem3s', '-o', '8K', '-l', '4096'], env).stdout)
    const before = pattern(3 * 4096 + 100, 'sector'.length)
    expect(sector.subarray(0, 5)).toEqual(new TextEncoder().encode('hello'))
    expect(sector.subarray(5)).toEqual(before.subarray(5, 4096))
  })

  it('refuses what a block device would: unaligned sector offsets, writes past the end, unknown devices', () => {
    // From a stream the size is not known ahead: what fits is written, then ENOSPC.
    const streamed = binary(['write', 'namespace0.0', '-o', '63M'], env, new Uint8Array(2 << 20))
    expect(streamed.rc).toBe(256 - 28)
    expect(streamed.stderr).toMatch(/no space left at .*; \d+ bytes were written \(ENOSPC\)/)
    expect(run('read', 'namespace3.0', '-o', '100').stderr).toMatch(/not on a 4096-byte sector.*\(EINVAL\)/)
    const big = path.join(box.root, 'big.bin')
    fs.writeFileSync(big, new Uint8Array(2 << 20))
    const over = run('write', 'namespace0.0', '-o', '63M', '--input', big)
    expect(over.rc).toBe(256 - 28)
    expect(over.stderr).toMatch(/do not fit .* nothing was written \(ENOSPC\)/)
    expect(run('read', 'pmem9', '-l', '1').stderr).toMatch(/no namespace or device 'pmem9'.*\(ENXIO\)/)
    expect(run('read', 'namespace0.0', '-o', 'lots').rc).toBe(256 - 22)
    // A read past the end stops there, as dd does.
    expect(binary(['read', 'namespace0.0', '-o', '64M', '-l', '4K'], env).stdout.length).toBe(0)
  })
})

describe('patterns the kernel wrote (golden linux-6.1-qemu-data)', () => {
  it("read back through nvdimm read at the kernel's offsets", (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const dir = path.join(GOLDEN, 'linux-6.1-qemu-data')
    const image = path.join(box.root, 'img0')
    const unxz = spawnSync('xz', ['-dc', path.join(dir, 'img0-256M+128K.xz')], { maxBuffer: 1 << 30 })
    fs.writeFileSync(image, unxz.stdout)
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'qemu-data') }
    expect(nvdimm(['platform', 'init', '--nfit-qemu', `${image},label-size=128K`], env).rc).toBe(0)
    const read = (...args: string[]) => binary(['read', ...args], env).stdout.toString('latin1')
    // dd if=/dev/pmem0s bs=4096 skip=4000 count=1 | head -c 22, and the fsdax one at 2 MiB.
    const [sector, fsdax] = fs.readFileSync(path.join(dir, 's09-readback.stdout'), 'utf8').split('\n')
    expect(read('pmem0s', '-o', String(4000 * 4096), '-l', '22')).toBe(sector)
    expect(read('pmem0.1', '-o', '2M', '-l', '18')).toBe(fsdax)
    expect(read('namespace0.0', '-o', '28K', '-l', '4096')).toBe(`sector-lba7-pattern${'\0'.repeat(4096 - 19)}`)
  })
})
