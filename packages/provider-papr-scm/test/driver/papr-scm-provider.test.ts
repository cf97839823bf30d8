import {
  afterKexec,
  afterPowerCycle,
  createNvdimm,
  MemoryMedia,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlInjectSmart,
  ndctlList,
  ndctlXableRegion,
  nvdimmFlush,
  type LogEntry,
  type RuntimeState,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  buildPseriesTree,
  decodeFdt,
  encodeFdt,
  findPaprScmNodes,
  paprScm,
  pmemDrcIndex,
  type PaprScmBacking,
} from '../../src/index.js'

const MiB = 1n << 20n
const BLOCK = 256n * MiB
const UUIDS = [
  '72511b67-0b3b-42fd-8d1d-5be3cae8bcaa',
  '4f2a7c1e-9d3b-4e55-8a61-0c2d3e4f5a6b',
  '0d7a9f32-1b2c-4d3e-8f40-5a6b7c8d9e0f',
  'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
]

/** An LPAR with four spapr-nvdimm devices of one 256 MiB block and a 128 KiB label area each. */
function lpar() {
  const devices = UUIDS.map((unitGuid, slot) => ({
    drcIndex: pmemDrcIndex(slot),
    unitGuid,
    blockCount: 1n,
    metadataSize: 131072,
    hcallFlushRequired: slot % 2 === 1,
  }))
  const dtb = encodeFdt(buildPseriesTree(devices))
  const backing = new Map<number, PaprScmBacking>(
    devices.map((device) => [device.drcIndex, { data: new MemoryMedia(BLOCK), metadata: new MemoryMedia(131072n) }]),
  )
  return { dtb, backing }
}

async function boot(machine: ReturnType<typeof lpar>, state: RuntimeState = {}) {
  const nd = createNvdimm({
    arch: 'ppc64-p10',
    state,
    providers: [paprScm({ deviceTree: machine.dtb, devices: machine.backing, sleep: () => undefined })],
  })
  await nd.start()
  return nd
}

const warnings = (dmesg: readonly LogEntry[]) =>
  dmesg.filter((entry) => entry.level !== 'debug' && entry.level !== 'info').map((entry) => entry.message)

describe('papr_scm: SCM devices of a pseries LPAR', () => {
  it('registers a bus, a dimm and a region per device, as papr_scm does', async () => {
    const nd = await boot(lpar())
    // QEMU writes the last slot's node first, and devices probe in tree order.
    expect(nd.buses.map((bus) => bus.providerName)).toEqual(
      [3, 2, 1, 0].map((slot) => `ibm,persistent-memory:ibm,pmemory@9000000${slot}`),
    )
    expect(nd.dimms).toHaveLength(4)
    expect(nd.regions.map((region) => [region.name, region.resource.size, region.persistenceDomain])).toEqual(
      [0, 1, 2, 3].map((i) => [`region${i}`, BLOCK, 'memory_controller']),
    )
    // Cookies from the unit guid (the notes' worked example): slot 0 is the last bus.
    expect(nd.region('region3').interleaveSet).toMatchObject({
      cookie1: 0xfd423b0b671b5172n,
      cookie2: 0xaabce8cae35b1d8dn,
    })
    expect([...nd.region('region2').flags]).toContain('async')
    expect([...nd.region('region3').flags]).not.toContain('async')
    expect(warnings(nd.dmesg)).toEqual([])
    await nd.stop()
  })

  it('keeps its namespaces across a kexec, recovering every binding the old kernel left', async () => {
    const machine = lpar()
    const first = await boot(machine)
    await ndctlXableRegion(first, 'disable', 'all')
    await ndctlInitLabels(first, ['all'], { force: true, labelVersion: '1.2' })
    await ndctlXableRegion(first, 'enable', 'all')
    const created = await ndctlCreateNamespace(first, { region: 'region2', mode: 'fsdax', size: '64M' })
    expect(created.errors).toEqual([])
    const uuid = (JSON.parse(String(created.stdout)) as { uuid: string }).uuid
    await first.stop()

    // The same kernel, in the next command: its own bindings, nothing to recover.
    const again = await boot(machine, first.runtimeState())
    expect(warnings(again.dmesg)).toEqual([])
    await again.stop()

    const next = await boot(machine, afterKexec(again.runtimeState()))
    for (const slot of [0, 1, 2, 3]) {
      const prefix = `papr_scm ibm,persistent-memory:ibm,pmemory@9000000${slot}: `
      expect(warnings(next.dmesg)).toEqual(
        expect.arrayContaining([`${prefix}bind err: -68`, `${prefix}Retrying bind after unbinding`]),
      )
    }
    expect(next.regions).toHaveLength(4)
    const listed = JSON.parse((await ndctlList(next, { namespaces: true, region: 'region2' }))!) as { uuid: string }[]
    expect(listed.map((ns) => ns.uuid)).toEqual([uuid])
    await next.stop()

    // A power cycle restarts the LPAR: the hypervisor holds no binding any more.
    const cold = await boot(machine, afterPowerCycle(next.runtimeState()))
    expect(warnings(cold.dmesg)).toEqual([])
    expect(cold.regions).toHaveLength(4)
    await cold.stop()
  })

  it('flushes an hcall-flush region through H_SCM_FLUSH after the POWER10 barrier', async () => {
    const nd = await boot(lpar())
    const steps: string[][] = []
    nd.on('region:flush', (region, taken) => steps.push([region.name, ...taken]))
    // Blank labels give no namespace to flush through: the region's own sequence, as pmem's flush runs it.
    await nvdimmFlush(nd.region('region2'))
    await nvdimmFlush(nd.region('region3'))
    expect(steps).toEqual([
      ['region2', 'phwsync', 'provider flush'],
      ['region3', 'phwsync'],
    ])
    await nd.stop()
  })

  it('makes a volatile region of a device without ibm,cache-flush-required', async () => {
    const machine = lpar()
    const tree = decodeFdt(machine.dtb).tree
    for (const { node } of findPaprScmNodes(tree)) {
      node.properties = node.properties.filter((property) => property.name !== 'ibm,cache-flush-required')
    }
    const nd = createNvdimm({
      providers: [paprScm({ deviceTree: tree, devices: machine.backing, sleep: () => undefined })],
      arch: 'ppc64',
    })
    await nd.start()
    expect(nd.regions.map((region) => [region.type, region.persistenceDomain])).toEqual(
      [0, 1, 2, 3].map(() => ['volatile', 'unknown']),
    )
    await nd.stop()
  })

  it('shows an injected fatal health state in list -DH as ndctl does for papr', async () => {
    const machine = lpar()
    const nd = await boot(machine)
    const injected = await ndctlInjectSmart(nd, ['nmem0'], { fatal: true })
    expect(injected.errors).toEqual([])
    const [dimm] = JSON.parse((await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem0' }))!) as {
      health: { health_state: string }
    }[]
    expect(dimm!.health.health_state).toBe('fatal')
    await nd.stop()
    // The kernel holds the injection: the next command of the same kernel still sees it, a kexec'd one does not.
    const same = await boot(machine, nd.runtimeState())
    expect(
      JSON.parse((await ndctlList(same, { dimms: true, health: true, dimm: 'nmem0' }))!)[0].health.health_state,
    ).toBe('fatal')
    await same.stop()
    const kexecd = await boot(machine, afterKexec(same.runtimeState()))
    expect(
      JSON.parse((await ndctlList(kexecd, { dimms: true, health: true, dimm: 'nmem0' }))!)[0].health.health_state,
    ).not.toBe('fatal')
    await kexecd.stop()
  })
})
