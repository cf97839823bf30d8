import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

describe('labels and namespaces from the command line (e820 with labels)', () => {
  const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'labelled') }
  const run = (...args: string[]) => nvdimm(args, env)

  it('initialises labels, creates, lists, reads, checks and destroys, across processes', () => {
    expect(run('platform', 'init', '--e820', 'memmap=1G!4G', '--e820-labels').rc).toBe(0)
    expect(run('init-labels', 'nmem0')).toMatchObject({
      rc: 1,
      stderr: 'error: nmem0: regions active, abort label write (EBUSY)\ninitialized 0 nmem\n',
    })
    expect(run('disable-region', 'all').stderr).toBe('disabled 1 region\n')
    expect(run('init-labels', '-V', '1.2', 'nmem0')).toMatchObject({ rc: 0, stderr: 'initialized 1 nmem\n' })
    expect(run('init-labels', 'nmem0')).toMatchObject({
      rc: 1,
      stderr: 'error: nmem0: error: labels already initialized (use -f to overwrite) (EBUSY)\ninitialized 0 nmem\n',
    })
    expect(run('enable-region', 'all').stderr).toBe('enabled 1 region\n')

    const uuid = '12345678-9abc-4def-8123-456789abcdef'
    const created = run('create-namespace', '-m', 'raw', '-s', '64M', '-n', 'journal', '-u', uuid)
    expect(created.rc).toBe(0)
    expect(JSON.parse(created.stdout)).toEqual({
      dev: 'namespace0.0',
      mode: 'fsdax',
      map: 'mem',
      size: 67108864,
      uuid,
      sector_size: 512,
      blockdev: 'pmem0',
      name: 'journal',
    })
    const misaligned = run('create-namespace', '-m', 'raw', '-s', '10M')
    expect([misaligned.rc, misaligned.stderr]).toEqual([
      234,
      'error: region0: align setting is 0x1000000 size 0xa00000 is misaligned (EINVAL)\n',
    ])
    const tooBig = run('create-namespace', '-m', 'raw', '-s', '4G')
    expect([tooBig.rc, tooBig.stderr]).toEqual([
      237,
      'error: no region has the room (or an idle seed namespace) for it (ENOSPC)\nfailed to create namespace: No space left on device\n',
    ])

    const listing = run('list', '-RN').stdout
    // 1 GiB less the 128 KiB label area, less 64 MiB, rounded down to the 16 MiB align.
    expect(listing).toContain('"available_size":989855744,')
    expect(listing).toContain(`"iset_id":${0xcafebeefcafebeefn},`)
    const listed = JSON.parse(listing)
    expect(listed.regions[0].namespaces).toEqual([
      {
        dev: 'namespace0.0',
        mode: 'fsdax',
        map: 'mem',
        size: 67108864,
        uuid,
        sector_size: 512,
        blockdev: 'pmem0',
        name: 'journal',
      },
    ])

    const labels = JSON.parse(run('read-labels', '-j', 'nmem0').stdout)
    expect(labels[0].index.map((index: { minor: number; nslot: number }) => [index.minor, index.nslot])).toEqual([
      [2, 510],
      [2, 510],
    ])
    expect(
      labels[0].label.some(
        (label: { uuid: string; name: string; flags: number }) =>
          label.uuid === uuid && label.name === 'journal' && label.flags === 0,
      ),
    ).toBe(true)
    const image = path.join(box.root, 'labels.bin')
    expect(run('read-labels', '-o', image, 'nmem0')).toMatchObject({ rc: 0, stdout: '', stderr: 'read 1 nmem\n' })
    expect(fs.statSync(image).size).toBe(131072)
    expect(run('check-labels', 'all')).toMatchObject({ rc: 0, stderr: 'successfully verified 1 nmem label\n' })

    expect(run('destroy-namespace', 'namespace0.0')).toMatchObject({
      rc: 240,
      stderr:
        'error: namespace0.0 is active, specify --force for re-configuration (EBUSY)\nerror destroying namespaces: Device or resource busy\ndestroyed 0 namespaces\n',
    })
    expect(run('destroy-namespace', '-f', 'namespace0.0')).toMatchObject({ rc: 0, stderr: 'destroyed 1 namespace\n' })
    expect(run('list').stdout).toBe('')

    // The saved image brings the namespace back.
    run('disable-region', 'all')
    expect(run('write-labels', '-i', image, 'nmem0')).toMatchObject({ rc: 0, stderr: 'wrote 1 nmem\n' })
    run('enable-region', 'all')
    expect(JSON.parse(run('list').stdout)[0]).toMatchObject({ dev: 'namespace0.0', uuid, name: 'journal' })

    run('disable-region', 'all')
    expect(run('zero-labels', 'nmem0')).toMatchObject({ rc: 0, stderr: 'zeroed 1 nmem\n' })
    expect(run('check-labels', 'nmem0').rc).toBe(1)
  })

  it('shows and sets a region align as the kernel attribute does', () => {
    const dir = path.join(box.root, 'align')
    expect(nvdimm(['platform', 'init', '--platform', dir, '--e820', 'memmap=30M!900M'], box.env).rc).toBe(0)
    expect(nvdimm(['region-align', '--platform', dir, 'region0'], box.env).stdout).toBe('0x1000000\n')
    expect(nvdimm(['region-align', '--platform', dir, 'region0', '0x200000'], box.env).stdout).toBe('0x200000\n')
    expect(JSON.parse(nvdimm(['list', '-R', '--platform', dir], box.env).stdout)[0].align).toBe(2097152)
    const bad = nvdimm(['region-align', '--platform', dir, 'region0', '3M'], box.env)
    expect(bad.rc).toBe(234)
    expect(bad.stderr).toMatch(/^error: region0: align 0x300000 must be a power of two/)
  })
})
