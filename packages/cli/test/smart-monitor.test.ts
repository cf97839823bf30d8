import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../src/program.js'

// In process, from source: no build needed. The e820 platform has no dimms, so these check
// the wiring (options, messages, exit codes); the SMART behaviour is core's, tested there.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-smart-cli-'))
const platform = path.join(root, 'platform')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
afterEach(() => {
  vi.restoreAllMocks()
  process.exitCode = 0
})

async function run(...args: string[]): Promise<{ rc: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  try {
    const rc = await main(['node', 'nvdimm', '--platform', platform, ...args])
    return { rc, stdout, stderr }
  } finally {
    vi.restoreAllMocks()
    process.exitCode = 0
  }
}

describe('nvdimm inject-smart and monitor (in process)', () => {
  it('sets up an e820 platform', async () => {
    expect((await run('platform', 'init', '--e820', 'memmap=64M!4G')).rc).toBe(0)
  })

  it('inject-smart: refuses bad options before looking for the dimm', async () => {
    expect(await run('inject-smart', 'nmem0')).toMatchObject({
      rc: 234,
      stderr: 'error: No valid operation specified (EINVAL)\n',
    })
    expect((await run('inject-smart', 'nmem0', '-m', '1e999')).stderr).toBe(
      'error: Invalid argument: media_temperature: 1e999 (EINVAL)\n',
    )
    expect((await run('inject-smart', '-f', '-N', 'nmem0')).stderr).toBe(
      'error: Cannot use fatal inject and uninject together (EINVAL)\n',
    )
    expect((await run('inject-smart', '-f')).stderr).toBe('error: specify a dimm for the smart operation (EINVAL)\n')
    expect((await run('inject-smart', '-f', 'nmem0', 'nmem1')).stderr).toBe(
      'error: unknown extra parameter "nmem1" (EINVAL)\n',
    )
  })

  it('inject-smart: "no such dimm", -ENXIO', async () => {
    expect(await run('inject-smart', '-m', '-5', '--spares-alarm', 'off', 'nmem0')).toEqual({
      rc: 250,
      stdout: '',
      stderr: 'error: nmem0: no such dimm (ENXIO)\n',
    })
  })

  it('monitor: nothing to watch is "no dimms to monitor, exiting" on stdout, -ENXIO', async () => {
    expect(await run('monitor', '--timeout', '0')).toEqual({
      rc: 250,
      stdout: 'no dimms to monitor, exiting\n',
      stderr: '',
    })
  })

  it('monitor: logs to a file, appending, with the stamp ndctl puts on non-event lines', async () => {
    const log = path.join(root, 'monitor.log')
    fs.writeFileSync(log, 'before\n')
    expect((await run('monitor', '-l', log)).rc).toBe(250)
    const lines = fs.readFileSync(log, 'utf8').split('\n')
    expect(lines[0]).toBe('before')
    expect(lines[1]).toMatch(/^\[ *\d+\.\d{9}\] \[\d+\] no dimms to monitor, exiting$/)
  })

  it('monitor: a bad -D is logged and ends the run, as ndctl does (exit 0)', async () => {
    expect(await run('monitor', '-D', 'dimm-on-fire')).toEqual({
      rc: 0,
      stdout: '',
      stderr: 'no dimm-event named dimm-on-fire\n',
    })
  })

  it('monitor: takes the config file, and refuses --daemon and bad numbers', async () => {
    const conf = path.join(root, 'monitor.conf')
    fs.writeFileSync(conf, '[monitor]\ndimm-event = dimm-unknown\n')
    expect((await run('monitor', '-c', conf)).stderr).toBe('no dimm-event named dimm-unknown\n')
    expect((await run('monitor', '-c', path.join(root, 'missing.conf'))).stderr).toMatch(/cannot be opened \(ENOENT\)/)
    expect((await run('monitor', '--daemon')).rc).toBe(161)
    expect((await run('monitor', '--poll-interval', '0')).stderr).toMatch(/--poll-interval expects a whole number/)
  })
})
