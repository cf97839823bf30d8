import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

describe('namespace modes from the command line, each command its own process', () => {
  it('sector: create with 520-byte sectors, check, damage info2, check again, repair', () => {
    const platform = path.join(box.root, 'sector')
    const run = (...args: string[]) => nvdimm([...args, '--platform', platform], box.env)
    expect(run('platform', 'init', '--e820', 'memmap=64M!768M').rc).toBe(0)
    const created = run('create-namespace', '-e', 'namespace0.0', '-m', 'sector', '-l', '520', '-f')
    expect(created.rc).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({ mode: 'sector', sector_size: 520, blockdev: 'pmem0s' })

    // Active: refused without --force, as ndctl does.
    const busy = run('check-namespace', 'namespace0.0')
    expect(busy.rc).toBe(240)
    expect(busy.stderr).toContain('namespace0.0: namespace_check: namespace0.0: check aborted, namespace online')
    // ndctl's checker refuses internal != external lbasize (576 vs 520).
    const strict = run('check-namespace', '-f', 'namespace0.0')
    expect(strict.stderr).toContain('Problem parsing arena[0] metadata')
    expect(strict.rc).toBe(250)
    // Back to 4096-byte sectors; the namespace was re-enabled after the check.
    expect(JSON.parse(run('list', '-N').stdout)).toMatchObject([{ mode: 'sector', sector_size: 520 }])
    expect(run('create-namespace', '-e', 'namespace0.0', '-m', 'sector', '-l', '4096', '-f').rc).toBe(0)
    expect(run('check-namespace', '-f', 'namespace0.0')).toMatchObject({ rc: 0, stderr: 'checked 1 namespace\n' })

    // Wipe info2 (the last 4 KiB of the namespace) behind the kernel's back.
    const media = path.join(platform, 'media', fs.readdirSync(path.join(platform, 'media'))[0]!)
    const fd = fs.openSync(media, 'r+')
    fs.writeSync(fd, new Uint8Array(4096), 0, 4096, (64 << 20) - 4096)
    fs.closeSync(fd)
    const damaged = run('check-namespace', '-f', 'namespace0.0')
    expect(damaged.stderr).toContain('namespace0.0: btt_copy_to_info2: Arena 0: BTT info2 needs to be restored')
    expect(damaged.rc).toBe(0)
    const repaired = run('check-namespace', '-f', '-R', 'namespace0.0')
    expect(repaired.stdout).toBe('Arena 0: Restoring BTT info2\n')
    expect(run('check-namespace', '-f', '-v', 'namespace0.0').stderr).not.toContain('needs to be restored')
    expect(run('check-namespace', '-L', 'namespace0.0').stderr).toContain('--rewrite-log also requires --repair')
  })

  it('fsdax and devdax: info blocks read back, written to a file, and devdax --map none', () => {
    const platform = path.join(box.root, 'dax')
    const run = (...args: string[]) => nvdimm([...args, '--platform', platform], box.env)
    expect(run('platform', 'init', '--e820', 'memmap=128M!512M').rc).toBe(0)
    expect(run('create-namespace', '-e', 'namespace0.0', '-m', 'devdax', '-f').rc).toBe(0)
    const busy = run('read-infoblock', 'namespace0.0')
    expect(busy.rc).toBe(240)
    expect(busy.stderr).toContain('error reading infoblock data: Device or resource busy\nread 0 infoblocks\n')
    expect(run('disable-namespace', 'namespace0.0').rc).toBe(0)
    const raw = run('read-infoblock', '-o', path.join(box.root, 'head.bin'), 'namespace0.0')
    expect(raw.stderr).toBe('read 1 infoblock\n')
    expect(fs.statSync(path.join(box.root, 'head.bin')).size).toBe(8192)
    const decoded = run('read-infoblock', '-j', '-i', path.join(box.root, 'head.bin'))
    expect(JSON.parse(decoded.stdout)).toEqual([
      expect.objectContaining({ signature: 'NVDIMM_DAX_INFO', dataoff: 4194304, npfns: 31744, align: 2097152 }),
    ])
    // Reading left it disabled, as ndctl does; enabling finds the dax block again.
    expect(JSON.parse(run('list', '-Ni').stdout)).toMatchObject([{ state: 'disabled' }])
    expect(run('enable-namespace', 'namespace0.0').rc).toBe(0)
    expect(JSON.parse(run('list', '-N').stdout)).toMatchObject([{ mode: 'devdax', chardev: 'dax0.0' }])

    const file = path.join(box.root, 'image.bin')
    fs.writeFileSync(file, new Uint8Array(0))
    fs.truncateSync(file, 32 << 20)
    expect(run('write-infoblock', '-o', file, '-M', 'mem', '-a', '4K')).toMatchObject({
      rc: 0,
      stderr: 'wrote 1 infoblock\n',
    })
    expect(JSON.parse(run('read-infoblock', '-u', '-i', file).stdout)).toEqual([
      expect.objectContaining({ file, mode: 1, dataoff: '0x200000', align: '0x1000', start_pad: '0' }),
    ])

    const none = run('create-namespace', '-e', 'namespace0.0', '-m', 'devdax', '-M', 'none', '-f')
    expect(JSON.parse(none.stdout)).toMatchObject({ mode: 'devdax', map: 'none', size: 134217728 })
    expect(JSON.parse(run('list', '-N').stdout)).toMatchObject([{ mode: 'devdax', map: 'none', chardev: 'dax0.0' }])
    const wrongMode = run('create-namespace', '-e', 'namespace0.0', '-m', 'fsdax', '-M', 'none', '-f')
    expect(wrongMode.stderr).toContain('--map=none only valid for devdax mode namespace')
    expect(run('destroy-namespace', '-f', 'namespace0.0')).toMatchObject({ rc: 0, stderr: 'destroyed 0 namespaces\n' })
  })
})
