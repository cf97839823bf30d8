// npm run bench: figures as ratios against baselines measured in the same run, on this machine.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  checkLabelArea,
  CpuCacheModel,
  createNvdimm,
  defineProvider,
  FileMedia,
  MemoryMedia,
  DimmCmd,
  encodeIndexBlock,
  encodeLabel,
  encodeSetConfigData,
  explorePowerFailures,
  fletcher64,
  labelAreaGeometry,
  daxctlReconfigureDevice,
  ndctlCreateNamespace,
  ndctlDestroyNamespace,
  ndctlInitLabels,
  ndctlList,
  ndctlXableRegion,
  NULL_UUID,
  submitCommand,
} from '@nvdimm/core'
import { mockProvider } from '@nvdimm/core/testing'
import { e820 } from '@nvdimm/provider-e820'
import { decodeNfit, encodeNfit, nfit, qemuNfitTable } from '@nvdimm/provider-nfit'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const bin = path.join(root, 'packages/cli/dist/bin.js')

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function time(fn) {
  const start = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

async function timeAsync(fn) {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

function memmapOf(count) {
  // 16 MiB ranges, 32 MiB apart, from 4 GiB up: aligned, so every namespace probes.
  return `memmap=${Array.from({ length: count }, (_, i) => `16M!${4096 + 32 * i}M`).join(',')}`
}

const rows = []
/** A time row; `note` (a goal, say) is printed after the baseline. */
function report(name, value, unit, baselineName, baseline, note) {
  rows.push({ name, value, unit, baselineName, baseline, ratio: value / baseline, note })
}
/** A throughput row: the ratio is ours over the baseline's, so above 1 is faster. */
function reportRate(name, value, baselineName, baseline, unit = 'MiB/s', note) {
  rows.push({ name, value, unit, baselineName, baseline, ratio: value / baseline, note })
}

// 1. The CLI: `nvdimm list -RN` on a 256-range e820 platform, against `node -e 0`.
{
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-bench-'))
  const platform = path.join(dir, 'p')
  const env = { ...process.env, NVDIMM_PLATFORM: platform }
  const init = spawnSync(process.execPath, [bin, 'platform', 'init', '--e820', memmapOf(256)], {
    env,
    encoding: 'utf8',
  })
  if (init.status !== 0) throw new Error(init.stderr)
  const list = []
  const bare = []
  for (let i = 0; i < 15; i++) {
    list.push(time(() => spawnSync(process.execPath, [bin, 'list', '-RN'], { env, stdio: 'ignore' })))
    bare.push(time(() => spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' })))
  }
  report('nvdimm list -RN, 256 e820 ranges (process)', median(list), 'ms', 'node -e 0', median(bare))
  fs.rmSync(dir, { recursive: true, force: true })
}

// 2. In process: probe and list 10,000 regions, against building the same JSON from plain objects.
{
  const count = 10_000
  const probe = []
  const listing = []
  const baseline = []
  for (let i = 0; i < 5; i++) {
    const nd = createNvdimm({ providers: [e820({ memmap: memmapOf(count) })] })
    probe.push(await timeAsync(() => nd.start()))
    listing.push(await timeAsync(() => ndctlList(nd, { regions: true, namespaces: true })))
    await nd.stop()
    baseline.push(
      time(() => {
        const regions = Array.from({ length: count }, (_, r) => ({
          dev: `region${r}`,
          size: 16777216,
          align: 16777216,
          available_size: 0,
          max_available_extent: 0,
          type: 'pmem',
          persistence_domain: 'unknown',
          namespaces: [
            {
              dev: `namespace${r}.0`,
              mode: 'fsdax',
              map: 'mem',
              size: 16777216,
              sector_size: 512,
              blockdev: `pmem${r}`,
            },
          ],
        }))
        JSON.stringify({ regions }, null, 2)
      }),
    )
  }
  report(`probe ${count} regions (start)`, median(probe), 'ms', 'same JSON from plain objects', median(baseline))
  report(`list -RN of ${count} regions`, median(listing), 'ms', 'same JSON from plain objects', median(baseline))
}

// 3. A full 128 KiB label area (v1.1, all 1020 slots in use): validate and list it, against
//    one fletcher64 pass over the same bytes.
{
  const geometry = labelAreaGeometry(131072, 128)
  const area = new Uint8Array(131072)
  const free = new Uint8Array(184)
  for (let slot = 0; slot < geometry.nslot; slot++) {
    const uuid = `00000000-0000-4000-8000-${slot.toString(16).padStart(12, '0')}`
    const label = encodeLabel(
      {
        uuid,
        name: '',
        flags: 0,
        nlabel: 1,
        position: 0,
        isetcookie: 1n,
        lbasize: 512n,
        dpa: BigInt(slot) << 24n,
        rawsize: 1n << 24n,
        slot,
        align: 0,
        typeGuid: NULL_UUID,
        abstractionGuid: NULL_UUID,
        checksum: 0n,
      },
      128,
    )
    area.set(label, 2 * geometry.indexSize + slot * 128)
  }
  const index = (i, seq) => ({
    signature: 'NAMESPACE_INDEX\0',
    flags: 0,
    labelSizeField: 0,
    seq,
    myoff: BigInt(i * 256),
    mysize: 256n,
    otheroff: BigInt((1 - i) * 256),
    labeloff: 512n,
    nslot: geometry.nslot,
    major: 1,
    minor: 1,
    checksum: 0n,
    free,
  })
  area.set(encodeIndexBlock(index(0, 1), 256), 0)
  area.set(encodeIndexBlock(index(1, 2), 256), 256)
  const parse = []
  const baseline = []
  for (let i = 0; i < 30; i++) {
    parse.push(
      time(() => {
        const report = checkLabelArea(area, area.length)
        if (report.findings.length) throw new Error(report.findings[0].fault)
      }),
    )
    baseline.push(time(() => fletcher64(area)))
  }
  report('check a 128 KiB area, 1020 labels', median(parse), 'ms', 'fletcher64 over it', median(baseline))
}

// 4. create + destroy of a namespace on a 4-dimm interleave set, against the same label and
//    index writes sent straight through the command channel.
{
  const LABEL_COMMANDS = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA]
  const MiB = 1n << 20n
  const provider = mockProvider({
    buses: [
      {
        dimms: [0, 1, 2, 3].map(() => ({ cmdMask: LABEL_COMMANDS })),
        regions: [
          {
            start: 1n << 32n,
            size: 256n * MiB,
            mappings: [0, 1, 2, 3].map((dimm) => ({ dimm, start: 0n, size: 64n * MiB })),
            interleaveSet: { cookie1: 1n, cookie2: 2n, altcookie: 3n },
          },
        ],
      },
    ],
  })
  const nd = createNvdimm({ providers: [provider] })
  await nd.start()
  await ndctlXableRegion(nd, 'disable', 'all')
  await ndctlInitLabels(nd, ['all'])
  await ndctlXableRegion(nd, 'enable', 'all')
  const cycle = []
  let writesPerCycle = 0
  for (let i = 0; i < 20; i++) {
    const before = provider.control.writes
    cycle.push(
      await timeAsync(async () => {
        await ndctlCreateNamespace(nd, { mode: 'raw', size: '64M' })
        await ndctlDestroyNamespace(nd, 'namespace0.0', { force: true })
      }),
    )
    writesPerCycle = provider.control.writes - before
  }
  await ndctlXableRegion(nd, 'disable', 'all')
  const dimm = nd.dimm('nmem0')
  const payload = encodeSetConfigData(512, new Uint8Array(128))
  const raw = []
  for (let i = 0; i < 20; i++) {
    raw.push(
      await timeAsync(async () => {
        for (let w = 0; w < writesPerCycle; w++) await submitCommand(dimm.bus, dimm, DimmCmd.SET_CONFIG_DATA, payload)
      }),
    )
  }
  await nd.stop()
  report(
    `create + destroy, 4-way set (${writesPerCycle} writes)`,
    median(cycle),
    'ms',
    'the same writes, raw',
    median(raw),
  )
}

// 5. The data path on a file-backed platform: sequential 1 MiB writes and reads through raw,
//    fsdax and sector namespaces, and random 4 KiB writes through BTT, each against plain fs
//    I/O on an identical sparse file in the same run.
{
  const MiB = 1 << 20
  const rangeSize = 512n << 20n
  const total = 256 * MiB
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-bench-io-'))
  const mediaFile = path.join(dir, 'range.img')
  const plainFile = path.join(dir, 'plain.img')
  for (const file of [mediaFile, plainFile]) {
    fs.closeSync(fs.openSync(file, 'w'))
    fs.truncateSync(file, Number(rangeSize))
  }
  // Fast mode: no fdatasync at every fence (the plain baseline syncs once, at its end).
  const media = new FileMedia(mediaFile, { durability: 'fast' })
  const nd = createNvdimm({
    providers: [
      defineProvider('e820', ({ registerBus }) => ({
        async probe() {
          registerBus({ providerName: 'e820' }).createRegion({
            type: 'pmem',
            resource: { start: 1n << 32n, size: rangeSize },
            media,
            mappings: [],
            numaNode: 0,
            targetNode: 0,
            flags: ['pagemap'],
          })
        },
      })),
    ],
  })
  await nd.start()
  const chunk = new Uint8Array(MiB).map((_, i) => i & 0xff)
  const readBack = new Uint8Array(MiB)
  const plainFd = fs.openSync(plainFile, 'r+')
  const mediaFd = fs.openSync(mediaFile, 'r+')
  const plain = {
    write: (offset, bytes) => fs.writeSync(plainFd, bytes, 0, bytes.length, offset),
    read: (offset, bytes) => fs.readSync(plainFd, bytes, 0, bytes.length, offset),
    flush: () => fs.fsyncSync(plainFd),
  }
  const rate = (ms, bytes) => bytes / MiB / (ms / 1000)
  async function sequential(target, write) {
    return timeAsync(async () => {
      for (let at = 0; at < total; at += MiB) {
        if (write) target.write(typeof target.granularity === 'number' ? BigInt(at) : at, chunk)
        else target.read(typeof target.granularity === 'number' ? BigInt(at) : at, readBack)
      }
      if (write) await target.flush()
    })
  }
  async function measure(label, mode) {
    if (mode !== 'raw') {
      const outcome = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode, force: true })
      if (outcome.errors.length) throw outcome.errors[0]
    }
    const disk = nd.namespace('namespace0.0').openBlockDevice()
    // The media run in fast mode; the final flush syncs the file as the baseline's fsync does.
    const synced = {
      granularity: disk.granularity,
      write: (offset, bytes) => disk.write(offset, bytes),
      read: (offset, bytes) => disk.read(offset, bytes),
      flush: async () => {
        await disk.flush()
        fs.fsyncSync(mediaFd)
      },
    }
    const ours = { write: [], read: [] }
    const base = { write: [], read: [] }
    for (let i = 0; i < 7; i++) {
      base.write.push(await sequential(plain, true))
      ours.write.push(await sequential(synced, true))
      base.read.push(await sequential(plain, false))
      ours.read.push(await sequential(disk, false))
    }
    reportRate(
      `${label}: sequential 1 MiB writes`,
      rate(median(ours.write), total),
      'fs.writeSync',
      rate(median(base.write), total),
    )
    reportRate(
      `${label}: sequential 1 MiB reads`,
      rate(median(ours.read), total),
      'fs.readSync',
      rate(median(base.read), total),
    )
    return disk
  }
  await measure('raw', 'raw')
  await measure('fsdax', 'fsdax')
  const btt = await measure('sector (BTT)', 'sector')
  // Random 4 KiB writes: the same LBA sequence on both.
  const count = 20000
  const sectors = Number(btt.size / 4096n)
  let seed = 12345
  const lbas = Array.from({ length: count }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % sectors
  })
  const block = chunk.subarray(0, 4096)
  const ours = []
  const base = []
  for (let i = 0; i < 3; i++) {
    base.push(
      time(() => {
        for (const lba of lbas) plain.write(lba * 4096, block)
      }),
    )
    ours.push(
      time(() => {
        for (const lba of lbas) btt.write(BigInt(lba) * 4096n, block)
      }),
    )
  }
  reportRate(
    'sector (BTT): random 4 KiB writes',
    rate(median(ours), count * 4096),
    'fs.writeSync',
    rate(median(base), count * 4096),
  )
  fs.closeSync(plainFd)
  await nd.stop()
  media.close()
  fs.rmSync(dir, { recursive: true, force: true })
}

