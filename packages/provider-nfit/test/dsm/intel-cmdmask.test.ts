import { DimmCmd } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  IntelFn,
  intelDimmCmdMask,
  intelDsmMask,
  intelUserCallAllowed,
  maskFunctions,
  NVDIMM_INTEL_CMDMASK,
  NVDIMM_INTEL_DENY_CMDMASK,
  NVDIMM_STANDARD_CMDMASK,
} from '../../src/dsm/intel/index.js'
import { testDimm } from './intel-fixtures.js'

describe('Intel DSM command masks (drivers/acpi/nfit/nfit.h)', () => {
  it('the kernel enables functions 1-30 and denies security and FW activate to userspace', () => {
    expect(NVDIMM_STANDARD_CMDMASK).toBe(0x3fe)
    expect(NVDIMM_INTEL_CMDMASK).toBe(0x7ffffffe)
    expect(NVDIMM_INTEL_DENY_CMDMASK).toBe(0x7ff80000)
  })

  it('acpi_nfit_clear_to_send(): security, FW activate and out-of-range functions are not for userspace', () => {
    for (let fn = 1; fn <= 18; fn++) expect(intelUserCallAllowed(fn)).toBe(true)
    for (let fn = 19; fn <= 30; fn++) expect(intelUserCallAllowed(fn)).toBe(false)
    expect(intelUserCallAllowed(31)).toBe(true)
    expect(intelUserCallAllowed(32)).toBe(false)
    expect(intelUserCallAllowed(-1)).toBe(false)
    expect(intelUserCallAllowed(2.5)).toBe(false)
  })

  it("a dimm's dsm_mask is what it advertises within the kernel's mask, without function 0", () => {
    const nfitTest = testDimm().firmware
    const mask = intelDsmMask(nfitTest.supportedFunctions)
    expect(maskFunctions(mask)).toEqual([1, 2, 4, 5, 6, 10, 12, 13, 14, 15, 16, 17, 18, ...range(19, 28)])
    expect(intelDimmCmdMask(mask)).toEqual([
      DimmCmd.SMART,
      DimmCmd.SMART_THRESHOLD,
      DimmCmd.GET_CONFIG_SIZE,
      DimmCmd.GET_CONFIG_DATA,
      DimmCmd.SET_CONFIG_DATA,
      DimmCmd.CALL,
    ])

    const qemu = testDimm({ smart: false }).firmware
    expect(qemu.supportedFunctions).toBe(1 | (1 << 4) | (1 << 5) | (1 << 6))
    expect(maskFunctions(intelDsmMask(qemu.supportedFunctions))).toEqual([
      IntelFn.GET_CONFIG_SIZE,
      IntelFn.GET_CONFIG_DATA,
      IntelFn.SET_CONFIG_DATA,
    ])
    expect(testDimm({ smart: false, labelArea: undefined }).firmware.supportedFunctions).toBe(0)
  })
})

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}
