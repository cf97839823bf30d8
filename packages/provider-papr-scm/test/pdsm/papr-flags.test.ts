import { describe, expect, it } from 'vitest'
import {
  paprFirmwareFlags,
  paprFlagsText,
  PaprPmemHealth,
  PaprScmDimmHealth,
  parsePaprFlags,
  readPaprFlags,
} from '../../src/pdsm/index.js'
import { FakeClock, FakeScmHealth } from './fake-hypervisor.js'

const B = PaprPmemHealth

describe('nmemN/papr/flags (flags_show)', () => {
  it('prints nothing for a healthy dimm', () => {
    expect(paprFlagsText(0n)).toBe('')
    expect(paprFlagsText(B.SHUTDOWN_CLEAN | B.HEALTH_NON_CRITICAL)).toBe('')
  })

  it('prints every word followed by a space, in the driver order, then a newline', () => {
    const all = Object.values(B).reduce((a, b) => a | b)
    expect(paprFlagsText(all)).toBe('not_armed flush_fail restore_fail encrypted smart_notify scrubbed locked \n')
    expect(paprFlagsText(B.HEALTH_UNHEALTHY)).toBe('not_armed smart_notify \n')
  })
})

describe('parse_papr_flags', () => {
  it("maps the words libndctl knows to ndctl's flags, in JSON order", () => {
    expect(parsePaprFlags('smart_notify not_armed flush_fail restore_fail save_fail \n')).toEqual([
      'failed_save',
      'failed_arm',
      'failed_restore',
      'failed_flush',
      'smart_event',
    ])
  })

  it('skips words it does not know and a last word with no space after it', () => {
    expect(parsePaprFlags('encrypted scrubbed locked \n')).toEqual([])
    expect(parsePaprFlags('smart_event map_fail \n')).toEqual([])
    expect(parsePaprFlags('not_armed')).toEqual([])
    expect(parsePaprFlags('not_armed\n')).toEqual([])
    expect(parsePaprFlags('flush_fail not_armed')).toEqual(['failed_flush'])
  })
})

describe('paprFirmwareFlags', () => {
  const cases: [keyof typeof B, string[]][] = [
    ['UNARMED', ['failed_arm']],
    ['SHUTDOWN_DIRTY', ['failed_flush']],
    ['SHUTDOWN_CLEAN', []],
    ['EMPTY', ['failed_restore']],
    ['HEALTH_CRITICAL', ['smart_event']],
    ['HEALTH_FATAL', ['smart_event']],
    ['HEALTH_UNHEALTHY', ['failed_arm', 'smart_event']],
    ['HEALTH_NON_CRITICAL', []],
    ['ENCRYPTED', []],
    ['SCRUBBED_AND_LOCKED', []],
  ]
  for (const [bit, flags] of cases) {
    it(`shows ${bit} as ${flags.join(', ') || 'nothing'}`, () => {
      expect(paprFirmwareFlags(B[bit])).toEqual(flags)
    })
  }

  it('reads the attribute through the 60 s cache', async () => {
    const phyp = new FakeScmHealth()
    const time = new FakeClock()
    const state = new PaprScmDimmHealth({ source: phyp, clock: time.clock })
    phyp.bitmap = B.EMPTY
    expect(await readPaprFlags(state)).toBe('restore_fail \n')
    phyp.bitmap = 0n
    time.now = 30_000
    expect(await readPaprFlags(state)).toBe('restore_fail \n')
    time.now = 60_001
    expect(await readPaprFlags(state)).toBe('')
  })
})
