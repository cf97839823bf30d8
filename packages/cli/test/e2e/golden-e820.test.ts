import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GOLDEN, hasGolden, nvdimm, sandbox } from '../cli.js'

/**
 * The kernel's own output is the spec: boot a platform with the memmap= of each golden run
 * and replay every `ndctl list` of its boot state (steps e01…e06), byte for byte.
 */
const box = sandbox()
afterAll(() => box.cleanup())

describe('ndctl list on legacy e820 memory, against linux-6.1 + ndctl 76.1 (../shared/golden/linux-6.1-e820)', () => {
  for (const scenario of ['aligned', 'misaligned-2M', 'misaligned-1M']) {
    it(`boot state of ${scenario}`, (ctx) => {
      if (!hasGolden) return ctx.skip(`${GOLDEN} is absent: no kernel output to compare with`)
      const dir = path.join(GOLDEN, 'linux-6.1-e820', scenario)
      const cmdline = fs.readFileSync(path.join(dir, 'cmdline.stdout'), 'utf8')
      const steps = fs
        .readdirSync(dir)
        .filter((name) => /^e\d+-list-.*\.argv$/.test(name))
        .map((name) => name.replace(/\.argv$/, ''))
      const platform = path.join(box.root, scenario)
      const init = nvdimm(['platform', 'init', '--platform', platform, '--e820', cmdline], box.env)
      expect(init.rc).toBe(0)
      expect(steps.length).toBeGreaterThanOrEqual(6)
      for (const step of steps) {
        const argv = fs
          .readFileSync(path.join(dir, `${step}.argv`), 'utf8')
          .trim()
          .split(/\s+/)
          .slice(1)
        const run = nvdimm([...argv, '--platform', platform], box.env)
        expect({ step, stdout: run.stdout, rc: run.rc }).toEqual({
          step,
          stdout: fs.readFileSync(path.join(dir, `${step}.stdout`), 'utf8'),
          rc: Number(fs.readFileSync(path.join(dir, `${step}.rc`), 'utf8')),
        })
      }
    })
  }
})

/** Golden uuids are random: name each distinct one by its order of appearance. */
function normalizeUuids(text: string): string {
  const seen = new Map<string, string>()
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (uuid) => {
    if (uuid === '00000000-0000-0000-0000-000000000000') return uuid
    if (!seen.has(uuid)) seen.set(uuid, `<uuid${seen.size}>`)
    return seen.get(uuid)!
  })
}

/** The nvdimm command for one golden step, or undefined for the steps that read /proc or sysfs. */
function commandOf(argv: string[]): string[] | undefined {
  if (argv[0] === 'ndctl') return argv.slice(1)
  // h03: echo 0x200000 > /sys/bus/nd/devices/region0/align
  const align = /echo (\S+) > \/sys\/bus\/nd\/devices\/(region\d+)\/align/.exec(argv.join(' '))
  if (align) return ['region-align', align[2]!, align[1]!]
  return undefined
}

describe('namespace modes on legacy e820 memory, against linux-6.1 + ndctl 76.1', () => {
  for (const scenario of ['aligned', 'misaligned-2M', 'misaligned-1M']) {
    it(`replays the reconfiguration steps f01…h07 of ${scenario} (fsdax, devdax, sector, raw, destroy)`, (ctx) => {
      if (!hasGolden) return ctx.skip(`${GOLDEN} is absent: no kernel output to compare with`)
      const dir = path.join(GOLDEN, 'linux-6.1-e820', scenario)
      const cmdline = fs.readFileSync(path.join(dir, 'cmdline.stdout'), 'utf8')
      const platform = path.join(box.root, `modes-${scenario}`)
      expect(nvdimm(['platform', 'init', '--platform', platform, '--e820', cmdline], box.env).rc).toBe(0)
      const steps = fs
        .readdirSync(dir)
        .filter((name) => /^[fgh]\d+-.*\.argv$/.test(name))
        .map((name) => name.replace(/\.argv$/, ''))
        .sort()
      let replayed = 0
      for (const step of steps) {
        const argv = fs
          .readFileSync(path.join(dir, `${step}.argv`), 'utf8')
          .trim()
          .split(/\s+/)
        const command = commandOf(argv)
        if (!command) continue
        const run = nvdimm([...command, '--platform', platform], box.env)
        const expected = fs.readFileSync(path.join(dir, `${step}.stdout`), 'utf8')
        if (command[0] === 'region-align') {
          expect({ step, rc: run.rc, align: run.stdout.trim() }).toEqual({
            step,
            rc: 0,
            align: expected.split('\n')[2],
          })
        } else {
          expect({ step, stdout: normalizeUuids(run.stdout), rc: run.rc }).toEqual({
            step,
            stdout: normalizeUuids(expected),
            rc: Number(fs.readFileSync(path.join(dir, `${step}.rc`), 'utf8')),
          })
        }
        replayed++
      }
      expect(replayed).toBeGreaterThanOrEqual(20)
    })
  }
})
