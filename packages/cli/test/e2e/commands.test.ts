import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, nvdimmAsync, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())
const at = (name: string) => path.join(box.root, name)

describe('nvdimm platform', () => {
  it('creates the documented default platform on first use', () => {
    const run = nvdimm(['list', '-RN'], box.env)
    expect(run.rc).toBe(0)
    const regions = JSON.parse(run.stdout).regions
    expect(regions.map((r: { dev: string; size: number }) => [r.dev, r.size])).toEqual([
      ['region1', 64 << 20],
      ['region0', 128 << 20],
    ])
    expect(fs.existsSync(path.join(box.root, 'state', 'nvdimm', 'default', 'platform.json'))).toBe(true)
  })

  it('creates the default platform once when several first runs race', async () => {
    const env = { ...box.env, XDG_STATE_HOME: at('race') }
    const runs = await Promise.all([0, 1, 2, 3].map(() => nvdimmAsync(['list'], env)))
    expect(runs.map((run) => [run.rc, run.stderr])).toEqual(runs.map(() => [0, '']))
    expect(new Set(runs.map((run) => run.stdout)).size).toBe(1)
    expect(fs.readdirSync(path.join(at('race'), 'nvdimm'))).toEqual(['default'])
  })

  it('builds an e820 platform from memmap= and lists it as ndctl would', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: at('two') }
    expect(nvdimm(['platform', 'init', '--e820', 'memmap=4G!12G,4G!20G'], env).rc).toBe(0)
    const run = nvdimm(['list', '-BRN', '-u'], env)
    expect(run.rc).toBe(0)
    const [bus] = JSON.parse(`[${run.stdout}]`)
    expect(bus.provider).toBe('e820')
    expect(
      bus.regions.map((r: { dev: string; size: string; namespaces: unknown[] }) => [
        r.dev,
        r.size,
        r.namespaces.length,
      ]),
    ).toEqual([
      ['region1', '4.00 GiB (4.29 GB)', 1],
      ['region0', '4.00 GiB (4.29 GB)', 1],
    ])
    const plain = nvdimm(['list', '-RN', '-u'], env)
    expect(plain.stdout.startsWith('{\n  "regions":[\n')).toBe(true)
  })

  it('refuses an overlap with EINVAL naming it, and leaves nothing behind', () => {
    const run = nvdimm(['platform', 'init', '--platform', at('overlap'), '--e820', 'memmap=4G!12G,4G!14G'], box.env)
    expect(run.rc).toBe(234)
    expect(run.stderr).toBe(
      'error: memmap=4G!14G [mem 0x380000000-0x47fffffff] overlaps memmap=4G!12G [mem 0x300000000-0x3ffffffff] (EINVAL)\n',
    )
    expect(fs.readdirSync(box.root).filter((name) => name.includes('overlap'))).toEqual([])
  })

  it('reads e820 tables from a file, replaces with --force, shows and destroys', () => {
    const table = at('e820.txt')
    fs.writeFileSync(table, 'BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] persistent (type 7)\n')
    const dir = at('table')
    expect(nvdimm(['platform', 'init', '--platform', dir, '--e820-table', table], box.env).rc).toBe(0)
    const again = nvdimm(['platform', 'init', '--platform', dir, '--e820', 'memmap=1G!8G'], box.env)
    expect(again.rc).toBe(256 - 17)
    expect(again.stderr).toMatch(/already exists .* --force/)
    expect(
      nvdimm(['platform', 'init', '--platform', dir, '--e820', 'memmap=1G!8G', '--force', '--arch', 'ppc64'], box.env)
        .rc,
    ).toBe(0)
    const shown = JSON.parse(nvdimm(['platform', 'show', '--platform', dir], box.env).stdout)
    expect(shown).toMatchObject({
      dir,
      arch: 'ppc64',
      providers: [{ kind: 'e820', ranges: [{ start: '0x200000000', size: '0x40000000', type: 12 }] }],
    })
    expect(nvdimm(['platform', 'destroy', '--platform', dir], box.env).rc).toBe(0)
    expect(fs.existsSync(dir)).toBe(false)
    const gone = nvdimm(['list', '--platform', dir], box.env)
    expect([gone.rc, gone.stderr]).toEqual([
      250,
      `error: no platform at ${dir}: create one with 'nvdimm platform init --platform ${dir}' (ENXIO)\n`,
    ])
  })
})

