import {
  createNvdimm,
  MemoryMedia,
  ndctlCreateNamespace,
  ndctlInitLabels,
  ndctlList,
  ndctlXableRegion,
  type RuntimeState,
} from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import { AdminCommandEngine, ManualClock, OcxlCard, ocxl, readErrorLog, type OcxlCardOptions } from '../src/index.js'

const GiB = 1n << 30n
const link = { phbId: 7, bdfn: 0x100 }

/** Two cards on one link, 1 GiB each, their media and card state kept across reopenings. */
function twoCards(options: Partial<OcxlCardOptions>[] = [{}, {}]) {
  const clock = new ManualClock()
  const media = options.map(() => new MemoryMedia(GiB))
  let cards = options.map((extra) => new OcxlCard({ clock, ...extra }))
  const boot = async (state: RuntimeState = {}) => {
    const nd = createNvdimm({
      arch: 'ppc64',
      state,
      providers: [
        ocxl({
          clock,
          cards: cards.map((card, i) => ({ link, card, media: media[i]!, serial: 0x1000n + BigInt(i) })),
        }),
      ],
    })
    await nd.start()
    return nd
  }
  const reopen = () => {
    cards = cards.map((card, i) => OcxlCard.fromJSON(card.toJSON(), { clock, ...options[i] }))
  }
  return { boot, reopen, cards: () => cards, clock }
}

describe('ocxl: OpenCAPI persistent memory cards (experimental)', () => {
  it('lists two buses, two dimms and two regions for two cards on one link; namespaces survive reopening', async () => {
    const platform = twoCards()
    const nd = await platform.boot()
    expect(nd.buses.map((bus) => bus.providerName)).toEqual(['ocxlpmem0', 'ocxlpmem1'])
    expect(nd.dimms).toHaveLength(2)
    // The label area is the first 16 MiB section; the region is the rest, mapped once for the link.
    expect(nd.regions.map((region) => region.resource.size)).toEqual([GiB - (16n << 20n), GiB - (16n << 20n)])
    expect(nd.region('region1').resource.start - nd.region('region0').resource.start).toBe(GiB)
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlInitLabels(nd, ['all'], { force: true })
    await ndctlXableRegion(nd, 'enable', 'all')
    const created = await ndctlCreateNamespace(nd, { region: 'region1', mode: 'fsdax', size: '256M' })
    expect(created.errors).toEqual([])
    const { uuid } = JSON.parse(String(created.stdout)) as { uuid: string }
    const state = nd.runtimeState()
    await nd.stop()

    platform.reopen()
    const again = await platform.boot(state)
    expect(JSON.parse((await ndctlList(again, { namespaces: true }))!)).toMatchObject([{ uuid, mode: 'fsdax' }])
    await again.stop()
  })

  it('fails a card whose readiness never comes with ETIMEDOUT, and brings the other up', async () => {
    const platform = twoCards([{ controllerReadyAt: 'never' }, {}])
    const nd = await platform.boot()
    expect(nd.buses.map((bus) => bus.providerName)).toEqual(['ocxlpmem0'])
    expect(nd.regions).toHaveLength(1)
    expect(nd.dmesg.map((entry) => entry.message).join('\n')).toMatch(/card 1000 .*CRDY/)
    await nd.stop()
  })

  it('reads an injected error log with its identifier; a hardware-fatal card is fatal in list -DH', async () => {
    const platform = twoCards()
    const [card] = platform.cards()
    const id = card!.injectErrorLog({ programReferenceCode: 0xb0c0ffee })
    const log = await readErrorLog(new AdminCommandEngine(card!, platform.clock), 64)
    expect(log).toMatchObject({ logIdentifier: id, programReferenceCode: 0xb0c0ffee })

    const nd = await platform.boot()
    card!.setHardwareFatal()
    const [dimm] = JSON.parse((await ndctlList(nd, { dimms: true, health: true, dimm: 'nmem0' }))!) as {
      health: { health_state: string }
    }[]
    expect(dimm!.health.health_state).toBe('fatal')
    await nd.stop()
  })
})
