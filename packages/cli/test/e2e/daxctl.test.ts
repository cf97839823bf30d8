import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GOLDEN, hasGolden, nvdimm, sandbox } from '../cli.js'

const box = sandbox()
afterAll(() => box.cleanup())

/** A platform of its own, and a runner bound to it. */
function platform(name: string, ...init: string[]) {
  const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, name) }
  const run = (...args: string[]) => nvdimm(args, env)
  const created = run('platform', 'init', ...init)
  expect(created.stderr).toMatch(/created platform/)
  return run
}

const golden = (step: string) =>
  fs.readFileSync(path.join(GOLDEN, 'linux-6.1-e820', 'aligned', `${step}.stdout`), 'utf8')

/** 1 GiB of legacy pmem at 4 GiB, its namespace in devdax mode: room for seven 128 MiB memory blocks. */
function devdaxPlatform(name: string, ...init: string[]) {
  const run = platform(name, '--e820', 'memmap=1G!4G', ...init)
  expect(run('create-namespace', '-e', 'namespace0.0', '-m', 'devdax', '-f').rc).toBe(0)
  return run
}

const DEVDAX_IOMEM = `100000000-13fffffff : Persistent Memory (legacy)
  100000000-1011fffff : namespace0.0
  101200000-13fffffff : dax0.0
`
const KMEM_IOMEM = `100000000-13fffffff : Persistent Memory (legacy)
  100000000-1011fffff : namespace0.0
  108000000-13fffffff : dax0.0
    108000000-13fffffff : System RAM (kmem)
`

