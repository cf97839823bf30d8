// npm run bench: figures as ratios against baselines measured in the same run, on this machine.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNvdimm, ndctlList } from '@nvdimm/core'
import { e820 } from '@nvdimm/provider-e820'

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
function report(name, value, unit, baselineName, baseline) {
  rows.push({ name, value, unit, baselineName, baseline, ratio: value / baseline })
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

const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
console.log(
  `nvdimm benchmarks — node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.release()}`,
)
for (const row of rows) {
  console.log(
    `${row.name.padEnd(46)} ${row.value.toFixed(1).padStart(9)} ${row.unit}   ${row.ratio.toFixed(2).padStart(6)}× ${row.baselineName} (${row.baseline.toFixed(1)} ${row.unit})`,
  )
}