// 6. An NFIT with 1,024 dimms (a SPA, memory-device map and control region each, as QEMU builds
//    them): decode it against a walk over the same sub-table headers, and probe the platform it
//    describes against the same topology handed to core by a provider that has it ready.
{
  const count = 1024
  const MiB = 1n << 20n
  const table = encodeNfit(qemuNfitTable(Array.from({ length: count }, () => ({ fileSize: 16n * MiB, labelSize: 0n }))))
  const decode = []
  const walk = []
  for (let i = 0; i < 50; i++) {
    decode.push(time(() => decodeNfit(table)))
    walk.push(
      time(() => {
        const view = new DataView(table.buffer, table.byteOffset, table.byteLength)
        let sum = 0
        for (let offset = 40; offset + 4 <= table.length; offset += view.getUint16(offset + 2, true)) {
          sum += view.getUint16(offset, true)
        }
        if (sum < 0) throw new Error('unreachable')
      }),
    )
  }
  report(`decode an NFIT of ${count} dimms (${table.length} B)`, median(decode), 'ms', 'walk its headers', median(walk))

  const probe = []
  const ready = []
  for (let i = 0; i < 5; i++) {
    const viaNfit = createNvdimm({ providers: [nfit({ table, rangeMedia: (spa) => new MemoryMedia(spa.length) })] })
    probe.push(await timeAsync(() => viaNfit.start()))
    await viaNfit.stop()
    const direct = createNvdimm({
      providers: [
        mockProvider({
          buses: [
            {
              providerName: 'ACPI.NFIT',
              dimms: Array.from({ length: count }, (_, d) => ({ id: `8680-${d}`, handle: d + 1, physId: 0 })),
              regions: Array.from({ length: count }, (_, r) => ({
                start: (1n << 32n) + BigInt(r) * 16n * MiB,
                size: 16n * MiB,
                mappings: [{ dimm: r, start: 0n, size: 16n * MiB }],
                interleaveSet: { cookie1: 1n, cookie2: 2n, altcookie: 3n },
              })),
            },
          ],
        }),
      ],
    })
    ready.push(await timeAsync(() => direct.start()))
    await direct.stop()
  }
  report(`probe an NFIT platform of ${count} dimms`, median(probe), 'ms', 'same topology, no NFIT', median(ready))
}

