import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

describe('the nfit-test preset from the command line: health, poison and scrub, security', () => {
  const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'nfit-test') }
  const run = (...args: string[]) => nvdimm(args, env)
  const json = (...args: string[]) => JSON.parse(run(...args).stdout)

  it('builds nfit_test.0 and nfit_test.1 with their SMART health', () => {
    expect(run('platform', 'init', '--nfit-preset', 'nfit-test').rc).toBe(0)
    expect(json('list', '-B')).toEqual([
      { provider: 'nfit_test.1', dev: 'ndbus1', scrub_state: 'idle' },
      { provider: 'nfit_test.0', dev: 'ndbus0', scrub_state: 'idle' },
    ])
    const [dimm] = json('list', '-DH', '-d', 'nmem0')
    expect(dimm.health).toMatchObject({ health_state: 'non-critical', temperature_celsius: 23, shutdown_count: 42 })
    expect(run('inject-smart', 'nmem0', '-m', '60', '-f').rc).toBe(0)
    expect(json('list', '-DH', '-d', 'nmem0')[0].health).toMatchObject({
      health_state: 'fatal',
      temperature_celsius: 60,
    })
  })

  it('injects poison, scrubs it, lists and clears it', () => {
    expect(run('inject-error', 'namespace2.0', '-B', '8', '-n', '2').rc).toBe(0)
    expect(json('inject-error', 'namespace2.0', '-t')).toEqual({ badblocks: [{ block: 8, count: 2 }] })
    expect(json('list', '-NM', '-n', 'namespace2.0')[0]).toMatchObject({
      badblock_count: 2,
      badblocks: [{ offset: 8, length: 2 }],
    })
    expect(run('start-scrub', 'nfit_test.1').rc).toBe(0)
    expect(run('wait-scrub', 'nfit_test.1')).toMatchObject({ rc: 0 })
    expect(json('list', '-B', '-b', 'nfit_test.1')).toEqual([
      { provider: 'nfit_test.1', dev: 'ndbus1', scrub_state: 'idle' },
    ])
    const cleared = run('clear-errors', 'namespace2.0')
    expect(cleared).toMatchObject({ rc: 0, stderr: 'cleared 1 namespace\n' })
    expect(json('list', '-NM', '-n', 'namespace2.0')[0].badblock_count).toBeUndefined()
  }, 30_000)

  it('locks, unlocks with the stored key, freezes until the next power cycle', () => {
    expect(run('disable-region', 'all').rc).toBe(0)
    const setup = run('setup-passphrase', 'nmem3', '-k', 'user:nvdimm-master')
    expect(setup).toMatchObject({ rc: 0, stderr: 'passphrase enabled for 1 nmem.\n' })
    expect(run('enable-region', 'all').rc).toBe(0)
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(json('list', '-D', '-d', 'nmem3')[0]).toMatchObject({ security: 'unlocked' })
    expect(run('freeze-security', 'nmem3').rc).toBe(0)
    expect(json('list', '-D', '-d', 'nmem3')[0]).toMatchObject({ security: 'unlocked', security_frozen: true })
    expect(run('disable-region', 'all').rc).toBe(0)
    expect(run('remove-passphrase', 'nmem3').rc).not.toBe(0)
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(json('list', '-D', '-d', 'nmem3')[0].security_frozen).toBeUndefined()
    expect(run('disable-region', 'all').rc).toBe(0)
    expect(run('remove-passphrase', 'nmem3')).toMatchObject({ rc: 0 })
    expect(json('list', '-D', '-d', 'nmem3')[0]).toMatchObject({ security: 'disabled' })
  }, 30_000)
})
