import { describe, expect, it } from 'vitest'
import type { ArchName } from '../arch.js'
import { submitCommand } from '../bus/ndctl.js'
import { NvdimmError } from '../errors.js'
import type { NvdimmEventName } from '../events.js'
import { HEALTH_STATES } from '../health/health.js'
import type { ProviderInit } from '../provider/types.js'
import { createNvdimm, type Nvdimm } from '../subsystem.js'

export interface ComplianceSetup {
  providers: ProviderInit[]
  arch?: ArchName
}

export interface ComplianceOptions {
  /** Shown in the test names: the provider package under test. */
  name: string
  /** A fresh composition for each test. */
  setup(): Promise<ComplianceSetup> | ComplianceSetup
  teardown?(): Promise<void> | void
}

const KERNEL_NAMES = {
  bus: /^ndbus\d+$/,
  dimm: /^nmem\d+$/,
  region: /^region\d+$/,
  namespace: /^namespace\d+\.\d+$/,
}

async function started(options: ComplianceOptions, events?: string[]): Promise<Nvdimm> {
  const setup = await options.setup()
  const nd = createNvdimm({ providers: setup.providers, ...(setup.arch ? { arch: setup.arch } : {}) })
  if (events) {
    const names: NvdimmEventName[] = [
      'bus:add',
      'dimm:add',
      'region:add',
      'namespace:add',
      'namespace:remove',
      'region:remove',
      'dimm:remove',
      'bus:remove',
    ]
    for (const name of names)
      nd.on(name, ((device: { name: string }) => events.push(`${name} ${device.name}`)) as never)
  }
  await nd.start()
  return nd
}

/** Run `check` on a started composition, then stop it and tear down, whatever happened. */
async function withStarted(options: ComplianceOptions, check: (nd: Nvdimm) => Promise<void> | void): Promise<void> {
  const nd = await started(options)
  try {
    await check(nd)
  } finally {
    await nd.stop()
    await options.teardown?.()
  }
}

/**
 * What every provider must do, whoever wrote it (libp2p's interface-compliance-tests idea):
 * run it from the provider package's test/compliance.test.ts.
 */
