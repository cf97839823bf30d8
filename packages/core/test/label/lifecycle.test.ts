import { describe, expect, it } from 'vitest'
import {
  createNvdimm,
  ndctlCheckLabels,
  ndctlCreateNamespace,
  ndctlDestroyNamespace,
  ndctlInitLabels,
  ndctlReadLabels,
  ndctlXableRegion,
} from '../../src/index.js'
import { nfitTest0 } from '../fixtures.js'

describe('init-labels, create, destroy, create on a 2-way interleave set', () => {
  it('leaves valid labels with the sequence numbers the kernel leaves', async () => {
    const nd = createNvdimm({ providers: [nfitTest0()] })
    await nd.start()
    expect((await ndctlXableRegion(nd, 'disable', 'all')).messages).toEqual(['disabled 2 regions'])
    expect((await ndctlInitLabels(nd, ['all'])).messages).toEqual(['initialized 4 nmems'])
    await ndctlXableRegion(nd, 'enable', 'all')
    const seqs = async () => {
      const dump = JSON.parse((await ndctlReadLabels(nd, ['nmem0', 'nmem1'], { json: true })).stdout as string)
      return dump.map((dimm: { index: { seq: number }[] }) => dimm.index.map((index) => index.seq))
    }
    // ndctl writes idx0 seq 3 and idx1 seq 2.
    expect(await seqs()).toEqual([
      [3, 2],
      [3, 2],
    ])

    const first = await ndctlCreateNamespace(nd, { region: 'region0', mode: 'raw', size: '16M' })
    expect(first.errors).toEqual([])
    expect(JSON.parse(first.stdout as string).dev).toBe('namespace0.0')
    // Each create writes 8 indexes per dimm: two deletes (uuid, alt_name) and three two-pass
    // updates (size, sector_size, holder_class), alternating idx1, idx0 with seq 1, 2, 3, 1, …
    expect(await seqs()).toEqual([
      [2, 1],
      [2, 1],
    ])
    const destroyed = await ndctlDestroyNamespace(nd, 'namespace0.0', { force: true })
    expect(destroyed.messages).toEqual(['destroyed 1 namespace'])
    // Destroy: holder_class (two passes) then size 0 (one delete).
    expect(await seqs()).toEqual([
      [1, 2],
      [1, 2],
    ])
    const second = await ndctlCreateNamespace(nd, { region: 'region0', mode: 'raw', size: '32M' })
    expect(JSON.parse(second.stdout as string)).toMatchObject({ dev: 'namespace0.0', size: 33554432 })
    expect(await seqs()).toEqual([
      [3, 1],
      [3, 1],
    ])
    const checked = await ndctlCheckLabels(nd, ['all'])
    expect(checked).toMatchObject({ errors: [], messages: ['successfully verified 4 nmem labels'], exitCode: 0 })
    await nd.stop()
  })
})

describe('dimm flags', () => {
  it('show "label" once a valid index is found, as sysfs nmemN/flags does', async () => {
    const nd = createNvdimm({ providers: [nfitTest0()] })
    await nd.start()
    expect(nd.dimm('nmem0').flagsString).toBe('')
    await ndctlXableRegion(nd, 'disable', 'all')
    await ndctlInitLabels(nd, ['nmem0'])
    expect(nd.dimm('nmem0').flagsString).toBe('label ')
    expect(nd.dimm('nmem1').flagsString).toBe('')
    await nd.stop()
  })
})
