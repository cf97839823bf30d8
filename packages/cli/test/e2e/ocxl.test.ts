import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

describe('two OpenCAPI cards on one link, from the command line', () => {
  const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'opencapi') }
  const run = (...args: string[]) => nvdimm(args, env)
  const json = (...args: string[]) => JSON.parse(run(...args).stdout)
  /** list -Dv: an array of dimms, or an object with them when namespaces come along. */
  const dimms = (...args: string[]) => {
    const listed = json('list', '-Dv', ...args)
    return Array.isArray(listed) ? listed : listed.dimms
  }

  it('comes up as two buses, two dimms and two regions', () => {
    const init = run('platform', 'init', '--ocxl', '1G', '--ocxl', '1G,fw=OCXL0009')
    expect(init).toMatchObject({ rc: 0 })
    expect(init.stderr).toContain('ppc64, ocxl (2 cards)')
    const buses = json('list', '-BDR')
    expect(buses.map((bus: { provider: string }) => bus.provider).sort()).toEqual(['ocxlpmem0', 'ocxlpmem1'])
    for (const bus of buses) {
      expect(bus.dimms).toHaveLength(1)
      expect(bus.regions).toMatchObject([
        { type: 'pmem', size: 1024 * 2 ** 20 - 16 * 2 ** 20, persistence_domain: 'memory_controller' },
      ])
    }
    const [dimm] = dimms('-d', 'nmem1')
    expect(dimm).toMatchObject({ id: '0000000000001001', ocxl: { fw_version: 'OCXL0009', link: '0:1' } })
  })

  it('keeps labels and namespaces across a power cycle', () => {
    expect(run('disable-region', 'all').rc).toBe(0)
    expect(run('init-labels', 'all').rc).toBe(0)
    expect(run('enable-region', 'all').rc).toBe(0)
    const created = run('create-namespace', '-r', 'region1', '-m', 'fsdax', '-s', '128M')
    expect(created.rc).toBe(0)
    const { uuid } = JSON.parse(created.stdout)
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(json('list', '-N', '-r', 'region1')).toMatchObject([{ uuid, mode: 'fsdax', size: 126 * 2 ** 20 }])
  })

  it('reads an injected error log through the dimm, then EAGAIN', () => {
    expect(run('ocxl', 'fault', '0x1000', 'error-log', '--prc', '0xb0c0ffee', '--data', '0a0b0c').rc).toBe(0)
    expect(json('ocxl', 'events', 'nmem0')).toEqual([{ dimm: 'nmem0', events: ['error-log-available'] }])
    // ndctl monitor logs a standing condition at once.
    const monitor = run('monitor', '-d', 'nmem0', '--count', '1', '--timeout', '10000')
    expect(JSON.parse(monitor.stderr.split('\n')[0]!).event).toMatchObject({ 'dimm-error-log-available': true })
    expect(json('ocxl', 'error-log', 'nmem0')).toEqual([
      {
        dimm: 'nmem0',
        log_identifier: 1,
        program_reference_code: '0xb0c0ffee',
        timestamp_ms: 0,
        data_length: 19,
        data: '0a0b0c',
      },
    ])
    const again = run('ocxl', 'error-log', 'nmem0')
    expect(again.rc).toBe(256 - 11)
    expect(again.stderr).toBe('error: nmem0: ERROR_LOG: no error log is available (CHI.ELA is clear) (EAGAIN)\n')
  })

  it('shows a hardware-fatal card as fatal in list -DH, and clears it', () => {
    expect(run('ocxl', 'fault', '0000000000001001', 'hardware-fatal').rc).toBe(0)
    const [dimm] = json('list', '-DH', '-d', 'nmem1')
    expect(dimm.health).toMatchObject({ health_state: 'fatal', hardware_fatal: true })
    expect(run('ocxl', 'fault', '0x1001', 'clear').rc).toBe(0)
    expect(json('list', '-DH', '-d', 'nmem1')[0].health).toMatchObject({ health_state: 'ok', hardware_fatal: false })
  })

  it('leaves out a card that never becomes ready, says why in dmesg, and the other works', () => {
    expect(run('ocxl', 'fault', '0x1000', 'never-ready').rc).toBe(0)
    expect(json('list', '-B')).toMatchObject([{ provider: 'ocxlpmem0' }])
    expect(json('list', '-D')).toMatchObject([{ dev: 'nmem0', id: '0000000000001001' }])
    expect(run('dmesg', '-l', 'err').stdout).toBe(
      'ocxlpmem: card 1000 on link 0: OpenCAPI persistent memory ready timeout after 15 s: the controller never became ready (CHI.CRDY) and the memory never became available (CHI.MA)\n',
    )
    expect(run('ocxl', 'fault', '0x1000', 'clear').rc).toBe(0)
    expect(json('list', '-B')).toHaveLength(2)
  })

  it('counts a power failure as a dirty shutdown, unless the controllers were shut down first', () => {
    const health = () => json('list', '-DH', '-d', 'nmem0')[0].health
    const before = health().shutdown_count
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(health()).toMatchObject({ shutdown_state: 'clean', shutdown_count: before })
    expect(run('platform', 'power-fail').stderr).toMatch(/^power failed platform at /)
    expect(health()).toMatchObject({ shutdown_state: 'dirty', shutdown_count: before + 1 })
    expect(run('ocxl', 'shutdown', 'nmem0').stderr).toBe('shut down 1 controller\n')
    expect(run('platform', 'power-fail').rc).toBe(0)
    expect(health()).toMatchObject({ shutdown_state: 'clean', shutdown_count: before + 1 })
  })

  it('updates the firmware with update-firmware, gives stats and a controller dump', () => {
    const image = path.join(box.root, 'fw.img')
    fs.writeFileSync(image, Buffer.concat([Buffer.from('OCXL0010'), Buffer.alloc(5000, 7)]))
    expect(run('update-firmware', 'nmem0', '-f', image).rc).toBe(0)
    expect(dimms('-d', 'nmem0')[0].ocxl.fw_version).toBe('OCXL0010')
    const [stats] = json('ocxl', 'controller-stats', 'nmem0')
    expect(stats).toMatchObject({ dimm: 'nmem0', error_log_entries: 1 })
    expect(run('ocxl', 'fault', '0x1000', 'controller-dump').rc).toBe(0)
    const out = path.join(box.root, 'dump.bin')
    expect(json('ocxl', 'controller-dump', 'nmem0', '-o', out)).toEqual({ dimm: 'nmem0', size: 16384, file: out })
    expect(fs.statSync(out).size).toBe(16384)
    expect(run('ocxl', 'controller-dump', 'nmem0', '-o', out).rc).toBe(256 - 11)
  })

  it('refuses bad input with the errno and a reason', () => {
    const bad = nvdimm(['platform', 'init', '--ocxl', '100M'], { ...env, NVDIMM_PLATFORM: path.join(box.root, 'bad') })
    expect(bad.rc).toBe(256 - 22)
    expect(bad.stderr).toMatch(/whole 16 MiB memory sections.*\(EINVAL\)/)
    expect(run('ocxl', 'fault', '0x9999', 'error-log').stderr).toMatch(/no OpenCAPI card has serial 0x9999.*\(ENXIO\)/)
    expect(run('ocxl', 'fault', '0x1000', 'melt').rc).toBe(256 - 22)
    expect(run('ocxl', 'error-log', 'nmem0', '--size', '20').rc).toBe(256 - 22)
  })
})
