import { hex, NvdimmError, U64_MAX, u64Json } from '@nvdimm/core'
import { z } from 'zod'
import { type ContinuationOp, MAX_CONTINUATIONS } from './continuations.js'
import { FAULT_RC_LIMIT, FAULT_TIMES_MAX, type HcallFault } from './hcall-faults.js'
import { isScmHcallOpcode } from './hcall-opcodes.js'
import { PERF_STATS_MAX_STATS } from './perf-stats-buffer.js'
import { type ScmBinding, ScmBindingTable } from './scm-bindings.js'
import { DRC_INDEX_MAX, type ScmDevice } from './scm-device.js'

/**
 * What the hypervisor keeps while guest kernels come and go (kexec, a panic, fadump): bindings,
 * per-device health and performance counters, calls in flight with their tokens, injected
 * faults. Plain JSON, u64 as "0x…" strings; the devices themselves are configuration and are
 * passed again to fromJSON().
 */

const MAX_BINDINGS = 65536
const MAX_FAULTS = 1024

const drcIndex = z.number().int().min(0).max(DRC_INDEX_MAX)
const token = u64Json.refine((value) => value !== 0n, 'a continue-token is never 0')

const deviceState = z.strictObject({
  drcIndex,
  /** H_SCM_HEALTH's bitmap (bit 0 = MSB). */
  health: u64Json,
  /** Which bitmap bits are valid. */
  healthValid: u64Json,
  flushPolls: z.number().int().min(0).max(1_000_000),
  perfStats: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[\x20-\x7e]{8}$/, 'a stat id is 8 printable ASCII characters'),
        value: u64Json,
      }),
    )
    .max(PERF_STATS_MAX_STATS),
})

const binding = z.strictObject({ drcIndex, startBlock: u64Json, blockCount: u64Json, address: u64Json })

const continuation = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('bind'),
    token,
    drcIndex,
    startBlock: u64Json,
    blockCount: u64Json,
    target: u64Json,
    address: u64Json,
    done: u64Json,
  }),
  z.strictObject({
    kind: z.literal('unbind-mem'),
    token,
    drcIndex,
    address: u64Json,
    blockCount: u64Json,
    done: u64Json,
  }),
  z.strictObject({ kind: z.literal('unbind-all'), token, scope: z.enum(['all', 'drc']), drcIndex, unbound: u64Json }),
  z.strictObject({ kind: z.literal('flush'), token, drcIndex, pollsLeft: z.number().int().min(0).max(1_000_000) }),
])

const fault = z.strictObject({
  opcode: z.number().int().refine(isScmHcallOpcode, 'not an SCM hcall opcode'),
  rc: z
    .number()
    .int()
    .gt(-Number(FAULT_RC_LIMIT))
    .lt(Number(FAULT_RC_LIMIT))
    .refine((rc) => rc !== 0, 'a fault is a non-zero return code'),
  times: z.number().int().min(1).max(FAULT_TIMES_MAX).optional(),
})

export const paprHypervisorStateSchema = z.strictObject({
  version: z.literal(1),
  /** Continue-tokens handed out so far: a new kernel never gets an old kernel's token. */
  tokensIssued: u64Json,
  /** At most this many blocks are bound or unbound per call; the rest is H_BUSY. */
  blocksPerCall: u64Json.optional(),
  devices: z.array(deviceState).max(DRC_INDEX_MAX),
  bindings: z.array(binding).max(MAX_BINDINGS),
  continuations: z.array(continuation).max(MAX_CONTINUATIONS),
  faults: z.array(fault).max(MAX_FAULTS),
})

export type PaprHypervisorJson = z.input<typeof paprHypervisorStateSchema>
export type PaprHypervisorState = z.output<typeof paprHypervisorStateSchema>
export type ScmDeviceState = PaprHypervisorState['devices'][number]

function invalid(path: string, message: string): never {
  throw new NvdimmError('EINVAL', `papr hypervisor state: ${path}: ${message}`)
}