describe('daxctl: a devdax namespace as System RAM, for one boot', () => {
  it('system-ram shows under "System RAM (kmem)", never in the firmware map, and is devdax again after a power cycle', () => {
    const run = devdaxPlatform('done-when')
    const firmwareMap = run('firmware-memmap').stdout
    expect(run('iomem').stdout).toBe(DEVDAX_IOMEM)
    const reconfigured = run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram')
    expect(reconfigured.rc).toBe(0)
    expect(reconfigured.stderr).toBe('reconfigured 1 device\n')
    expect(JSON.parse(reconfigured.stdout)).toEqual([
      {
        chardev: 'dax0.0',
        size: 1054867456,
        target_node: 0,
        align: 2097152,
        mode: 'system-ram',
        online_memblocks: 7,
        total_memblocks: 7,
        movable: true,
      },
    ])
    expect(run('iomem').stdout).toBe(KMEM_IOMEM)
    expect(run('firmware-memmap').stdout).toBe(firmwareMap)
    // The next boot decides again: the device comes back in its reserved, device-owned state.
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(run('iomem').stdout).toBe(DEVDAX_IOMEM)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].mode).toBe('devdax')
  })

  it('a kexec lands nothing on kmem memory and forgets it; a kdump would dump it', () => {
    const run = devdaxPlatform('kexec')
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram').rc).toBe(0)
    const kexec = JSON.parse(run('platform', 'kexec', '--dry-run').stdout)
    expect(kexec.skipped).toEqual([{ start: '0x108000000', end: '0x13fffffff', name: 'System RAM (kmem)' }])
    for (const segment of kexec.segments) expect(BigInt(segment.start)).toBeLessThan(0x40000000n)
    expect(kexec.memmap.map((entry: { type: string }) => entry.type)).not.toContain('System RAM (kmem)')
    const kdump = JSON.parse(run('platform', 'kexec', '--dry-run', '--kdump').stdout)
    expect(kdump.dump).toContainEqual({ start: '0x108000000', end: '0x13fffffff', name: 'System RAM (kmem)' })
    expect(run('platform', 'kexec').rc).toBe(0)
    expect(run('iomem').stdout).toBe(DEVDAX_IOMEM)
  })

  it('refuses what daxctl and ndctl refuse, and says why', () => {
    const run = devdaxPlatform('refusals')
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram').rc).toBe(0)
    // ndctl_namespace_disable_safe(): active as system-ram.
    const destroy = run('destroy-namespace', '-f', 'namespace0.0')
    expect(destroy.rc).toBe(240)
    expect(destroy.stderr).toMatch(/dax0.0 is active as system-ram with 7 memory blocks online/)
    const back = run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'devdax')
    expect(back.rc).toBe(240)
    expect(back.stderr).toBe(
      'dax0.0 has 7 memory sections online: offline them first (daxctl offline-memory, or -f)\nerror reconfiguring devices: Device or resource busy\nreconfigured 0 devices\n',
    )
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'devdax', '-f').rc).toBe(0)
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'devdax').stderr).toBe(
      'dax0.0 was already in devdax mode\nreconfigured 1 device\n',
    )
    // Memory onlined to ZONE_NORMAL holds kernel allocations: it stays until the next boot.
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram', '--no-movable').rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].movable).toBe(false)
    const offline = run('daxctl', 'offline-memory', 'dax0.0')
    expect(offline.rc).toBe(240)
    expect(offline.stderr).toMatch(
      /^libdaxctl: offline_one_memblock: dax0.0: Failed to offline \/sys\/devices\/system\/node\/node0\/memory33\/state: Device or resource busy\ndax0.0: failed to offline memory: Device or resource busy\n/,
    )
    expect(offline.stderr).toMatch(/error offlining memory: Device or resource busy\nofflined memory for 0 devices\n$/)
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].mode).toBe('devdax')
  })

  it('onlines and offlines as daxctl does, -N leaving the memory offline', () => {
    const run = devdaxPlatform('online')
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram', '-N').rc).toBe(0)
    const listed = JSON.parse(run('daxctl', 'list').stdout)[0]
    expect(listed).toMatchObject({ online_memblocks: 0, total_memblocks: 7 })
    expect(listed.movable).toBeUndefined()
    expect(run('daxctl', 'online-memory', 'dax0.0').stderr).toBe('onlined memory for 1 device\n')
    const again = run('daxctl', 'online-memory', 'dax0.0')
    expect(again.rc).toBe(1)
    expect(again.stderr).toMatch(
      /WARNING: detected a race while onlining memory[\s\S]*dax0.0: all memory sections \(7\) already online\nonlined memory for 0 devices\n$/,
    )
    expect(run('daxctl', 'offline-memory', 'all', '-v').stderr).toBe(
      'dax0.0: 7 memory sections offlined\nofflined memory for 1 device\n',
    )
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'devdax').rc).toBe(0)
    expect(run('daxctl', 'online-memory', 'dax0.0').stderr).toBe(
      'dax0.0: memory operations are not applicable in devdax mode\nerror onlining memory: No such device or address\nonlined memory for 0 devices\n',
    )
  })

  it('refuses a device too small for one memory block, and an auto-online kernel policy without -f', () => {
    const small = platform('small')
    expect(small('create-namespace', '-e', 'namespace0.0', '-m', 'devdax', '-f').rc).toBe(0)
    const tooSmall = small('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram')
    expect(tooSmall.rc).toBe(234)
    expect(tooSmall.stderr).toMatch(
      /^libdaxctl: daxctl_dev_enable: dax0.0: failed to enable\ndax0.0: rejecting DAX region without any memory after alignment/,
    )
    const auto = devdaxPlatform('auto', '--memhp-default-state', 'online')
    const refused = auto('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram')
    expect(refused.rc).toBe(240)
    expect(refused.stderr).toMatch(/^dax0.0: error: kernel policy will auto-online memory, aborting\n/)
    expect(auto('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram', '-f').rc).toBe(0)
    expect(JSON.parse(auto('daxctl', 'list').stdout)[0]).toMatchObject({ online_memblocks: 7, movable: false })
  })

  it('applies daxctl.conf as devices appear at boot, once per boot', () => {
    const run = devdaxPlatform('conf')
    const uuid = JSON.parse(run('list', '-N').stdout)[0].uuid
    const conf = path.join(box.root, 'daxctl.conf')
    fs.writeFileSync(conf, `[reconfigure-device pmem-as-ram]\nnvdimm.uuid = ${uuid}\nmode = system-ram\n`)
    expect(run('platform', 'daxctl-conf', conf).rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].mode).toBe('devdax')
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0]).toMatchObject({ mode: 'system-ram', online_memblocks: 7 })
    // Turned back by hand, it stays devdax for the rest of this boot.
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'devdax', '-f').rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].mode).toBe('devdax')
    expect(run('platform', 'kexec').rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].mode).toBe('system-ram')
    // What the udev rule runs, by hand: -C takes the section for the device's uuid.
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'devdax', '-f').rc).toBe(0)
    expect(run('daxctl', 'reconfigure-device', '-C', 'dax0.0').rc).toBe(0)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0].mode).toBe('system-ram')
    expect(run('daxctl', 'reconfigure-device', '-C', '-m', 'devdax', 'dax0.0').rc).toBe(129)
    expect(run('platform', 'daxctl-conf', '--remove').rc).toBe(0)
    expect(run('daxctl', 'reconfigure-device', '-C', 'dax0.0')).toMatchObject({
      rc: 0,
      stderr: 'dax0.0: missing or malformed config section\n',
    })
  })

  it('lists regions with their sysfs path, and nothing when nothing matches', () => {
    const run = devdaxPlatform('list')
    expect(run('daxctl', 'list', '-R', '-D', '-u').stdout).toBe(`{
  "path":"\\/platform\\/e820_pmem\\/ndbus0\\/region0\\/dax0.1",
  "id":0,
  "size":"1006.00 MiB (1054.87 MB)",
  "align":2097152,
  "devices":[
    {
      "chardev":"dax0.0",
      "size":"1006.00 MiB (1054.87 MB)",
      "target_node":0,
      "align":2097152,
      "mode":"devdax"
    }
  ]
}
`)
    expect(run('daxctl', 'list', '-r', '0').stdout).not.toMatch(/devices/)
    expect(run('daxctl', 'list', '-d', 'dax9.9')).toEqual({ stdout: '', stderr: '', rc: 0 })
    const none = run('daxctl', 'reconfigure-device', 'dax9.9', '-m', 'system-ram')
    expect([none.rc, none.stderr]).toEqual([
      250,
      'error reconfiguring devices: No such device or address\nreconfigured 0 devices\n',
    ])
  })

  it('a hot-added DIMM enters the firmware map, after the boot entries, and stays plugged', () => {
    const run = devdaxPlatform('hot-add')
    expect(run('platform', 'hot-add-memory', '2G').stderr).toBe(
      'hot-added 2G of RAM at 0x140000000: System RAM, listed in /sys/firmware/memmap\n',
    )
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram').rc).toBe(0)
    const map = run('firmware-memmap').stdout
    expect(map.split('\n').slice(-3)).toEqual([
      '/sys/firmware/memmap/6 0xfd00000000 0xffffffffff Reserved',
      '/sys/firmware/memmap/7 0x140000000 0x1bfffffff System RAM',
      '',
    ])
    expect(map).not.toMatch(/0x108000000/)
    const kexec = JSON.parse(run('platform', 'kexec', '--dry-run').stdout)
    expect(kexec.memmap).toContainEqual({ start: '0x140000000', end: '0x1bfffffff', type: 'System RAM' })
    // The images go top-down into the highest RAM that no driver manages: the new DIMM.
    expect(BigInt(kexec.segments[0].start)).toBeGreaterThanOrEqual(0x140000000n)
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(run('firmware-memmap').stdout).toBe(map)
    expect(run('platform', 'hot-add-memory', '1G@4G')).toMatchObject({
      rc: 240,
      stderr: expect.stringMatching(/overlaps region0/),
    })
    expect(run('platform', 'hot-add-memory', '100M')).toMatchObject({ rc: 234 })
  })

  it("prints what the kernel's daxctl printed on the e820 goldens (e14, g05: no dax devices)", (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    const run = platform('golden', '--e820', 'memmap=128M!512M,64M!768M')
    expect(run('daxctl', 'list', '-D', '-R', '-u').stdout).toBe(golden('e14-daxctl-list'))
    expect(run('firmware-memmap').stdout).toBe(golden('e08-firmware-memmap'))
  })
})

