import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  decodeCmdPkg,
  DimmCmd,
  DimmFamily,
  encodeCmdPkg,
  initPlatform,
  ndctlInjectSmart,
  ndctlList,
  NvdimmError,
  submitCommand,
  type Nvdimm,
  type PlatformProviderKind,
} from '@nvdimm/core'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeSmartOutput, IntelFn, nfitKind, nfitQemuEntry, nfitTestEntries } from '../../src/index.js'

const kinds = [nfitKind as PlatformProviderKind]
let scratch: string | undefined

afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

function dir(): string {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-nfit-dsm-'))
  return scratch
}

async function nfitTest() {
  return initPlatform(
    path.join(dir(), 'platform'),
    { arch: 'x86_64', providers: nfitTestEntries().map((entry) => ({ kind: 'nfit', entry })) },
    kinds,
  )
}

async function errnoOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    return error instanceof NvdimmError ? error.errno : String(error)
  }
  return undefined
}

function call(nd: Nvdimm, dimm: string, family: number, command: number, outputSize: number) {
  const target = nd.dimm(dimm)
  return submitCommand(
    target.bus,
    target,
    DimmCmd.CALL,
    encodeCmdPkg({ family, command, input: new Uint8Array(0), outputSize }),
  )
}

describe('the Intel DSM family on an NFIT platform', () => {
  it("lists nfit_test's default SMART health with its thresholds (list -DH)", async () => {
    const session = await (await nfitTest()).start({ readOnly: true })
    try {
      const [dimm] = JSON.parse((await ndctlList(session.nd, { dimms: true, health: true, dimm: 'nmem0' }))!) as {
        health: Record<string, unknown>
      }[]
      expect(dimm!.health).toMatchObject({
        health_state: 'non-critical',
        temperature_celsius: 23,
        spares_percentage: 75,
        alarm_temperature: true,
        alarm_spares: true,
        temperature_threshold: 40,
        spares_threshold: 5,
        life_used_percentage: 5,
        shutdown_state: 'clean',
        shutdown_count: 42,
      })
    } finally {
      await session.close()
    }
  })

  it('keeps an injection in the firmware across processes, and uninjects it', async () => {
    const platform = await nfitTest()
    const inject = await platform.update((nd) =>
      ndctlInjectSmart(nd, ['nmem1'], { mediaTemperature: '60', fatal: true }),
    )
    expect(inject.errors).toEqual([])
    const health = async () => {
      const session = await platform.start({ readOnly: true })
      try {
        const [dimm] = JSON.parse((await ndctlList(session.nd, { dimms: true, health: true, dimm: 'nmem1' }))!) as {
          health: { health_state: string; temperature_celsius: number }
        }[]
        return dimm!.health
      } finally {
        await session.close()
      }
    }
    expect(await health()).toMatchObject({ health_state: 'fatal', temperature_celsius: 60 })
    await platform.update((nd) => ndctlInjectSmart(nd, ['nmem1'], { uninjectAll: true }))
    expect(await health()).toMatchObject({ health_state: 'non-critical', temperature_celsius: 23 })
  })

  it('carries functions in nd_cmd_pkg and keeps the firmware status inside it', async () => {
    const session = await (await nfitTest()).start()
    try {
      const nd = session.nd
      const result = await call(nd, 'nmem0', DimmFamily.INTEL, IntelFn.SMART, 132)
      expect(result.rc).toBe(0)
      const reply = decodeCmdPkg(result.output)
      expect(reply.fwSize).toBe(132)
      expect(decodeSmartOutput(reply.output)).toMatchObject({ status: 0, smart: { shutdownCount: 42 } })
      // The security functions are the kernel's alone (acpi_nfit_clear_to_send).
      expect(await errnoOf(call(nd, 'nmem0', DimmFamily.INTEL, IntelFn.GET_SECURITY_STATE, 12))).toBe('EOPNOTSUPP')
      // Another family, or a function the dimm lacks, does not reach the firmware.
      expect(await errnoOf(call(nd, 'nmem0', DimmFamily.HPE1, 1, 16))).toBe('ENOTTY')
      expect(await errnoOf(call(nd, 'nmem0', DimmFamily.INTEL, 9, 16))).toBe('ENOTTY')
      // ND_CMD_SMART maps onto function 1 with the same payload.
      const smart = await submitCommand(nd.dimm('nmem0').bus, nd.dimm('nmem0'), DimmCmd.SMART, new Uint8Array(0))
      expect(smart.cmdRc).toBe(0)
      expect(decodeSmartOutput(smart.output).smart.shutdownCount).toBe(42)
    } finally {
      await session.close()
    }
  })

  it("gives QEMU's dimms the label functions only: no health, no SMART", async () => {
    const image = path.join(dir(), 'img0')
    fs.writeFileSync(image, '')
    fs.truncateSync(image, 64 * 1024 * 1024 + 131072)
    const platform = await initPlatform(
      path.join(scratch!, 'platform'),
      {
        arch: 'x86_64',
        providers: [
          {
            kind: 'nfit',
            entry: nfitQemuEntry([{ path: image, fileSize: (64n << 20n) | 131072n, labelSize: 131072n }]),
          },
        ],
      },
      kinds,
    )
    const session = await platform.start({ readOnly: true })
    try {
      const dimm = session.nd.dimm('nmem0')
      expect([...dimm.cmdMask].sort((a, b) => a - b)).toEqual([4, 5, 6, 10])
      expect(dimm.descriptor.health).toBeUndefined()
      expect(dimm.descriptor.ops).toEqual({})
      expect(await errnoOf(call(session.nd, 'nmem0', DimmFamily.INTEL, IntelFn.SMART, 132))).toBe('ENOTTY')
    } finally {
      await session.close()
    }
  })
})
