import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, sandbox } from '../cli.js'

/** The README's example: examples/forgot-a-flush.mjs against two platforms. */
const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/forgot-a-flush.mjs')
const box = sandbox()
afterAll(() => box.cleanup())

function example(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const result = spawnSync(process.execPath, [EXAMPLE, ...args], { env, encoding: 'utf8' })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result.stdout
}

describe('what survives a power failure, per platform (the README example)', () => {
  it('memory_controller (pseries): the forgotten flush and fence is caught; the careful program passes', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'lpar') }
    expect(nvdimm(['platform', 'init', '--papr', '256M'], env).rc).toBe(0)
    expect(nvdimm(['create-namespace', '-r', 'region0', '-m', 'devdax'], env).rc).toBe(0)
    expect(example(env)).toBe(
      'memory_controller: INCONSISTENT after 2 operations (store, store): the valid flag is set over a torn record\n',
    )
    expect(example(env, '--careful')).toMatch(/^memory_controller: consistent in all \d+ crash states\n$/)
  })

  it('cpu_cache (QEMU nvdimm-persistence=cpu): both programs are consistent', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'qemu') }
    const image = path.join(box.root, 'nvdimm0.img')
    fs.writeFileSync(image, '')
    fs.truncateSync(image, 1 << 30)
    const run = (...args: string[]) => expect(nvdimm(args, env).rc).toBe(0)
    run('platform', 'init', '--nfit-qemu', `${image},label-size=128K`, '--nfit-persistence', 'cpu')
    run('disable-region', 'all')
    run('init-labels', 'all')
    run('enable-region', 'all')
    run('create-namespace', '-r', 'region0', '-m', 'devdax', '-s', '256M')
    expect(example(env)).toMatch(/^cpu_cache: consistent in all \d+ crash states\n$/)
    expect(example(env, '--careful')).toMatch(/^cpu_cache: consistent in all \d+ crash states\n$/)
  })

  it('decides a store a program left in flight by the seed, from another process', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'lpar') }
    const leave = (...args: string[]) => {
      const result = spawnSync(process.execPath, [path.join(path.dirname(EXAMPLE), 'leave-in-flight.mjs'), ...args], {
        env,
        encoding: 'utf8',
      })
      expect(result.stderr).toBe('')
      return result.stdout
    }
    leave()
    expect(leave('read')).toBe('byte at 8192: 90\n')
    // mulberry32 with seed 0 draws the line's durable contents: the store is lost.
    expect(nvdimm(['platform', 'power-fail', '--seed', '0'], env).stderr).toMatch(
      /^power failed platform at .*: 1 cache line in flight, 1 lost\n$/,
    )
    expect(leave('read')).toBe('byte at 8192: 0\n')
    leave()
    expect(nvdimm(['platform', 'power-fail', '--seed', '1'], env).stderr).toMatch(/1 cache line in flight, 0 lost\n$/)
    expect(leave('read')).toBe('byte at 8192: 90\n')
    expect(nvdimm(['platform', 'power-fail', '--seed', 'x'], env).rc).toBe(256 - 22)
  })

  it('platform power-fail is a new boot the firmware sees as unclean', () => {
    const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'lpar') }
    expect(nvdimm(['platform', 'power-fail'], env).stderr).toMatch(/^power failed platform at /)
    const shown = JSON.parse(nvdimm(['platform', 'show'], env).stdout)
    expect(shown.runtime).toMatchObject({ boot: 3, powerLost: true })
    expect(nvdimm(['platform', 'power-cycle'], env).rc).toBe(0)
    expect(JSON.parse(nvdimm(['platform', 'show'], env).stdout).runtime.powerLost).toBeUndefined()
  })
})