/** Validate saved state and check it against the devices it is restored with; EINVAL naming the field. */
export function parsePaprHypervisorState(json: unknown, devices: readonly ScmDevice[]): PaprHypervisorState {
  const result = paprHypervisorStateSchema.safeParse(json)
  if (!result.success) {
    const issue = result.error.issues[0]!
    invalid(issue.path.length ? issue.path.join('.') : 'state', issue.message)
  }
  const state = result.data
  const byDrc = new Map(devices.map((device) => [device.drcIndex, device]))
  const known = (drc: number, path: string): ScmDevice =>
    byDrc.get(drc) ?? invalid(path, `no SCM device with DRC index ${hex(drc)}`)

  if (state.blocksPerCall === 0n) invalid('blocksPerCall', 'at least one block per call')
  const seen = new Set<number>()
  state.devices.forEach((device, n) => {
    known(device.drcIndex, `devices.${n}.drcIndex`)
    if (seen.has(device.drcIndex)) invalid(`devices.${n}.drcIndex`, `DRC index ${hex(device.drcIndex)} appears twice`)
    seen.add(device.drcIndex)
    const ids = new Set<string>()
    device.perfStats.forEach((stat, m) => {
      if (ids.has(stat.id)) invalid(`devices.${n}.perfStats.${m}.id`, `stat ${JSON.stringify(stat.id)} appears twice`)
      ids.add(stat.id)
    })
  })

  const table = new ScmBindingTable((drc) => byDrc.get(drc)!.blockSize)
  state.bindings.forEach((entry, n) => {
    checkBinding(entry, known(entry.drcIndex, `bindings.${n}.drcIndex`), `bindings.${n}`)
    if (table.blocksOverlap(entry.drcIndex, entry.startBlock, entry.blockCount)) {
      invalid(`bindings.${n}`, 'blocks bound twice')
    }
    const device = byDrc.get(entry.drcIndex)!
    if (table.addressOverlap(entry.address, entry.blockCount * device.blockSize)) {
      invalid(`bindings.${n}.address`, 'overlaps another binding')
    }
    table.add(entry)
  })

  const tokens = new Set<bigint>()
  state.continuations.forEach((op, n) => {
    const path = `continuations.${n}`
    if (tokens.has(op.token)) invalid(`${path}.token`, 'a token is in flight twice')
    tokens.add(op.token)
    checkContinuation(op, (drc) => known(drc, `${path}.drcIndex`), path)
  })
  return state
}

function checkBinding(entry: ScmBinding, device: ScmDevice, path: string): void {
  if (entry.blockCount === 0n) invalid(`${path}.blockCount`, 'a binding holds at least one block')
  if (entry.startBlock + entry.blockCount > device.blockCount) {
    invalid(`${path}.blockCount`, `past the device's ${device.blockCount} blocks`)
  }
  if (entry.address % device.blockSize !== 0n) invalid(`${path}.address`, 'not aligned to the block size')
  if (entry.address + entry.blockCount * device.blockSize - 1n > U64_MAX) {
    invalid(`${path}.address`, 'the binding wraps past the end of the address space')
  }
}

function checkContinuation(op: ContinuationOp, known: (drc: number) => ScmDevice, path: string): void {
  switch (op.kind) {
    case 'bind': {
      const device = known(op.drcIndex)
      if (op.blockCount === 0n || op.startBlock + op.blockCount > device.blockCount) {
        invalid(`${path}.blockCount`, `outside the device's ${device.blockCount} blocks`)
      }
      if (op.done >= op.blockCount) invalid(`${path}.done`, 'a finished bind is not in flight')
      if (op.address % device.blockSize !== 0n || op.address + op.blockCount * device.blockSize - 1n > U64_MAX) {
        invalid(`${path}.address`, 'not a block-aligned range inside the address space')
      }
      return
    }
    case 'unbind-mem': {
      const device = known(op.drcIndex)
      if (op.blockCount === 0n || op.done >= op.blockCount)
        invalid(`${path}.done`, 'a finished unbind is not in flight')
      if (op.address % device.blockSize !== 0n || op.address + op.blockCount * device.blockSize - 1n > U64_MAX) {
        invalid(`${path}.address`, 'not a block-aligned range inside the address space')
      }
      return
    }
    case 'unbind-all':
      if (op.scope === 'drc') known(op.drcIndex)
      return
    case 'flush':
      known(op.drcIndex)
      return
  }
}

/** Faults as the state stores them (rc as a JSON number). */
export function faultsFromState(state: PaprHypervisorState): HcallFault[] {
  return state.faults.map((entry) =>
    entry.times === undefined
      ? { opcode: entry.opcode, rc: BigInt(entry.rc) }
      : { opcode: entry.opcode, rc: BigInt(entry.rc), times: entry.times },
  )
}
