import * as fs from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { initPlatform, NvdimmError, parseDaxctlConf, Platform } from '../../src/index.js'
import { fuzzRuns } from '../../src/testing/index.js'
import { kinds, spec, tempDir } from '../helpers.js'

const UUID = '48d8e42c-a2f0-4312-9e70-a837faafe862'

/** The example from daxctl's documentation (Documentation/daxctl/daxctl-reconfigure-device.txt). */
const EXAMPLE = `# daxctl configuration
[reconfigure-device unique_identifier_foo]
nvdimm.uuid = ${UUID}
mode = system-ram
online = true
movable = false
`

function refusal(text: string): string {
  try {
    parseDaxctlConf(text)
  } catch (error) {
    if (error instanceof NvdimmError) return `${error.errno}: ${error.message}`
    throw error
  }
  return 'accepted'
}

describe('daxctl.conf', () => {
  it("reads daxctl's documented example, online and movable defaulting to true", () => {
    expect(parseDaxctlConf(EXAMPLE)).toEqual([
      { section: 'unique_identifier_foo', uuid: UUID, mode: 'system-ram', online: true, movable: false },
    ])
    expect(parseDaxctlConf(`[reconfigure-device a]\nnvdimm.uuid=${UUID.toUpperCase()}\nmode=devdax\n`)).toEqual([
      { section: 'a', uuid: UUID, mode: 'devdax', online: true, movable: true },
    ])
  })

  it('refuses with the line and what is wrong', () => {
    expect(refusal('mode = system-ram')).toBe(
      "EINVAL: daxctl.conf:1: 'mode' is outside a [reconfigure-device NAME] section",
    )
    expect(refusal('[reconfigure-device x]\nmode = ram')).toBe(
      "EINVAL: daxctl.conf:2: mode must be system-ram or devdax, not 'ram'",
    )
    expect(refusal('[reconfigure-device x]\nmode = devdax')).toBe(
      "EINVAL: daxctl.conf:1 [reconfigure-device x]: missing 'nvdimm.uuid'",
    )
    expect(refusal(`[reconfigure-device x]\nnvdimm.uuid = ${UUID}\nmode = devdax\nonline = maybe`)).toBe(
      "EINVAL: daxctl.conf:4: expected true or false, got 'maybe'",
    )
    expect(refusal('[create-device x]')).toMatch(/unknown section 'create-device'/)
  })

  it('garbage gets EINVAL, never another error', () => {
    const lines = fc.array(
      fc.oneof(
        fc.string(),
        fc.constantFrom('[reconfigure-device a]', `nvdimm.uuid = ${UUID}`, 'mode = system-ram', 'online = false', '['),
      ),
      { maxLength: 8 },
    )
    fc.assert(
      fc.property(lines, (parts) => {
        const verdict = refusal(parts.join('\n'))
        expect(verdict === 'accepted' || verdict.startsWith('EINVAL: ')).toBe(true)
      }),
      { numRuns: fuzzRuns() },
    )
  })
})

const root = tempDir('nvdimm-daxctl-conf-')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('a platform carries the configuration', () => {
  it('keeps it across power cycles and refuses a bad one without writing', async () => {
    const dir = path.join(root, 'p')
    const platform = await initPlatform(dir, spec(1), kinds)
    await platform.setDaxctlConf(EXAMPLE)
    const before = fs.readFileSync(path.join(dir, 'platform.json'), 'utf8')
    await expect(platform.setDaxctlConf('[reconfigure-device x]\nmode = ram')).rejects.toThrow(/mode must be/)
    expect(fs.readFileSync(path.join(dir, 'platform.json'), 'utf8')).toBe(before)
    await platform.powerCycle()
    expect(Platform.open(dir, kinds).machine.daxctlConf).toBe(EXAMPLE)
    await platform.setDaxctlConf(undefined)
    expect(Platform.open(dir, kinds).machine.daxctlConf).toBeUndefined()
  })
})

describe('the per-boot state in platform.json', () => {
  it('a damaged kmem record or machine section is refused with EINVAL', async () => {
    const dir = path.join(root, 'fuzz')
    await initPlatform(dir, spec(1), kinds)
    const file = path.join(dir, 'platform.json')
    const valid = JSON.parse(fs.readFileSync(file, 'utf8'))
    const record = fc.record(
      {
        kmem: fc.dictionary(
          fc.oneof(fc.constant('dax0.0'), fc.string()),
          fc.record({
            uuid: fc.oneof(fc.constant(UUID), fc.string()),
            online: fc.dictionary(fc.string(), fc.string()),
          }),
        ),
        machine: fc.record(
          {
            memory: fc.oneof(fc.string(), fc.nat()),
            daxctlConf: fc.string(),
            memhpDefaultState: fc.string(),
            hotplugMemory: fc.array(
              fc.record({
                start: fc.oneof(fc.string(), fc.constant('0x140000000')),
                size: fc.oneof(fc.string(), fc.nat()),
              }),
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(record, ({ kmem, machine }) => {
        fs.writeFileSync(
          file,
          JSON.stringify({
            ...valid,
            ...(machine ? { machine } : {}),
            runtime: { ...valid.runtime, ...(kmem ? { kmem } : {}) },
          }),
        )
        try {
          Platform.open(dir, kinds)
        } catch (error) {
          expect(error).toBeInstanceOf(NvdimmError)
          expect((error as NvdimmError).errno).toBe('EINVAL')
        }
      }),
      { numRuns: fuzzRuns() },
    )
  })
})