// 7. 4 KiB stores through the CPU cache model on a 64 MiB region in the memory_controller
//    domain (store, write-back of its lines, pmem_wmb(): what a flushed block write does),
//    against plain media.write() of the same blocks at the same offsets on an identical
//    MemoryMedia. The goal: the modelled path within 3× of the plain one.
{
  const size = 64n << 20n
  const count = 8192
  const blocks = Number(size / 4096n)
  let seed = 54321
  const offsets = Array.from({ length: count }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return BigInt(seed % blocks) * 4096n
  })
  const block = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 0xff)
  for (const lineSize of [64, 128]) {
    const plainMedia = new MemoryMedia(size)
    const media = new MemoryMedia(size)
    const cache = new CpuCacheModel(media, lineSize, 'memory_controller')
    const plainPass = () => {
      for (const offset of offsets) plainMedia.write(offset, block)
    }
    const modelledPass = () => {
      for (const offset of offsets) {
        cache.store(offset, block)
        cache.writeback(offset, 4096)
        cache.barrier()
      }
      if (cache.uncertainLines !== 0) throw new Error(`${cache.uncertainLines} lines left uncertain after the fences`)
    }
    // One pass each untimed: both media allocate their chunks, and the code is warm. The plain
    // passes (a few ms each) run first and more often, clear of the modelled passes' garbage.
    plainPass()
    modelledPass()
    const plain = Array.from({ length: 9 }, () => time(plainPass))
    const modelled = Array.from({ length: 3 }, () => time(modelledPass))
    report(
      `${count} × 4 KiB store+clwb+fence, ${lineSize} B lines`,
      median(modelled),
      'ms',
      'media.write',
      median(plain),
      'goal ≤ 3×',
    )
  }
}

