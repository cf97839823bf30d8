import { decodeCmdPkg, DimmFamily, encodeCmdPkg, ERRNO } from '@nvdimm/core'
import { describe, expect, it } from 'vitest'
import {
  decodePdsmHeader,
  decodePdsmHealth,
  decodePdsmSmartInject,
  encodePdsmPkg,
  encodePdsmRequest,
  encodePdsmSmartInject,
  PaprPdsm,
  PaprPmemHealth,
  PaprScmDimmHealth,
  servePdsm,
} from '../../src/pdsm/index.js'
import { FakeScmHealth } from './fake-hypervisor.js'

function setup() {
  const phyp = new FakeScmHealth()
  const state = new PaprScmDimmHealth({ source: phyp, dirtyShutdownCounter: 9n })
  return { phyp, state }
}

function envelope(options: { family?: number; command?: number; input?: Uint8Array; outputSize?: number }) {
  return encodeCmdPkg({
    family: options.family ?? DimmFamily.PAPR,
    command: options.command ?? PaprPdsm.HEALTH,
    input: options.input ?? new Uint8Array(0),
    outputSize: options.outputSize ?? 192,
  })
}

const fwSizeOf = (bytes: Uint8Array) => decodeCmdPkg(bytes).fwSize
const pdsmOf = (bytes: Uint8Array) => bytes.subarray(64)

describe('servePdsm: PAPR_PDSM_HEALTH', () => {
  it('answers in the output room: cmd_status 0, nd_fw_size 8 + 184, the payload', async () => {
    const { phyp, state } = setup()
    phyp.bitmap = PaprPmemHealth.HEALTH_CRITICAL
    const request = encodePdsmRequest(PaprPdsm.HEALTH)
    const result = await servePdsm(state, request)
    expect(result.rc).toBe(0)
    expect(result.cmdRc).toBe(0)
    expect(result.output).toHaveLength(64 + 192)
    expect(fwSizeOf(result.output)).toBe(192)
    expect(decodePdsmHeader(pdsmOf(result.output)).cmdStatus).toBe(0)
    expect(decodePdsmHealth(pdsmOf(result.output).subarray(8))).toMatchObject({
      dimmHealth: 2,
      extensionFlags: 2,
      dimmDsc: 9n,
    })
    // The caller's buffer is left alone; the answer is a copy.
    expect(request.subarray(64).every((byte) => byte === 0)).toBe(true)
  })

  it('reports a failed H_SCM_HEALTH in cmd_status, not in the transport result', async () => {
    const { phyp, state } = setup()
    phyp.failure = new Error('H_HARDWARE')
    const result = await servePdsm(state, encodePdsmRequest(PaprPdsm.HEALTH))
    expect(result.rc).toBe(0)
    expect(result.cmdRc).toBe(-ERRNO.ENXIO)
    expect(decodePdsmHeader(pdsmOf(result.output)).cmdStatus).toBe(-ERRNO.ENXIO)
    expect(fwSizeOf(result.output)).toBe(8)
  })

  it('does not check nd_size_in: the pdsm sits at nd_payload, spanning input and output', async () => {
    const { state } = setup()
    const result = await servePdsm(state, envelope({ input: new Uint8Array(16) }))
    expect(result).toMatchObject({ rc: 0, cmdRc: 0 })
    expect(result.output).toHaveLength(64 + 16 + 192)
    expect(decodePdsmHealth(pdsmOf(result.output).subarray(8)).extensionFlags).toBe(2)
  })

  it('answers exactly the envelope when the buffer is longer', async () => {
    const { state } = setup()
    const padded = new Uint8Array(400)
    padded.set(encodePdsmRequest(PaprPdsm.HEALTH))
    expect((await servePdsm(state, padded)).output).toHaveLength(256)
  })
})