describe('Soft Reserved memory (EFI_MEMORY_SP): dax_hmem devices', () => {
  it('becomes daxN.0 under "Soft Reserved", System RAM for one boot, and takes a memregion id before the pmem', () => {
    const run = platform('hmem', '--e820', 'memmap=128M!512M efi_fake_mem=2G@8G:0x40000')
    const devdax = `20000000-27ffffff : Persistent Memory (legacy)
  20000000-27ffffff : namespace1.0
200000000-27fffffff : Soft Reserved
  200000000-27fffffff : dax0.0
`
    expect(run('iomem').stdout).toBe(devdax)
    expect(JSON.parse(run('list', '-R').stdout).map((region: { dev: string }) => region.dev)).toEqual(['region1'])
    expect(JSON.parse(run('daxctl', 'list', '-R').stdout)).toEqual([
      { path: '/platform/hmem.0', id: 0, size: 2147483648, align: 2097152 },
    ])
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram').rc).toBe(0)
    expect(run('iomem').stdout).toBe(`${devdax}    200000000-27fffffff : System RAM (kmem)\n`)
    expect(JSON.parse(run('daxctl', 'list').stdout)[0]).toMatchObject({ online_memblocks: 16, total_memblocks: 16 })
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(run('iomem').stdout).toBe(devdax)
  })

  it("is in the firmware map when the BIOS's e820 has it, and never System RAM (kmem)", () => {
    const table = path.join(box.root, 'e820.txt')
    fs.writeFileSync(
      table,
      [
        'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
        'BIOS-e820: [mem 0x0000000200000000-0x000000023fffffff] soft reserved',
      ].join('\n'),
    )
    const run = platform('hmem-bios', '--e820-table', table)
    expect(run('firmware-memmap').stdout).toMatch(/\/sys\/firmware\/memmap\/6 0x200000000 0x23fffffff Soft Reserved\n/)
    const before = run('firmware-memmap').stdout
    expect(run('daxctl', 'reconfigure-device', 'dax0.0', '-m', 'system-ram').rc).toBe(0)
    expect(run('firmware-memmap').stdout).toBe(before)
    expect(run('list').stdout).toBe('')
  })
})