// 8. Crash-state exploration: a 1,000-operation trace of 8–64 byte stores to a 64 KiB area, each
//    written back, a fence every 4 stores (memory_controller domain, 64 B lines), every crash
//    state checked by a cheap check (an 8-byte read), against replaying the same trace through
//    a CpuCacheModel alone.
{
  const area = 64n << 10n
  const length = 1000
  const recorder = new CpuCacheModel(new MemoryMedia(area), 64, 'memory_controller')
  recorder.record()
  let seed = 777
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed
  }
  for (let ops = 0, stores = 0; ops < length;) {
    const size = 8 + (next() % 57)
    const offset = BigInt(next() % (Number(area) - size))
    recorder.store(offset, new Uint8Array(size).fill(next() & 0xff))
    ops++
    stores++
    if (ops < length) {
      recorder.writeback(offset, size)
      ops++
    }
    if (stores % 4 === 0 && ops < length) {
      recorder.barrier()
      ops++
    }
  }
  const trace = recorder.takeTrace()
  if (trace.length !== length) throw new Error(`a trace of ${trace.length} operations, not ${length}`)
  const probe = new Uint8Array(8)
  const explore = []
  const replay = []
  let outcome
  for (let i = 0; i < 5; i++) {
    explore.push(
      await timeAsync(async () => {
        outcome = await explorePowerFailures({
          image: new MemoryMedia(area),
          trace,
          lineSize: 64,
          domain: 'memory_controller',
          maxStates: 4096,
          check: (image) => {
            image.read(0n, probe)
            return true
          },
        })
      }),
    )
  }
  // A replay takes a millisecond or so: many of them, for a steady median.
  for (let i = 0; i < 51; i++) {
    replay.push(
      time(() => {
        const model = new CpuCacheModel(new MemoryMedia(area), 64, 'memory_controller')
        for (const op of trace) model.apply(op)
      }),
    )
  }
  if (outcome.failure) throw new Error(outcome.failure.reason)
  const replayRate = length / (median(replay) / 1000)
  const seconds = median(explore) / 1000
  reportRate(
    `explore ${length} ops: crash states`,
    outcome.statesChecked / seconds,
    'trace replay, ops',
    replayRate,
    '/s',
    `${outcome.statesChecked} states${outcome.exhaustive ? ', exhaustive' : ', sampled'}`,
  )
  reportRate(
    `explore ${length} ops: crash points`,
    outcome.crashPoints / seconds,
    'trace replay, ops',
    replayRate,
    '/s',
    `${outcome.crashPoints} points in ${median(explore).toFixed(0)} ms`,
  )
}

