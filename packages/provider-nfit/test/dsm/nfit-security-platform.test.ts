import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  initPlatform,
  KEYS_DIR,
  ndctlFreezeSecurity,
  ndctlList,
  ndctlSanitizeDimm,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  submitCommand,
  DimmCmd,
  encodeGetConfigData,
  type Nvdimm,
  type Platform,
  type PlatformProviderKind,
} from '@nvdimm/core'
import { afterEach, describe, expect, it } from 'vitest'
import { nfitKind, nfitTableEntry, nfitTest0Table } from '../../src/index.js'

const kinds = [nfitKind as PlatformProviderKind]
let scratch: string | undefined

afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

async function nfitTest0(): Promise<Platform> {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-nfit-security-'))
  const entry = nfitTableEntry(nfitTest0Table(), { providerName: 'nfit_test.0', preset: 'nfit-test' })
  return initPlatform(path.join(scratch, 'platform'), { arch: 'x86_64', providers: [{ kind: 'nfit', entry }] }, kinds)
}

async function listed(platform: Platform, options: Parameters<typeof ndctlList>[1]): Promise<unknown> {
  const session = await platform.start({ readOnly: true })
  try {
    return JSON.parse((await ndctlList(session.nd, options)) ?? '[]')
  } finally {
    await session.close()
  }
}

const passphrase = new TextEncoder().encode('correct horse battery staple')

/** ndctl changes keys only on dimms no enabled region uses ("regions active on nmemX, op failed"). */
async function withRegionsDisabled<T>(nd: Nvdimm, change: () => Promise<T>): Promise<T> {
  for (const region of nd.regions) if (region.enabled) await region.disable()
  try {
    return await change()
  } finally {
    for (const region of nd.regions) if (!region.enabled) await region.enable().catch(() => undefined)
  }
}

describe('dimm security on an NFIT platform (Intel DSM functions 19–28)', () => {
  it('locks a dimm with a passphrase at every power-on; the key store unlocks it, its absence does not', async () => {
    const platform = await nfitTest0()
    const setup = await platform.update((nd) =>
      withRegionsDisabled(nd, () =>
        ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: 'user:nvdimm-master', passphrase }),
      ),
    )
    expect(setup.errors).toEqual([])
    await platform.powerCycle()
    expect(await listed(platform, { dimms: true, dimm: 'nmem0' })).toEqual([
      { dev: 'nmem0', id: 'cdab-0a-07e0-ffffffff', handle: 0, phys_id: 0, security: 'unlocked' },
    ])
    expect(JSON.stringify(await listed(platform, { regions: true }))).toContain('region1')

    // Without its key the dimm stays locked: its regions do not come up, nothing is readable.
    fs.rmSync(path.join(platform.dir, KEYS_DIR), { recursive: true, force: true })
    await platform.powerCycle()
    expect(await listed(platform, { dimms: true, dimm: 'nmem0', idle: true })).toEqual([
      { dev: 'nmem0', id: 'cdab-0a-07e0-ffffffff', handle: 0, phys_id: 0, state: 'disabled', security: 'locked' },
    ])
    const session = await platform.start()
    try {
      const nd = session.nd
      expect(nd.regions.filter((region) => region.enabled)).toEqual([])
      expect(nd.namespaces).toEqual([])
      // Even straight through the ioctl the firmware refuses the label area (EACCES in cmdRc).
      const dimm = nd.dimm('nmem0')
      const read = await submitCommand(
        dimm.bus,
        dimm,
        DimmCmd.GET_CONFIG_DATA,
        encodeGetConfigData({ offset: 0, length: 64 }),
      )
      expect(read.cmdRc).toBe(-13)
    } finally {
      await session.close()
    }
  })

  it('refuses every change once frozen, until the next power cycle', async () => {
    const platform = await nfitTest0()
    await platform.update((nd) =>
      withRegionsDisabled(nd, () =>
        ndctlSetupPassphrase(nd, ['nmem1'], { keyHandle: 'user:nvdimm-master', passphrase }),
      ),
    )
    expect((await platform.update((nd) => ndctlFreezeSecurity(nd, ['nmem1'], {}))).errors).toEqual([])
    expect(await listed(platform, { dimms: true, dimm: 'nmem1' })).toMatchObject([
      { security: 'unlocked', security_frozen: true },
    ])
    const refused = await platform.update((nd) =>
      withRegionsDisabled(nd, () =>
        ndctlUpdatePassphrase(nd, ['nmem1'], { passphrase: new TextEncoder().encode('another one') }),
      ),
    )
    expect(refused.exitCode).not.toBe(0)
    await platform.powerCycle()
    expect(await listed(platform, { dimms: true, dimm: 'nmem1' })).toMatchObject([{ security: 'unlocked' }])
    const updated = await platform.update((nd) =>
      withRegionsDisabled(nd, () =>
        ndctlUpdatePassphrase(nd, ['nmem1'], { passphrase: new TextEncoder().encode('another one') }),
      ),
    )
    expect(updated.errors).toEqual([])
  })

  it("crypto-erases a dimm's data: what was written reads back as something else", async () => {
    const platform = await nfitTest0()
    const pattern = new Uint8Array(4096).fill(0xa5)
    await platform.update(async (nd) => {
      const region = nd.regions.find((r) => r.mappings.length === 4)!
      region.media.write(0n, pattern)
      await withRegionsDisabled(nd, () =>
        ndctlSetupPassphrase(nd, ['nmem2'], { keyHandle: 'user:nvdimm-master', passphrase }),
      )
    })
    // ndctl refuses to erase a dimm whose regions are active.
    const busy = await platform.update((nd) => ndctlSanitizeDimm(nd, ['nmem2'], { cryptoErase: true }))
    expect(busy.exitCode).not.toBe(0)
    const erased = await platform.update(async (nd) => {
      for (const region of nd.regions) await region.disable()
      return ndctlSanitizeDimm(nd, ['nmem2'], { cryptoErase: true })
    })
    expect(erased.errors).toEqual([])
    const session = await platform.start()
    try {
      const region = session.nd.regions.find((r) => r.mappings.length === 4)!
      const back = new Uint8Array(4096)
      region.media.read(0n, back)
      expect(Buffer.compare(back, pattern)).not.toBe(0)
    } finally {
      await session.close()
    }
  })
})
