import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, GOLDEN, hasGolden, nvdimm, sandbox } from '../cli.js'

/**
 * NBD exports checked with clients nobody here wrote: qemu-io and qemu-img (qemu-utils),
 * nbdcopy and nbdinfo (libnbd-bin). The set-up installs them from Debian's packages when they
 * are missing and it can; without them the tests say so and skip.
 */

const TOOLS = ['qemu-io', 'qemu-img', 'nbdcopy', 'nbdinfo']
const have = () => TOOLS.every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0)
let clients = false

beforeAll(() => {
  if (!have() && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    spawnSync('apt-get', ['install', '-y', '-q', 'qemu-utils', 'libnbd-bin'], { stdio: 'ignore', timeout: 300_000 })
  }
  clients = have()
}, 320_000)

const box = sandbox()
const env = { ...box.env, NVDIMM_PLATFORM: path.join(box.root, 'p') }
const servers: ChildProcess[] = []
afterAll(() => {
  for (const server of servers) server.kill('SIGKILL')
  box.cleanup()
})

/** Start `nvdimm nbd` on a free port; resolves with its address once it listens. */
function serve(...args: string[]): Promise<{ url: (name: string) => string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [BIN, 'nbd', ...args, ...(args.includes('--socket') ? [] : ['--listen', '127.0.0.1:0'])],
    {
      env,
    },
  )
  servers.push(child)
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = / on (\S+)\n/.exec(stderr)
      if (!match) return
      const where = match[1]!
      resolve({
        url: (name) => (where.startsWith('/') ? `nbd+unix:///${name}?socket=${where}` : `nbd://${where}/${name}`),
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    })
    child.once('exit', (code) => reject(new Error(`nvdimm nbd exited ${code}: ${stderr}`)))
  })
}