// 10. kmem: a 1 TiB devdax namespace (8,063 memory blocks of 128 MiB once its struct pages and
//     alignment are taken) to system-ram and back, against writing the memoryN/state files daxctl
//     writes for it (online_movable, then offline: two small writes per block) to a tmpfs.
{
  const nd = createNvdimm({ providers: [e820({ memmap: 'memmap=1T!4G' })] })
  await nd.start()
  const created = await ndctlCreateNamespace(nd, { reconfig: 'namespace0.0', mode: 'devdax', force: true })
  if (created.exitCode !== 0) throw new Error(created.errors.map((e) => e.message).join('; '))
  const blocks = JSON.parse(String(daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'system-ram' }).stdout))[0]
    .total_memblocks
  daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'devdax', force: true })
  const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir()
  const dir = fs.mkdtempSync(path.join(shm, 'nvdimm-bench-'))
  const files = Array.from({ length: blocks }, (_, i) => path.join(dir, `memory${i}`))
  const ours = []
  const plain = []
  for (let i = 0; i < 7; i++) {
    ours.push(
      time(() => {
        if (daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'system-ram' }).exitCode !== 0)
          throw new Error('to system-ram')
        if (daxctlReconfigureDevice(nd, 'dax0.0', { mode: 'devdax', force: true }).exitCode !== 0)
          throw new Error('to devdax')
      }),
    )
    plain.push(
      time(() => {
        for (const file of files) fs.writeFileSync(file, 'online_movable')
        for (const file of files) fs.writeFileSync(file, 'offline')
      }),
    )
  }
  await nd.stop()
  fs.rmSync(dir, { recursive: true, force: true })
  report(
    `daxctl 1 TiB ⇄ system-ram (${blocks} blocks)`,
    median(ours),
    'ms',
    'the state-file writes on tmpfs',
    median(plain),
  )
}