describe('MAP_SYNC and write_cache', () => {
  it("an async region's dax device refuses MAP_SYNC with EOPNOTSUPP and says why", () => {
    const run = platform('papr', '--papr', '1G')
    expect(run('create-namespace', '-r', 'region0', '-m', 'devdax').rc).toBe(0)
    const input = path.join(box.root, 'record')
    fs.writeFileSync(input, 'record')
    const write = run('write', 'dax0.0', '--map-sync', '--input', input)
    expect(write.rc).toBe(161)
    expect(write.stderr).toMatch(
      /dax0.0: MAP_SYNC refused: region0's flush is asynchronous \(H_SCM_FLUSH, which only fsync and msync reach\): stores cannot be made durable from userspace alone \(EOPNOTSUPP\)/,
    )
    expect(run('write', 'dax0.0', '--input', input).rc).toBe(0)
    expect(run('map-sync', 'dax0.0').stdout).toMatch(/^unsupported: /)
    expect(run('map-sync', 'dax0.0', '1').rc).toBe(161)
    expect(JSON.parse(run('list', '-N', '-v').stdout)[0].map_sync).toBe('unsupported')
    // POWER has no /sys/firmware/memmap; a kexec still has the boot memory to go on.
    expect(run('firmware-memmap')).toMatchObject({
      rc: 250,
      stderr: expect.stringMatching(/ppc64 has no \/sys\/firmware\/memmap/),
    })
    expect(JSON.parse(run('platform', 'kexec', '--dry-run').stdout).memmap).toEqual([
      { start: '0x0', end: '0x3fffffff', type: 'System RAM' },
    ])
  })

  it('a synchronous region grants it until the device attribute turns it off, until the next boot', () => {
    const run = devdaxPlatform('sync')
    const input = path.join(box.root, 'record2')
    fs.writeFileSync(input, 'record')
    expect(run('write', 'dax0.0', '--map-sync', '--input', input).rc).toBe(0)
    const listed = run('list', '-N', '-v').stdout
    expect(listed).not.toMatch(/map_sync|write_cache/)
    expect(run('map-sync', 'dax0.0', '0').stdout).toBe('0\n')
    expect(run('write-cache', 'namespace0.0', '0').stdout).toBe('0\n')
    const refused = run('write', 'dax0.0', '--map-sync', '--input', input)
    expect([refused.rc, refused.stderr]).toEqual([
      161,
      "error: dax0.0: MAP_SYNC refused: MAP_SYNC is turned off for namespace0.0 (map_sync 0; 'nvdimm map-sync namespace0.0 1' turns it on) (EOPNOTSUPP)\n",
    ])
    expect(JSON.parse(run('list', '-N', '-v').stdout)[0]).toMatchObject({
      map_sync: 'disabled',
      write_cache: 'disabled',
    })
    expect(run('platform', 'power-cycle').rc).toBe(0)
    expect(run('list', '-N', '-v').stdout).toBe(listed)
  })

  it('the build default can turn MAP_SYNC off for every device, and a sector namespace has no dax device', () => {
    const run = platform('nosync', '--e820', 'memmap=1G!4G', '--no-map-sync')
    expect(run('map-sync', 'pmem0').stdout).toBe('0\n')
    expect(run('map-sync', 'pmem0', '1').stdout).toBe('1\n')
    expect(run('create-namespace', '-e', 'namespace0.0', '-m', 'sector', '-f').rc).toBe(0)
    expect(run('map-sync', 'namespace0.0').stderr).toMatch(/namespace0.0 has no dax device/)
  })
})
