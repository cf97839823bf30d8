import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { initPlatform, NvdimmError, type LogEntry, type Platform, type PlatformProviderKind } from '@nvdimm/core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  H_SCM_BIND_MEM,
  paprScmEntry,
  paprScmKind,
  parseHcall,
  parsePaprOption,
  withPaprFault,
  type PaprFault,
  type PaprScmEntry,
} from '../../src/index.js'

const kinds = [paprScmKind as PlatformProviderKind]
let scratch: string | undefined

afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

async function lpar(): Promise<Platform> {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-papr-faults-'))
  const entry = paprScmEntry([0, 1].map((slot) => parsePaprOption('256M', slot)))
  return initPlatform(path.join(scratch, 'p'), { arch: 'ppc64', providers: [{ kind: 'papr-scm', entry }] }, kinds)
}

const fault = (platform: Platform, what: PaprFault) =>
  platform.updateFirmware(0, (entry, state, counts) => withPaprFault(entry as PaprScmEntry, state, counts, what))

/** One command's start and stop, with what it logged. */
async function command(platform: Platform): Promise<{ regions: number; log: string[] }> {
  const log: LogEntry[] = []
  const remember = (level: LogEntry['level']) => (message: string) => log.push({ level, message })
  const session = await platform.start({
    logger: { debug: () => undefined, info: () => undefined, warn: remember('warn'), error: remember('error') },
  })
  const regions = session.nd.regions.length
  await session.close()
  return { regions, log: log.map((entry) => entry.message) }
}

describe('hypervisor fault knobs, kept in the platform state', () => {
  it('names hcalls by name or number', () => {
    expect(parseHcall('H_SCM_BIND_MEM')).toBe(H_SCM_BIND_MEM)
    expect(parseHcall('0x3ec')).toBe(H_SCM_BIND_MEM)
    expect(() => parseHcall('H_NOPE')).toThrow(NvdimmError)
  })

  it('a binding left behind makes the next start recover through H_OVERLAP', async () => {
    const platform = await lpar()
    await fault(platform, { kind: 'leave-binding', drcIndex: 0x90000001 })
    const { regions, log } = await command(platform)
    expect(regions).toBe(2)
    const device = 'papr_scm ibm,persistent-memory:ibm,pmemory@90000001: '
    expect(log).toEqual(expect.arrayContaining([`${device}bind err: -68`, `${device}Retrying bind after unbinding`]))
  })

  it('a busy or long-busy hypervisor is waited out; a hardware error fails that device alone', async () => {
    const platform = await lpar()
    await fault(platform, { kind: 'busy', drcIndex: 0x90000000, opcode: H_SCM_BIND_MEM, times: 3 })
    await fault(platform, { kind: 'long-busy', drcIndex: 0x90000000, opcode: H_SCM_BIND_MEM, order: 0, times: 2 })
    expect(await command(platform)).toEqual({ regions: 2, log: [] })

    const broken = await lpar()
    await fault(broken, { kind: 'hardware', drcIndex: 0x90000000, opcode: H_SCM_BIND_MEM, times: 1 })
    const { regions, log } = await command(broken)
    expect(regions).toBe(1)
    expect(log).toContain('papr_scm ibm,persistent-memory:ibm,pmemory@90000001: bind err: -1')
  })

  it('health bits set in the hypervisor show in the dimm flags', async () => {
    const platform = await lpar()
    // PPC_BIT(0) unarmed, PPC_BIT(5) fatal
    await fault(platform, { kind: 'health', drcIndex: 0x90000000, bits: (1n << 63n) | (1n << 58n) })
    const session = await platform.start({ readOnly: true })
    try {
      const dimm = session.nd.dimms.find((d) => (d.providerData as { drcIndex: number }).drcIndex === 0x90000000)!
      expect([...dimm.flags]).toContain('unarmed')
      expect((await dimm.health()).state).toBe('fatal')
    } finally {
      await session.close()
    }
  })

  it('refuses a drc index no device has', async () => {
    const platform = await lpar()
    await expect(fault(platform, { kind: 'clear', drcIndex: 0x12345678 })).rejects.toThrow(/no SCM device/)
  })
})