// 9. NBD: the same real client (qemu-img bench) against `nvdimm nbd` on a raw namespace and
//    against qemu-nbd serving a plain file of the same size, in the same run, both on Unix
//    sockets (over loopback TCP qemu-nbd's small replies wait on delayed ACKs here: ~10 ms each).
{
  const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
  if (!['qemu-img', 'qemu-nbd'].every(have)) {
    console.error('bench: NBD skipped: qemu-img and qemu-nbd (Debian qemu-utils) are not installed')
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-bench-nbd-'))
    const env = { ...process.env, NVDIMM_PLATFORM: path.join(dir, 'p') }
    spawnSync(process.execPath, [bin, 'platform', 'init', '--e820', 'memmap=512M!4G'], { env })
    const plainFile = path.join(dir, 'plain.img')
    fs.closeSync(fs.openSync(plainFile, 'w'))
    fs.truncateSync(plainFile, 512 << 20)
    const { spawn } = await import('node:child_process')
    const started = (command, args, ready) =>
      new Promise((resolve, reject) => {
        const child = spawn(command, args, { env })
        let text = ''
        const look = (chunk) => {
          text += chunk.toString()
          if (ready.test(text)) resolve(child)
        }
        child.stderr.on('data', look)
        child.stdout.on('data', look)
        child.once('exit', (code) => reject(new Error(`${command} exited ${code}: ${text}`)))
      })
    const oursSocket = path.join(dir, 'ours.sock')
    const plainSocket = path.join(dir, 'plain.sock')
    const ours = await started(process.execPath, [bin, 'nbd', 'namespace0.0', '--socket', oursSocket], / on /)
    const plain = spawn('qemu-nbd', ['-f', 'raw', '-x', 'plain', '-k', plainSocket, '-t', plainFile])
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const bench = (url, args) => {
      const start = process.hrtime.bigint()
      const result = spawnSync('qemu-img', ['bench', '-f', 'raw', '-t', 'none', ...args, url], { encoding: 'utf8' })
      if (result.status !== 0) throw new Error(`qemu-img bench: ${result.stderr}`)
      return Number(process.hrtime.bigint() - start) / 1e6
    }
    const cases = [
      ['sequential 1 MiB writes', ['-w', '-c', '256', '-s', '1M', '-d', '4'], 256],
      ['sequential 1 MiB reads', ['-c', '256', '-s', '1M', '-d', '4'], 256],
      // qemu-img bench has no random pattern: 4 KiB requests 132 KiB apart spread over the range.
      ['strided 4 KiB writes', ['-w', '-c', '3000', '-s', '4K', '-S', '132K', '-d', '4'], (3000 * 4) / 1024],
      ['strided 4 KiB reads', ['-c', '3000', '-s', '4K', '-S', '132K', '-d', '4'], (3000 * 4) / 1024],
    ]
    for (const [label, args, mib] of cases) {
      const oursMs = []
      const plainMs = []
      for (let i = 0; i < 3; i++) {
        plainMs.push(bench(`nbd+unix:///plain?socket=${plainSocket}`, args))
        oursMs.push(bench(`nbd+unix:///namespace0.0?socket=${oursSocket}`, args))
      }
      reportRate(
        `NBD ${label}`,
        mib / (median(oursMs) / 1000),
        'qemu-nbd on a file',
        mib / (median(plainMs) / 1000),
        'MiB/s',
        'goal ≥ 0.8×',
      )
    }
    ours.kill('SIGTERM')
    plain.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 500))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
console.log(
  `nvdimm benchmarks — node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.release()}`,
)
console.log('ms rows: ours ÷ baseline, lower is better; MiB/s and /s rows: ours ÷ baseline, higher is better')
for (const row of rows) {
  console.log(
    `${row.name.padEnd(46)} ${row.value.toFixed(1).padStart(9)} ${row.unit.padEnd(5)} ${row.ratio.toFixed(2).padStart(6)}× ${row.baselineName} (${row.baseline.toFixed(1)} ${row.unit})${row.note ? ` — ${row.note}` : ''}`,
  )
}
