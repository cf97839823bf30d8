import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())
const hasDtc = spawnSync('dtc', ['--version']).status === 0

describe('a pseries LPAR with four SCM devices, from the command line', () => {
  const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'lpar') }
  const run = (...args: string[]) => nvdimm(args, env)
  const json = (...args: string[]) => JSON.parse(run(...args).stdout)

  it('comes up as 4 buses, 4 dimms and 4 regions, and writes its device tree', () => {
    const init = run('platform', 'init', '--papr', '256M', '--papr', '256M', '--papr', '512M,pmem=on', '--papr', '256M')
    expect(init).toMatchObject({ rc: 0 })
    expect(init.stderr).toContain('ppc64, papr-scm (4 devices)')
    const listed = json('list', '-BDR')
    expect(listed).toHaveLength(4)
    expect(listed.map((bus: { provider: string }) => bus.provider).sort()).toEqual(
      [0, 1, 2, 3].map((slot) => `ibm,persistent-memory:ibm,pmemory@9000000${slot}`),
    )
    for (const bus of listed) {
      expect(bus.dimms).toHaveLength(1)
      expect(bus.regions).toMatchObject([{ type: 'pmem', persistence_domain: 'memory_controller' }])
    }
    const nodes = json('papr', 'dtb', 'decode', path.join(box.root, 'lpar', 'device-tree.dtb'))
    expect(nodes.map((node: { drc_index: string }) => node.drc_index)).toEqual([
      '0x90000003',
      '0x90000002',
      '0x90000001',
      '0x90000000',
    ])
    expect(nodes.map((node: { hcall_flush_required: boolean }) => node.hcall_flush_required)).toEqual([
      true,
      false,
      true,
      true,
    ])
  })

  it('writes a DTB that dtc decodes to the same nodes and properties', (ctx) => {
    if (!hasDtc) return ctx.skip('dtc (device-tree-compiler) is not installed')
    const dtb = path.join(box.root, 'lpar', 'device-tree.dtb')
    const dtc = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', dtb], { encoding: 'utf8' })
    expect(dtc.status).toBe(0)
    expect(run('papr', 'dtb', 'decode', '--dts', dtb).stdout).toBe(dtc.stdout)
  })

  it('keeps a namespace across a kexec that meets H_OVERLAP on every device', () => {
    expect(run('disable-region', 'all').rc).toBe(0)
    expect(run('init-labels', 'all').rc).toBe(0)
    expect(run('enable-region', 'all').rc).toBe(0)
    const created = run('create-namespace', '-r', 'region0', '-m', 'fsdax', '-s', '64M')
    expect(created.rc).toBe(0)
    const { uuid } = JSON.parse(created.stdout)
    expect(run('platform', 'kexec').rc).toBe(0)
    expect(
      json('list', '-R')
        .map((region: { dev: string }) => region.dev)
        .sort(),
    ).toEqual(['region0', 'region1', 'region2', 'region3'])
    expect(json('list', '-N', '-r', 'region0')).toMatchObject([{ uuid, mode: 'fsdax' }])
  })

  it('shows an injected fatal health state as ndctl does for papr', () => {
    expect(run('inject-smart', 'nmem0', '-f').rc).toBe(0)
    expect(json('list', '-DH', '-d', 'nmem0')[0].health).toMatchObject({ health_state: 'fatal' })
  })
})

describe('QEMU refusals for spapr-nvdimm', () => {
  it('refuses a size that is not whole 256 MiB blocks, with QEMU words', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'bad') }
    const bad = nvdimm(['platform', 'init', '--papr', '100M'], env)
    expect(bad.rc).toBe(234)
    expect(bad.stderr).toContain('PAPR requires NVDIMM memory size (excluding label) to be a multiple of 256MB')
    expect(fs.existsSync(path.join(box.root, 'bad', 'platform.json'))).toBe(false)
  })
})
