import { NvdimmError, type Logger } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  EmulatedOpal,
  LpcLink,
  OCXL_PMEM_DEVICE_ID,
  ocxlPciRole,
  ocxlPmemName,
  PCI_VENDOR_ID_IBM,
} from '../../src/link/index.js'

function logger(lines: string[]): Logger {
  const push = (message: string) => lines.push(message)
  return { debug: () => undefined, info: push, warn: push, error: push }
}

describe('LPC memory of an OpenCAPI link', () => {
  it('presents the high-water mark of offset + size over the AFUs, not a sum', () => {
    const link = new LpcLink(new EmulatedOpal(), { phbId: 1, bdfn: 0x100 }, logger([]))
    link.addLpcMemory(0n, 1n << 30n)
    link.addLpcMemory(1n << 30n, 1n << 30n)
    link.addLpcMemory(0n, 1n << 29n)
    expect(link.lpcMemorySize).toBe(2n << 30n)
  })

  it('refuses an offset + size that overflows with EINVAL', () => {
    const link = new LpcLink(new EmulatedOpal(), { phbId: 1, bdfn: 0x100 }, logger([]))
    expect(() => link.addLpcMemory((1n << 64n) - 1n, 2n)).toThrow(NvdimmError)
  })

  it('maps once per link through OPAL, counts consumers and releases with the last one', () => {
    const opal = new EmulatedOpal({ base: 0x4000_0000_0000n })
    const link = new LpcLink(opal, { phbId: 1, bdfn: 0x100 }, logger([]))
    link.addLpcMemory(0n, 1n << 30n)
    expect(link.map()).toBe(0x4000_0000_0000n)
    expect(link.map()).toBe(0x4000_0000_0000n)
    expect(opal.allocations.size).toBe(1)
    link.release()
    expect(opal.allocations.size).toBe(1)
    link.release()
    expect(opal.allocations.size).toBe(0)
    // Released after a failed map: nothing to do, and no bogus warning.
    link.release()
  })

  it('treats a base of 0 as failure and says why', () => {
    const lines: string[] = []
    const link = new LpcLink(new EmulatedOpal({ failAllocations: 1 }), { phbId: 1, bdfn: 0x100 }, logger(lines))
    link.addLpcMemory(0n, 1n << 30n)
    expect(link.map()).toBe(0n)
    expect(lines).toEqual(['OPAL could not allocate LPC memory, rc=-10'])
    expect(link.map()).not.toBe(0n)
  })
})

describe('the PCI identity of an ocxlpmem card', () => {
  it('binds function 1, opens function 0 for bandwidth only, ignores the rest', () => {
    const card = { vendor: PCI_VENDOR_ID_IBM, device: OCXL_PMEM_DEVICE_ID }
    expect(ocxlPciRole({ ...card, fn: 1 })).toBe('memory')
    expect(ocxlPciRole({ ...card, fn: 0 })).toBe('bandwidth')
    expect(ocxlPciRole({ ...card, fn: 2 })).toBe('ignored')
    expect(ocxlPciRole({ vendor: 0x8086, device: OCXL_PMEM_DEVICE_ID, fn: 1 })).toBe('ignored')
  })

  it('names buses ocxlpmem0 … ocxlpmem255', () => {
    expect(ocxlPmemName(0)).toBe('ocxlpmem0')
    expect(ocxlPmemName(255)).toBe('ocxlpmem255')
    expect(() => ocxlPmemName(256)).toThrow(NvdimmError)
  })
})
