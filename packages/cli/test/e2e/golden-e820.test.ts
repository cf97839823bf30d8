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