export function providerCompliance(options: ComplianceOptions): void {
  describe(`${options.name}: provider compliance`, () => {
    it('registers at least one bus, each with a provider name', () =>
      withStarted(options, async (nd) => {
        expect(nd.probeErrors).toEqual([])
        expect(nd.buses.length).toBeGreaterThan(0)
        for (const bus of nd.buses) expect(bus.providerName).toMatch(/^\S+$/)
      }))

    it('gets kernel device names, unique across the subsystem', () =>
      withStarted(options, async (nd) => {
        const all = [
          ...nd.buses.map((d) => [d.name, KERNEL_NAMES.bus] as const),
          ...nd.dimms.map((d) => [d.name, KERNEL_NAMES.dimm] as const),
          ...nd.regions.map((d) => [d.name, KERNEL_NAMES.region] as const),
          ...nd.namespaces.map((d) => [d.name, KERNEL_NAMES.namespace] as const),
        ]
        for (const [name, pattern] of all) expect(name).toMatch(pattern)
        expect(new Set(all.map(([name]) => name)).size).toBe(all.length)
        for (const namespace of nd.namespaces)
          expect(namespace.name.startsWith(`namespace${namespace.region.id}.`)).toBe(true)
      }))

    it('announces devices parent first and removes them child first', async () => {
      const events: string[] = []
      const nd = await started(options, events)
      const added = events.length
      await nd.stop()
      await options.teardown?.()
      const index = (event: string) => events.indexOf(event)
      for (const line of events.slice(0, added)) {
        const [kind, name] = line.split(' ') as [string, string]
        expect(index(`${kind.replace(':add', ':remove')} ${name}`)).toBeGreaterThan(index(line))
      }
      // Every dimm and region appears after its bus, every namespace after its region.
      const order = events.slice(0, added)
      for (const line of order.filter((l) => l.startsWith('region:add') || l.startsWith('dimm:add'))) {
        expect(order.findIndex((l) => l.startsWith('bus:add'))).toBeLessThan(order.indexOf(line))
      }
      expect(events.slice(added).every((line) => line.includes(':remove'))).toBe(true)
    })

    it('refuses commands outside the cmd_mask with ENOTTY', () =>
      withStarted(options, async (nd) => {
        for (const bus of nd.buses) {
          const missing = [...Array(11).keys()].slice(1).find((cmd) => !bus.cmdMask.has(cmd))
          if (missing !== undefined) {
            await expect(submitCommand(bus, null, missing)).rejects.toMatchObject({ errno: 'ENOTTY' })
          }
          for (const dimm of bus.dimms) {
            const absent = [...Array(11).keys()].slice(1).find((cmd) => !dimm.cmdMask.has(cmd))
            if (absent !== undefined) {
              await expect(submitCommand(bus, dimm, absent)).rejects.toBeInstanceOf(NvdimmError)
              await expect(submitCommand(bus, dimm, absent)).rejects.toMatchObject({ errno: 'ENOTTY' })
            }
          }
        }
      }))

    it('describes regions consistently: media, mappings, flush', () =>
      withStarted(options, async (nd) => {
        for (const region of nd.regions) {
          expect(region.media.size).toBe(region.resource.size)
          expect(region.flags.has('async')).toBe(region.descriptor.flush !== undefined)
          for (const mapping of region.mappings) expect(mapping.dimm.bus).toBe(region.bus)
          expect(['cpu_cache', 'memory_controller', 'unknown']).toContain(region.persistenceDomain)
          if (region.namespaceType === 'io' && region.enabled) {
            expect(region.namespaces).toHaveLength(1)
            expect(region.namespaces[0]!.resource).toEqual(region.resource)
          }
        }
      }))

    it('reports health in the common model', () =>
      withStarted(options, async (nd) => {
        for (const dimm of nd.dimms) {
          const health = await dimm.health()
          if (health.state !== undefined) expect(HEALTH_STATES).toContain(health.state)
          for (const key of [
            'temperature',
            'controllerTemperature',
            'sparesPercentage',
            'lifeUsedPercentage',
            'shutdownCount',
          ] as const) {
            if (health[key] !== undefined) expect(Number.isFinite(health[key])).toBe(true)
          }
        }
      }))

    it('round-trips SMART thresholds through ops.smart, where a dimm has them', () =>
      withStarted(options, async (nd) => {
        for (const dimm of nd.dimms) {
          const smart = dimm.descriptor.ops?.smart
          if (!smart?.thresholds) continue
          const before = await smart.thresholds()
          for (const alarm of ['alarmTemperature', 'alarmControllerTemperature', 'alarmSpares'] as const) {
            expect(typeof before[alarm]).toBe('boolean')
          }
          if (!smart.setThresholds) continue
          // Only the fields given change: flip the spares alarm and move its trip point.
          const change = { alarmSpares: !before.alarmSpares, spares: before.spares === 10 ? 11 : 10 }
          await smart.setThresholds(change)
          const after = await smart.thresholds()
          expect(after).toMatchObject(change)
          expect(after.alarmTemperature).toBe(before.alarmTemperature)
          expect(after.temperature).toBe(before.temperature)
          expect(after.alarmControllerTemperature).toBe(before.alarmControllerTemperature)
          await smart.setThresholds(before)
          expect(await smart.thresholds()).toMatchObject({ alarmSpares: before.alarmSpares })
        }
      }))

    it('changes health() with ops.smart.inject and restores it on uninject, where a dimm can inject', () =>
      withStarted(options, async (nd) => {
        // A field the dimm's family cannot inject is refused with one of these.
        const unsupported = (error: unknown) =>
          error instanceof NvdimmError && ['ENXIO', 'EOPNOTSUPP', 'ENOTSUP', 'ENOTTY'].includes(error.errno)
        const cases = [
          { injection: { fatal: true }, field: 'fatal', check: { state: 'fatal' }, key: 'state' },
          {
            injection: { unsafeShutdown: true },
            field: 'unsafeShutdown',
            check: { shutdownState: 'dirty' },
            key: 'shutdownState',
          },
          { injection: { spares: 3 }, field: 'spares', check: { sparesPercentage: 3 }, key: 'sparesPercentage' },
          {
            injection: { mediaTemperature: 52 },
            field: 'mediaTemperature',
            check: { temperature: 52 },
            key: 'temperature',
          },
        ] as const
        for (const dimm of nd.dimms) {
          const inject = dimm.descriptor.ops?.smart?.inject
          if (!inject || !dimm.descriptor.health) continue
          let injected = 0
          for (const { injection, field, check, key } of cases) {
            const before = await dimm.health()
            try {
              await inject.call(dimm.descriptor.ops!.smart, injection)
            } catch (error) {
              if (unsupported(error)) continue
              throw error
            }
            injected++
            expect(await dimm.health()).toMatchObject(check)
            await inject.call(dimm.descriptor.ops!.smart, { uninject: [field] })
            expect((await dimm.health())[key]).toBe(before[key])
          }
          expect(injected).toBeGreaterThan(0)
        }
      }))

    it('unregisters everything on stop and comes back with the same names', async () => {
      const nd = await started(options)
      const names = (n: Nvdimm) => [...n.buses, ...n.dimms, ...n.regions, ...n.namespaces].map((d) => d.name)
      const before = names(nd)
      await nd.stop()
      expect(names(nd)).toEqual([])
      await nd.start()
      expect(names(nd)).toEqual(before)
      await nd.stop()
      await options.teardown?.()
    })
  })
}