function tool(command: string, ...args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

function readAll(ns: string, length?: string): Buffer {
  const result = spawnSync(process.execPath, [BIN, 'read', ns, ...(length ? ['-l', length] : [])], {
    env,
    maxBuffer: 256 << 20,
  })
  expect(result.stderr.toString()).toBe('')
  expect(result.status).toBe(0)
  return result.stdout
}

const MODES = [
  ['raw', 'namespace0.0'],
  ['fsdax', 'namespace1.0'],
  ['devdax', 'namespace2.0'],
  ['sector', 'namespace3.0'],
] as const

describe('nvdimm nbd', () => {
  it('sets up one namespace per mode', () => {
    expect(nvdimm(['platform', 'init', '--e820', 'memmap=64M!4G,64M!5G,64M!6G,64M!7G'], env).rc).toBe(0)
    MODES.forEach(([mode], region) => {
      expect(nvdimm(['create-namespace', '-e', `namespace${region}.0`, '-m', mode, '-f'], env).rc).toBe(0)
    })
  })

  for (const [mode, ns] of MODES) {
    it(`${mode}: qemu-io writes are seen by nvdimm read; qemu-img convert gives the namespace's contents`, async (ctx) => {
      if (!clients) return ctx.skip('qemu-utils and libnbd-bin are not installed and could not be')
      let server = await serve(ns)
      tool('qemu-io', '-f', 'raw', server.url(ns), '-c', 'write -P 0xa5 0 1M', '-c', 'write -P 0x3c 1M 8K')
      await server.stop()
      const written = readAll(ns, '1056768')
      expect(written.subarray(0, 1 << 20).every((byte) => byte === 0xa5)).toBe(true)
      expect(written.subarray(1 << 20).every((byte) => byte === 0x3c)).toBe(true)
      // The other way: nvdimm write, then a whole copy through NBD.
      const file = path.join(box.root, `${mode}.in`)
      fs.writeFileSync(
        file,
        Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7 + 1) & 0xff),
      )
      expect(nvdimm(['write', ns, '-o', '4M', '--input', file], env).rc).toBe(0)
      server = await serve(ns)
      const copy = path.join(box.root, `${mode}.img`)
      tool('qemu-img', 'convert', '-O', 'raw', server.url(ns), copy)
      const viaNbdcopy = path.join(box.root, `${mode}.nbdcopy`)
      tool('nbdcopy', server.url(ns), viaNbdcopy)
      await server.stop()
      const whole = readAll(ns)
      expect(fs.readFileSync(copy).equals(whole)).toBe(true)
      expect(fs.readFileSync(viaNbdcopy).equals(whole)).toBe(true)
    }, 60_000)
  }

  it('sector: a server killed in the middle of a write leaves every sector old or new, and the BTT clean', async (ctx) => {
    if (!clients) return ctx.skip('qemu-utils and libnbd-bin are not installed and could not be')
    const ns = 'namespace3.0'
    const MiB = 1 << 20
    let server = await serve(ns)
    tool('qemu-io', '-f', 'raw', server.url(ns), '-c', 'write -P 0x11 0 8M')
    await server.stop()
    server = await serve(ns)
    const writer = spawn('qemu-io', ['-f', 'raw', server.url(ns), '-c', 'write -P 0x22 0 8M'])
    await new Promise((resolve) => setTimeout(resolve, 150))
    servers.at(-1)!.kill('SIGKILL')
    await new Promise((resolve) => writer.once('exit', resolve))
    const data = readAll(ns, String(8 * MiB))
    for (let sector = 0; sector < (8 * MiB) / 4096; sector++) {
      const bytes = data.subarray(sector * 4096, (sector + 1) * 4096)
      expect(bytes.every((byte) => byte === bytes[0])).toBe(true)
      expect([0x11, 0x22]).toContain(bytes[0])
    }
    expect(nvdimm(['disable-namespace', ns], env).rc).toBe(0)
    const checked = nvdimm(['check-namespace', ns], env)
    expect(checked.rc).toBe(0)
    expect(nvdimm(['enable-namespace', ns], env).rc).toBe(0)
  }, 60_000)

  it('serves several exports with their block sizes, on a Unix socket too; --read-only refuses writes', async (ctx) => {
    if (!clients) return ctx.skip('qemu-utils and libnbd-bin are not installed and could not be')
    const socket = path.join(box.root, 'nbd.sock')
    const server = await serve(...MODES.map(([, ns]) => ns), '--socket', socket, '--read-only')
    const listed = tool('nbdinfo', '--list', '--json', `nbd+unix://?socket=${socket}`)
    const exports = (
      JSON.parse(listed) as { exports: { 'export-name': string; block_size_minimum: number; is_read_only: boolean }[] }
    ).exports
    expect(exports.map((e) => e['export-name']).sort()).toEqual(MODES.map(([, ns]) => ns).sort())
    expect(exports.find((e) => e['export-name'] === 'namespace3.0')!.block_size_minimum).toBe(4096)
    expect(exports.every((e) => e.is_read_only)).toBe(true)
    const refused = spawnSync('qemu-io', ['-f', 'raw', server.url('namespace0.0'), '-c', 'write -P 1 0 4K'], {
      encoding: 'utf8',
    })
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/(not permitted|read-only|Permission denied)/i)
    await server.stop()
    expect(fs.existsSync(socket)).toBe(false)
  })

  it('warns that an address beyond loopback is unauthenticated', async () => {
    const child = spawn(process.execPath, [BIN, 'nbd', 'namespace0.0', '--listen', '0.0.0.0:0'], { env })
    servers.push(child)
    let stderr = ''
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (/serving/.test(stderr)) resolve()
      })
    })
    expect(stderr).toMatch(/warning: 0\.0\.0\.0:\d+ is reachable from the network and NBD has no authentication/)
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  })

  it('reads the patterns the kernel wrote (golden linux-6.1-qemu-data) through NBD', async (ctx) => {
    if (!hasGolden) return ctx.skip('../shared/golden is absent')
    if (!clients) return ctx.skip('qemu-utils and libnbd-bin are not installed and could not be')
    const dir = path.join(GOLDEN, 'linux-6.1-qemu-data')
    const image = path.join(box.root, 'img0')
    fs.writeFileSync(
      image,
      spawnSync('xz', ['-dc', path.join(dir, 'img0-256M+128K.xz')], { maxBuffer: 1 << 30 }).stdout,
    )
    const golden = { ...env, NVDIMM_PLATFORM: path.join(box.root, 'qemu-data') }
    expect(nvdimm(['platform', 'init', '--nfit-qemu', `${image},label-size=128K`], golden).rc).toBe(0)
    const child = spawn(process.execPath, [BIN, 'nbd', 'namespace0.0', 'namespace0.1', '--listen', '127.0.0.1:0'], {
      env: golden,
    })
    servers.push(child)
    const where = await new Promise<string>((resolve) => {
      let stderr = ''
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        const match = / on (\S+)\n/.exec(stderr)
        if (match) resolve(match[1]!)
      })
    })
    const sectorCopy = path.join(box.root, 'sector.img')
    const fsdaxCopy = path.join(box.root, 'fsdax.img')
    tool('nbdcopy', `nbd://${where}/namespace0.0`, sectorCopy)
    tool('qemu-img', 'convert', '-O', 'raw', `nbd://${where}/namespace0.1`, fsdaxCopy)
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
    const [sector, fsdax] = fs.readFileSync(path.join(dir, 's09-readback.stdout'), 'utf8').split('\n')
    const text = (file: string, at: number, length: number) =>
      fs
        .readFileSync(file)
        .subarray(at, at + length)
        .toString('latin1')
    expect(text(sectorCopy, 4000 * 4096, 22)).toBe(sector)
    expect(text(sectorCopy, 7 * 4096, 19)).toBe('sector-lba7-pattern')
    expect(text(fsdaxCopy, 2 << 20, 18)).toBe(fsdax)
  }, 60_000)

  it('drops a client that breaks the protocol and keeps serving the others', async (ctx) => {
    if (!clients) return ctx.skip('qemu-utils and libnbd-bin are not installed and could not be')
    const server = await serve('namespace0.0')
    const port = Number(/:(\d+)\//.exec(server.url('x'))![1])
    const talk = (bytes: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = []
        const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes))
        socket.on('data', (chunk) => chunks.push(chunk))
        socket.on('close', () => resolve(Buffer.concat(chunks)))
        setTimeout(() => socket.destroy(), 800)
      })
    // Bad option magic after the client flags: the greeting, then the connection ends.
    const greeting = await talk(Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.alloc(16, 0xee)]))
    expect(greeting.subarray(0, 8).toString('latin1')).toBe('NBDMAGIC')
    expect(greeting.length).toBe(18)
    // A client that goes away in the middle of a request, and one that asks for 4 GiB.
    await talk(Buffer.from([0, 0, 0, 3]))
    const name = Buffer.from('namespace0.0')
    const exportName = Buffer.alloc(16)
    exportName.writeBigUInt64BE(0x49484156454f5054n, 0)
    exportName.writeUInt32BE(1, 8)
    exportName.writeUInt32BE(name.length, 12)
    const request = (type: number, offset: bigint, length: number) => {
      const header = Buffer.alloc(28)
      header.writeUInt32BE(0x25609513, 0)
      header.writeUInt16BE(type, 6)
      header.writeBigUInt64BE(7n, 8)
      header.writeBigUInt64BE(offset, 16)
      header.writeUInt32BE(length, 24)
      return header
    }
    const handshake = Buffer.concat([Buffer.from([0, 0, 0, 3]), exportName, name])
    const outOfRange = await talk(Buffer.concat([handshake, request(0, 64n << 20n, 4096)]))
    // greeting (18) + export reply (10) + simple reply with NBD_EINVAL
    expect(outOfRange.readUInt32BE(28)).toBe(0x67446698)
    expect(outOfRange.readUInt32BE(32)).toBe(22)
    const writePast = await talk(Buffer.concat([handshake, request(1, 64n << 20n, 512), Buffer.alloc(512)]))
    expect(writePast.readUInt32BE(32)).toBe(28)
    const huge = await talk(Buffer.concat([handshake, request(1, 0n, 0xffffffff), Buffer.alloc(100)]))
    expect(huge.length).toBe(28)
    await talk(Buffer.concat([handshake, request(1, 0n, 4096), Buffer.alloc(10)]))
    // Still serving.
    expect(tool('qemu-io', '-f', 'raw', server.url('namespace0.0'), '-c', 'read -P 0xa5 0 4K')).toMatch(
      /read 4096\/4096/,
    )
    await server.stop()
  })
})