describe('servePdsm: PAPR_PDSM_SMART_INJECT', () => {
  it('reads the request from the input room and writes back only the flags it acted on', async () => {
    const { state } = setup()
    const payload = encodePdsmSmartInject({ flags: 0x7, fatalEnable: 1, unsafeShutdownEnable: 5 })
    const result = await servePdsm(state, encodePdsmRequest(PaprPdsm.SMART_INJECT, payload))
    expect(result).toMatchObject({ rc: 0, cmdRc: 0 })
    expect(result.output).toHaveLength(64 + 192 + 192)
    expect(fwSizeOf(result.output)).toBe(192)
    expect(decodePdsmSmartInject(pdsmOf(result.output).subarray(8))).toEqual({
      flags: 3,
      fatalEnable: 1,
      unsafeShutdownEnable: 5,
    })
    expect(state.injectMask).toBe(PaprPmemHealth.HEALTH_FATAL | PaprPmemHealth.SHUTDOWN_DIRTY)
  })
})

describe('servePdsm: what is_cmd_valid() refuses (rc -EINVAL, nothing back)', () => {
  const withReservedWord = () => {
    const bytes = encodePdsmRequest(PaprPdsm.HEALTH)
    bytes[24 + 4 * 3] = 1
    return bytes
  }
  const cases: [string, () => Uint8Array][] = [
    ['fewer bytes than the nd_cmd_pkg header', () => new Uint8Array(63)],
    ['sizes past the end of the buffer', () => encodePdsmRequest(PaprPdsm.HEALTH).subarray(0, 200)],
    ['a non-zero nd_reserved2 word', withReservedWord],
    ['the Intel family', () => envelope({ family: DimmFamily.INTEL })],
    ['an unknown family', () => envelope({ family: 6 })],
    ['PAPR_PDSM_MIN', () => envelope({ command: PaprPdsm.MIN })],
    ['PAPR_PDSM_MAX', () => envelope({ command: PaprPdsm.MAX })],
    ['an unknown PDSM', () => envelope({ command: 0x40 })],
    ['fewer than 64 + 8 bytes in all', () => envelope({ input: new Uint8Array(4), outputSize: 3 })],
    ['nd_size_out under the PDSM header', () => envelope({ input: new Uint8Array(192), outputSize: 4 })],
  ]
  for (const [what, build] of cases) {
    it(`refuses ${what}`, async () => {
      const { phyp, state } = setup()
      const result = await servePdsm(state, build())
      expect(result).toEqual({ rc: -ERRNO.EINVAL, cmdRc: 0, output: new Uint8Array(0) })
      expect(phyp.healthCalls).toBe(0)
    })
  }
})

describe('servePdsm: what papr_scm_service_pdsm() refuses (rc 0, cmd_rc -EINVAL, envelope unchanged)', () => {
  const withPdsmReserved = () => {
    const bytes = encodePdsmRequest(PaprPdsm.HEALTH)
    bytes[64 + 6] = 1
    return bytes
  }
  const injectPayload = () => encodePdsmSmartInject({ flags: 1, fatalEnable: 1, unsafeShutdownEnable: 0 })
  const cases: [string, () => Uint8Array][] = [
    ['a non-zero PDSM reserved word', withPdsmReserved],
    ['a short health payload', () => envelope({ outputSize: 8 + 100 })],
    ['a health payload larger than 184 bytes', () => envelope({ outputSize: 8 + 200 })],
    ['an inject without its input', () => envelope({ command: PaprPdsm.SMART_INJECT })],
    [
      'an inject input larger than 8 + 184',
      () =>
        envelope({
          command: PaprPdsm.SMART_INJECT,
          input: Uint8Array.from([...encodePdsmPkg({ cmdStatus: 0, reserved: [0, 0] }, injectPayload()), 0]),
        }),
    ],
    [
      'an inject with no room for its answer',
      () =>
        envelope({
          command: PaprPdsm.SMART_INJECT,
          input: encodePdsmPkg({ cmdStatus: 0, reserved: [0, 0] }, injectPayload()),
          outputSize: 8,
        }),
    ],
  ]
  for (const [what, build] of cases) {
    it(`refuses ${what}`, async () => {
      const { phyp, state } = setup()
      const request = build()
      const result = await servePdsm(state, request)
      expect(result.rc).toBe(0)
      expect(result.cmdRc).toBe(-ERRNO.EINVAL)
      expect(result.output).toEqual(request)
      expect(phyp.healthCalls).toBe(0)
      expect(state.injectMask).toBe(0n)
    })
  }
})