describe('nvdimm enable/disable', () => {
  it("speaks ndctl's summary lines and persists the state", () => {
    const env = { ...box.env, NVDIMM_PLATFORM: at('xable') }
    nvdimm(['platform', 'init', '--e820', 'memmap=128M!512M,64M!768M'], env)
    expect(nvdimm(['disable-region', 'all'], env)).toMatchObject({ rc: 0, stderr: 'disabled 2 regions\n' })
    expect(nvdimm(['list', '-R'], env).stdout).toBe('')
    expect(JSON.parse(nvdimm(['list', '-Ri'], env).stdout).map((r: { state?: string }) => r.state)).toEqual([
      'disabled',
      'disabled',
    ])
    expect(nvdimm(['enable-region', 'region0'], env)).toMatchObject({ rc: 0, stderr: 'enabled 1 region\n' })
    expect(nvdimm(['enable-region', '-b', 'e820', 'all'], env)).toMatchObject({ rc: 0, stderr: 'enabled 2 regions\n' })
    expect(nvdimm(['disable-namespace', 'namespace1.0'], env)).toMatchObject({
      rc: 0,
      stderr: 'disabled 1 namespace\n',
    })
    expect(JSON.parse(nvdimm(['list'], env).stdout).map((n: { dev: string }) => n.dev)).toEqual(['namespace0.0'])
    expect(nvdimm(['enable-namespace', 'all'], env)).toMatchObject({ rc: 0, stderr: 'enabled 2 namespaces\n' })
    expect(nvdimm(['disable-namespace', 'namespace7.0'], env)).toMatchObject({
      rc: 250,
      stderr: 'error disabling namespaces: No such device or address\ndisabled 0 namespaces\n',
    })
  })

  it('refuses to enable a misaligned namespace with EOPNOTSUPP and says why', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: at('misaligned') }
    nvdimm(['platform', 'init', '--e820', 'memmap=30M!901M'], env)
    const run = nvdimm(['enable-namespace', 'namespace0.0'], env)
    expect(run.rc).toBe(256 - 95)
    expect(run.stderr.split('\n')).toEqual([
      'error: namespace0.0: [mem 0x38500000-0x3a2fffff] misaligned, unable to map: start and end must be multiples of 0x200000 (memremap_compat_align on x86_64) (EOPNOTSUPP)',
      'error enabling namespaces: Operation not supported',
      'enabled 0 namespaces',
      '',
    ])
  })

  it('survives two enable/disable loops running in parallel, 50 times each', async () => {
    const env = { ...box.env, NVDIMM_PLATFORM: at('parallel') }
    expect(nvdimm(['platform', 'init', '--e820', 'memmap=128M!512M,64M!768M'], env).rc).toBe(0)
    const loop = async () => {
      const failures: string[] = []
      for (let i = 0; i < 50; i++) {
        for (const [command, line] of [
          ['disable-region', 'disabled 2 regions\n'],
          ['enable-region', 'enabled 2 regions\n'],
        ] as const) {
          const run = await nvdimmAsync([command, 'all'], env)
          if (run.rc !== 0 || run.stderr !== line) failures.push(`${command}: rc ${run.rc}: ${run.stderr}`)
        }
      }
      return failures
    }
    const [first, second] = await Promise.all([loop(), loop()])
    expect([...first!, ...second!]).toEqual([])
    const list = nvdimm(['list', '-RN'], env)
    expect(list.rc).toBe(0)
    expect(JSON.parse(list.stdout).regions).toHaveLength(2)
    expect(fs.readdirSync(at('parallel')).sort()).toEqual(['media', 'platform.json'])
  }, 180_000)
})

describe('nvdimm usage', () => {
  it('reports bad usage as EINVAL with ndctl-style exit codes', () => {
    const unknown = nvdimm(['list', '--bogus'], box.env)
    expect([unknown.rc, unknown.stderr]).toEqual([
      234,
      "error: unknown option '--bogus' (Did you mean --bus?) (EINVAL)\n",
    ])
    const missing = nvdimm(['enable-region'], box.env)
    expect([missing.rc, missing.stderr]).toEqual([
      234,
      'error: specify a specific region id to act on, or "all" (EINVAL)\n',
    ])
    const badType = nvdimm(['list', '-R', '-t', 'nvme'], box.env)
    expect([badType.rc, badType.stderr]).toEqual([234, 'error: unknown type "nvme" must be "pmem" or "blk" (EINVAL)\n'])
    expect(nvdimm(['frobnicate'], box.env).rc).toBe(234)
  })

  it('has --help on every command and --version', () => {
    for (const command of [
      [],
      ['list'],
      ['enable-region'],
      ['disable-region'],
      ['enable-namespace'],
      ['disable-namespace'],
      ['platform'],
      ['platform', 'init'],
      ['platform', 'show'],
      ['platform', 'destroy'],
    ]) {
      const run = nvdimm([...command, '--help'], box.env)
      expect([command.join(' '), run.rc]).toEqual([command.join(' '), 0])
      expect(run.stdout).toContain('Usage: nvdimm')
    }
    expect(nvdimm(['--version'], box.env).stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })
})
