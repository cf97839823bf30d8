import { hex, NvdimmError, U64_MAX } from '@nvdimm/core'
import { type ContinuationOp, ContinuationTable } from './continuations.js'
import { type HcallFault, HcallFaults, isRetryCode } from './hcall-faults.js'
import {
  BIND_ANY_ADDR,
  H_SCM_BIND_MEM,
  H_SCM_FLUSH,
  H_SCM_HEALTH,
  H_SCM_PERFORMANCE_STATS,
  H_SCM_QUERY_BLOCK_MEM_BINDING,
  H_SCM_QUERY_LOGICAL_MEM_BINDING,
  H_SCM_READ_METADATA,
  H_SCM_UNBIND_ALL,
  H_SCM_UNBIND_MEM,
  H_SCM_WRITE_METADATA,
  H_UNBIND_SCOPE_ALL,
  H_UNBIND_SCOPE_DRC,
  isScmHcallOpcode,
  PLPAR_HCALL9_BUFSIZE,
} from './hcall-opcodes.js'
import {
  badParameter,
  H_BAD_DATA,
  H_BUSY,
  H_FUNCTION,
  H_HARDWARE,
  H_LONG_BUSY_ORDER_10_MSEC,
  H_NOT_AVAILABLE,
  H_NOT_FOUND,
  H_OVERLAP,
  H_P2,
  H_P3,
  H_P4,
  H_P5,
  H_PARAMETER,
  H_PARTIAL,
  H_PRIVILEGE,
  H_SUCCESS,
  H_UNSUPPORTED,
  longBusyCode,
} from './hcall-return-codes.js'
import { PAPR_PMEM_DEFINED_BITS } from './health-bits.js'
import { faultsFromState, type PaprHypervisorJson, parsePaprHypervisorState } from './hypervisor-state.js'
import {
  normalizePerfStatId,
  PAPR_SCM_PERF_STAT_IDS,
  PAPR_SCM_PERF_STATS_EYECATCHER,
  PAPR_SCM_PERF_STATS_VERSION,
  PERF_STAT_MEM_LIFE,
  PERF_STAT_NOOP,
  PERF_STAT_SIZE,
  PERF_STATS_HEADER_SIZE,
  PERF_STATS_MAX_BUFFER,
  PERF_STATS_MAX_STATS,
  type PerfStat,
  perfStatIdValue,
  perfStatsBufferSize,
  readPerfStatId,
  writePerfStatId,
} from './perf-stats-buffer.js'
import { type ScmBinding, ScmBindingTable } from './scm-bindings.js'
import { resolveScmDevices, type ScmDevice, type ScmDeviceConfig } from './scm-device.js'

/** What plpar_hcall9() hands back: the signed status from r3 and r4-r12 as u64. */
export interface HcallResult {
  rc: bigint
  /** Always PLPAR_HCALL9_BUFSIZE values; the ones a call does not set are 0. */
  rets: bigint[]
}

/**
 * The hypervisor as the guest reaches it. `buffer` stands for the guest memory that a
 * buffer-address argument points at (only H_SCM_PERFORMANCE_STATS has one: its request-and-result
 * buffer, args[1], of args[2] bytes); a call whose buffer is missing or too short answers
 * H_PRIVILEGE, as QEMU does when the guest address cannot be accessed.
 */
export interface PaprHcalls {
  hcall(opcode: number, args: readonly bigint[], buffer?: Uint8Array): HcallResult
}

interface DeviceRuntime {
  device: ScmDevice
  health: bigint
  healthValid: bigint
  flushPolls: number
  perfStats: Map<string, bigint>
}

type Registers = readonly bigint[]

const ACCESS_SIZES: ReadonlySet<bigint> = new Set([1n, 2n, 4n, 8n])
const U64_END = 1n << 64n
const I64_MIN = -(1n << 63n)

function answer(rc: bigint, rets: readonly bigint[] = []): HcallResult {
  const out = new Array<bigint>(PLPAR_HCALL9_BUFSIZE).fill(0n)
  rets.forEach((value, n) => (out[n] = value))
  return { rc, rets: out }
}

/** r4-r12 as u64 (a signed value is its two's complement, as `~0ul` is); a bad one is H_Pn. */
function registers(args: readonly bigint[]): Registers | bigint {
  if (!Array.isArray(args)) return H_PARAMETER
  const regs: bigint[] = []
  for (let n = 0; n < PLPAR_HCALL9_BUFSIZE; n++) {
    const value: unknown = args[n]
    if (value === undefined) regs.push(0n)
    else if (typeof value !== 'bigint' || value < I64_MIN || value > U64_MAX) return badParameter(n + 1)
    else regs.push(BigInt.asUintN(64, value))
  }
  return regs
}

/** QEMU keeps only the low 32 bits of a DRC index register (`uint32_t drc_index = args[0]`). */
function drcOf(register: bigint): number {
  return Number(register & 0xffff_ffffn)
}

function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

/**
 * The LPAR's hypervisor for SCM devices, keyed by DRC index: every H_SCM_* hcall of
 * papr_hcalls.rst with QEMU's checks (hw/ppc/spapr_nvdimm.c) and PowerVM's bindings, continuation
 * tokens and fault knobs. It never throws from hcall(): bad input gets a return code.
 *
 * Its state (toJSON) survives the guest kernel: restore it with fromJSON and the same devices to
 * model a kexec, after which H_SCM_BIND_MEM answers H_OVERLAP for the blocks still bound.
 */
export class PaprHypervisor implements PaprHcalls {
  private readonly runtimes = new Map<number, DeviceRuntime>()
  private table: ScmBindingTable
  private continuations = new ContinuationTable()
  private faults = new HcallFaults()
  private stepLimit: bigint | undefined

  constructor(devices: readonly ScmDeviceConfig[]) {
    for (const device of resolveScmDevices(devices)) {
      this.runtimes.set(device.drcIndex, {
        device,
        health: 0n,
        healthValid: PAPR_PMEM_DEFINED_BITS,
        flushPolls: device.config.flushPolls ?? 1,
        perfStats: new Map(PAPR_SCM_PERF_STAT_IDS.map((id) => [id, id === PERF_STAT_MEM_LIFE ? 100n : 0n])),
      })
    }
    this.table = new ScmBindingTable((drc) => this.runtimes.get(drc)!.device.blockSize)
  }

  /** Restore the state toJSON() saved, with the same devices; EINVAL naming the bad field. */
  static fromJSON(json: unknown, devices: readonly ScmDeviceConfig[]): PaprHypervisor {
    const hv = new PaprHypervisor(devices)
    const state = parsePaprHypervisorState(
      json,
      [...hv.runtimes.values()].map((runtime) => runtime.device),
    )
    for (const saved of state.devices) {
      const runtime = hv.runtimes.get(saved.drcIndex)!
      runtime.health = saved.health
      runtime.healthValid = saved.healthValid
      runtime.flushPolls = saved.flushPolls
      runtime.perfStats = new Map(saved.perfStats.map((stat) => [stat.id, stat.value]))
    }
    for (const binding of state.bindings) hv.table.add(binding)
    hv.continuations = new ContinuationTable(state.tokensIssued, state.continuations)
    hv.faults = new HcallFaults(faultsFromState(state))
    hv.stepLimit = state.blocksPerCall
    return hv
  }

  toJSON(): PaprHypervisorJson {
    return {
      version: 1,
      tokensIssued: hex(this.continuations.issued),
      ...(this.stepLimit !== undefined && { blocksPerCall: hex(this.stepLimit) }),
      devices: [...this.runtimes.values()].map((runtime) => ({
        drcIndex: runtime.device.drcIndex,
        health: hex(runtime.health),
        healthValid: hex(runtime.healthValid),
        flushPolls: runtime.flushPolls,
        perfStats: [...runtime.perfStats].map(([id, value]) => ({ id, value: hex(value) })),
      })),
      bindings: this.table.all().map((binding) => ({
        drcIndex: binding.drcIndex,
        startBlock: hex(binding.startBlock),
        blockCount: hex(binding.blockCount),
        address: hex(binding.address),
      })),
      continuations: this.continuations.list().map(continuationJson),
      faults: this.faults.list().map((fault) => ({
        opcode: fault.opcode,
        rc: Number(fault.rc),
        ...(fault.times !== undefined && { times: fault.times }),
      })),
    }
  }

  hcall(opcode: number, args: readonly bigint[], buffer?: Uint8Array): HcallResult {
    try {
      if (!Number.isInteger(opcode) || !isScmHcallOpcode(opcode)) return answer(H_FUNCTION)
      const regs = registers(args)
      if (typeof regs === 'bigint') return answer(regs)
      switch (opcode) {
        case H_SCM_READ_METADATA:
          return this.readMetadata(regs)
        case H_SCM_WRITE_METADATA:
          return this.writeMetadata(regs)
        case H_SCM_BIND_MEM:
          return this.bindMem(regs)
        case H_SCM_UNBIND_MEM:
          return this.unbindMem(regs)
        case H_SCM_QUERY_BLOCK_MEM_BINDING:
          return this.queryBlockMemBinding(regs)
        case H_SCM_QUERY_LOGICAL_MEM_BINDING:
          return this.queryLogicalMemBinding(regs)
        case H_SCM_UNBIND_ALL:
          return this.unbindAll(regs)
        case H_SCM_HEALTH:
          return this.scmHealth(regs)
        case H_SCM_PERFORMANCE_STATS:
          return this.performanceStats(regs, buffer)
        case H_SCM_FLUSH:
          return this.flush(regs)
      }
    } catch {
      // The label area or the backing store failed underneath: a hardware error to the guest.
      return answer(H_HARDWARE)
    }
  }

  // --- the hcalls -------------------------------------------------------------------------------

  /** (drc, offset, len) → r4 = the bytes as a big-endian number. */
  private readMetadata(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const [offset, len] = [r[1]!, r[2]!]
    if (!ACCESS_SIZES.has(len)) return answer(H_P3)
    if (offset + len > runtime.device.metadata.size) return answer(H_P2)
    const fault = this.faults.take(H_SCM_READ_METADATA)
    if (fault !== undefined) return answer(fault)
    const bytes = new Uint8Array(Number(len))
    runtime.device.metadata.read(offset, bytes)
    return answer(H_SUCCESS, [bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n)])
  }

  /** (drc, offset, data, len): data's low len bytes, stored big-endian. */
  private writeMetadata(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const [offset, data, len] = [r[1]!, r[2]!, r[3]!]
    if (!ACCESS_SIZES.has(len)) return answer(H_P4)
    if (offset + len > runtime.device.metadata.size || runtime.device.config.readOnly) return answer(H_P2)
    if (data >> (8n * len) !== 0n) return answer(H_P2)
    const fault = this.faults.take(H_SCM_WRITE_METADATA)
    if (fault !== undefined) return answer(fault)
    const bytes = new Uint8Array(Number(len))
    for (let n = bytes.length - 1, value = data; n >= 0; n--, value >>= 8n) bytes[n] = Number(value & 0xffn)
    runtime.device.metadata.write(offset, bytes)
    return answer(H_SUCCESS)
  }

  /**
   * (drc, startingBlock, blocks, target, token) → (token, address, blocks bound). A target of
   * BIND_ANY_ADDR lets the hypervisor place the blocks in the device's window; a target must be
   * block aligned (H_P4). Blocks or addresses already bound: H_OVERLAP.
   */
  private bindMem(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const { device } = runtime
    const [startBlock, blockCount, target, token] = [r[1]!, r[2]!, r[3]!, r[4]!]
    let op = token === 0n ? undefined : this.continuations.find(token, 'bind')
    if (token !== 0n) {
      if (
        !op ||
        op.drcIndex !== device.drcIndex ||
        op.startBlock !== startBlock ||
        op.blockCount !== blockCount ||
        op.target !== target
      ) {
        return answer(H_P5)
      }
    } else {
      // QEMU: a start past the end is H_P2, a count that overflows or runs past it H_P3. An empty
      // bind is H_P3 here too (QEMU lets it through as a no-op).
      if (startBlock > device.blockCount) return answer(H_P2)
      if (blockCount === 0n || startBlock + blockCount > device.blockCount) return answer(H_P3)
      const length = blockCount * device.blockSize
      let address = device.windowStart + startBlock * device.blockSize
      if (target !== BIND_ANY_ADDR) {
        if (target % device.blockSize !== 0n || target + length > U64_END) return answer(H_P4)
        address = target
      }
      if (this.blocksBusy(device.drcIndex, startBlock, blockCount) || this.addressBusy(address, length)) {
        return answer(H_OVERLAP)
      }
      const fresh = { kind: 'bind' as const, drcIndex: device.drcIndex, startBlock, blockCount, target, address }
      op = { ...fresh, token: 0n, done: 0n }
    }

    const fault = this.faults.take(H_SCM_BIND_MEM)
    if (fault !== undefined && !isRetryCode(fault)) return answer(fault)
    if (op.token === 0n && (fault !== undefined || this.takesSteps(op.blockCount))) {
      const { token: _, ...fresh } = op
      op = this.continuations.open(fresh)
      if (!op) return answer(H_HARDWARE)
    }
    if (fault !== undefined) return answer(fault, [op.token, op.address, op.done])

    const step = bigMin(op.blockCount - op.done, this.stepLimit ?? op.blockCount)
    this.table.add({
      drcIndex: op.drcIndex,
      startBlock: op.startBlock + op.done,
      blockCount: step,
      address: op.address + op.done * device.blockSize,
    })
    op.done += step
    if (op.done < op.blockCount) return answer(H_BUSY, [op.token, op.address, op.done])
    this.continuations.close(op.token)
    return answer(H_SUCCESS, [0n, op.address, op.blockCount])
  }

  /** (drc, address, blocks, token) → (token, blocks unbound). The range must be bound to the device. */
  private unbindMem(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const { device } = runtime
    const [address, blockCount, token] = [r[1]!, r[2]!, r[3]!]
    let op = token === 0n ? undefined : this.continuations.find(token, 'unbind-mem')
    if (token !== 0n) {
      // QEMU checks the token (its fourth parameter) before anything else: H_P4.
      if (!op || op.drcIndex !== device.drcIndex || op.address !== address || op.blockCount !== blockCount) {
        return answer(H_P4)
      }
    } else {
      if (address % device.blockSize !== 0n) return answer(H_P2)
      if (blockCount === 0n || address + blockCount * device.blockSize > U64_END) return answer(H_P3)
      if (!this.table.covers(device.drcIndex, address, blockCount)) return answer(H_P3)
      op = { kind: 'unbind-mem', token: 0n, drcIndex: device.drcIndex, address, blockCount, done: 0n }
    }

    const fault = this.faults.take(H_SCM_UNBIND_MEM)
    if (fault !== undefined && !isRetryCode(fault)) return answer(fault)
    if (op.token === 0n && (fault !== undefined || this.takesSteps(op.blockCount))) {
      const { token: _, ...fresh } = op
      op = this.continuations.open(fresh)
      if (!op) return answer(H_HARDWARE)
    }
    if (fault !== undefined) return answer(fault, [op.token, op.done])

    const step = bigMin(op.blockCount - op.done, this.stepLimit ?? op.blockCount)
    this.table.removeAddressRange(op.drcIndex, op.address + op.done * device.blockSize, step)
    op.done += step
    if (op.done < op.blockCount) return answer(H_BUSY, [op.token, op.done])
    this.continuations.close(op.token)
    return answer(H_SUCCESS, [0n, op.blockCount])
  }

  /** (drc, block) → r4 = the logical address the block is bound at; H_NOT_FOUND when unbound. */
  private queryBlockMemBinding(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const block = r[1]!
    if (block >= runtime.device.blockCount) return answer(H_P2)
    const fault = this.faults.take(H_SCM_QUERY_BLOCK_MEM_BINDING)
    if (fault !== undefined) return answer(fault)
    const address = this.table.blockAddress(runtime.device.drcIndex, block)
    return address === undefined ? answer(H_NOT_FOUND) : answer(H_SUCCESS, [address])
  }

  /** (address) → (drc, block) holding it; H_NOT_FOUND when nothing is bound there. */
  private queryLogicalMemBinding(r: Registers): HcallResult {
    const fault = this.faults.take(H_SCM_QUERY_LOGICAL_MEM_BINDING)
    if (fault !== undefined) return answer(fault)
    const found = this.table.atAddress(r[0]!)
    return found ? answer(H_SUCCESS, [BigInt(found.drcIndex), found.block]) : answer(H_NOT_FOUND)
  }

  /**
   * (scope, drc, token) → (token, blocks unbound). Scope DRC unbinds one device (an unknown one is
   * H_P2), scope ALL every device; binds still in flight there are cancelled. A wrong token is
   * H_P3, the token being the third parameter (QEMU answers H_P4).
   */
  private unbindAll(r: Registers): HcallResult {
    const [scopeArg, drcArg, token] = [r[0]!, r[1]!, r[2]!]
    const scope = scopeArg === H_UNBIND_SCOPE_DRC ? 'drc' : scopeArg === H_UNBIND_SCOPE_ALL ? 'all' : undefined
    let op = token === 0n ? undefined : this.continuations.find(token, 'unbind-all')
    if (token !== 0n) {
      if (!op || op.scope !== scope || (scope === 'drc' && op.drcIndex !== drcOf(drcArg))) return answer(H_P3)
    } else {
      if (scope === undefined) return answer(H_PARAMETER)
      if (scope === 'drc' && !this.runtime(drcArg)) return answer(H_P2)
      op = { kind: 'unbind-all', token: 0n, scope, drcIndex: scope === 'drc' ? drcOf(drcArg) : 0, unbound: 0n }
    }
    const which = op.scope === 'drc' ? op.drcIndex : undefined

    const fault = this.faults.take(H_SCM_UNBIND_ALL)
    if (fault !== undefined && !isRetryCode(fault)) return answer(fault)
    if (op.token === 0n) {
      this.continuations.drop(
        (pending) => pending.kind === 'bind' && (which === undefined || pending.drcIndex === which),
      )
      if (fault !== undefined || this.takesSteps(this.table.remaining(which))) {
        const { token: _, ...fresh } = op
        op = this.continuations.open(fresh)
        if (!op) return answer(H_HARDWARE)
      }
    }
    if (fault !== undefined) return answer(fault, [op.token, op.unbound])

    op.unbound += this.table.removeBlocks(which, this.stepLimit ?? U64_MAX)
    if (this.table.remaining(which) > 0n) return answer(H_BUSY, [op.token, op.unbound])
    this.continuations.close(op.token)
    return answer(H_SUCCESS, [0n, op.unbound])
  }

  /** (drc) → (health bitmap, valid-bits mask), bits numbered from the MSB. */
  private scmHealth(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const fault = this.faults.take(H_SCM_HEALTH)
    if (fault !== undefined) return answer(fault)
    return answer(H_SUCCESS, [runtime.health, runtime.healthValid])
  }

  /**
   * (drc, buffer address, size). Size 0 asks how big a buffer all the device's statistics need
   * (r4). Otherwise the request-and-result buffer names the statistics wanted (none: all of them)
   * and gets their values; an unknown id becomes "NoopStat" and the call answers H_PARTIAL with
   * the first unknown id in r4 (QEMU's RFC, papr_scm's drc_pmem_query_stats()).
   */
  private performanceStats(r: Registers, buffer: Uint8Array | undefined): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    if (runtime.device.config.perfStats === false) return answer(H_UNSUPPORTED)
    const fault = this.faults.take(H_SCM_PERFORMANCE_STATS)
    if (fault !== undefined) return answer(fault)
    const size = r[2]!
    if (size === 0n) return answer(H_SUCCESS, [BigInt(perfStatsBufferSize(runtime.perfStats.size))])
    if (size < BigInt(PERF_STATS_HEADER_SIZE)) return answer(H_BAD_DATA)
    if (size > BigInt(PERF_STATS_MAX_BUFFER)) return answer(H_P3)
    if (!(buffer instanceof Uint8Array) || BigInt(buffer.length) < size) return answer(H_PRIVILEGE)

    const rr = buffer.subarray(0, Number(size))
    const view = new DataView(rr.buffer, rr.byteOffset, rr.byteLength)
    if (readPerfStatId(rr, 0) !== PAPR_SCM_PERF_STATS_EYECATCHER) return answer(H_BAD_DATA)
    if (view.getUint32(8) !== PAPR_SCM_PERF_STATS_VERSION) return answer(H_NOT_AVAILABLE)
    const requested = view.getUint32(12)
    if (requested > PERF_STATS_MAX_STATS) return answer(H_P3)
    const count = requested === 0 ? runtime.perfStats.size : requested
    if (BigInt(perfStatsBufferSize(count)) > size) return answer(H_P3)

    const all = [...runtime.perfStats]
    let unknown: bigint | undefined
    for (let n = 0; n < count; n++) {
      const at = PERF_STATS_HEADER_SIZE + n * PERF_STAT_SIZE
      let value: bigint | undefined
      if (requested === 0) {
        const [id, stat] = all[n]!
        writePerfStatId(rr, at, id)
        value = stat
      } else {
        const id = readPerfStatId(rr, at)
        value = id === PERF_STAT_NOOP ? 0n : runtime.perfStats.get(id)
        if (value === undefined) {
          unknown ??= perfStatIdValue(id)
          writePerfStatId(rr, at, PERF_STAT_NOOP)
          value = 0n
        }
      }
      view.setBigUint64(at + 8, value)
    }
    view.setUint32(12, count)
    return unknown === undefined ? answer(H_SUCCESS) : answer(H_PARTIAL, [unknown])
  }

  /**
   * (drc, token) → token. A device without `ibm,hcall-flush-required` answers H_UNSUPPORTED. A
   * flush answers H_LONG_BUSY_ORDER_10_MSEC with its token `flushPolls` times, then H_SUCCESS once
   * the label area and the storage are synced (QEMU's thread-pool fdatasync). A token that is not
   * a flush of this device is H_P2.
   */
  private flush(r: Registers): HcallResult {
    const runtime = this.runtime(r[0]!)
    if (!runtime) return answer(H_PARAMETER)
    const token = r[1]!
    let op = token === 0n ? undefined : this.continuations.find(token, 'flush')
    if (token !== 0n) {
      if (!op || op.drcIndex !== runtime.device.drcIndex) return answer(H_P2)
    } else if (!runtime.device.config.hcallFlushRequired) {
      return answer(H_UNSUPPORTED)
    }

    const fault = this.faults.take(H_SCM_FLUSH)
    if (fault !== undefined && !isRetryCode(fault)) return answer(fault)
    if (!op && (fault !== undefined || runtime.flushPolls > 0)) {
      op = this.continuations.open({ kind: 'flush', drcIndex: runtime.device.drcIndex, pollsLeft: runtime.flushPolls })
      if (!op) return answer(H_HARDWARE)
    }
    if (fault !== undefined) return answer(fault, [op!.token])
    if (op && op.pollsLeft > 0) {
      op.pollsLeft -= 1
      return answer(H_LONG_BUSY_ORDER_10_MSEC, [op.token])
    }
    if (op) this.continuations.close(op.token)
    runtime.device.metadata.sync()
    runtime.device.config.storage?.sync()
    return answer(H_SUCCESS)
  }

  // --- knobs ------------------------------------------------------------------------------------

  /** The next `times` calls of `opcode` answer H_BUSY (a continuation keeps its token). */
  busy(opcode: number, times = 1): void {
    this.faults.inject(opcode, H_BUSY, times)
  }

  /** The next `times` calls answer H_LONG_BUSY_ORDER_*: order 0..5 hints 1 ms .. 100 s. */
  longBusy(opcode: number, order: number, times = 1): void {
    if (!Number.isInteger(order) || order < 0 || order > 5) {
      throw new NvdimmError('EINVAL', `a long-busy order is 0..5 (1 ms .. 100 s), not ${order}`)
    }
    this.faults.inject(opcode, longBusyCode(order), times)
  }

  /** H_HARDWARE for the next `times` calls, or for every call until clearFaults(). */
  hardwareError(opcode: number, times?: number): void {
    this.faults.inject(opcode, H_HARDWARE, times)
  }

  /** Any return code (H_IN_USE, H_AUTHORITY, …) for the next `times` calls, or until cleared. */
  injectReturn(opcode: number, rc: bigint, times?: number): void {
    this.faults.inject(opcode, rc, times)
  }

  clearFaults(opcode?: number): void {
    this.faults.clear(opcode)
  }

  pendingFaults(): HcallFault[] {
    return this.faults.list()
  }

  /**
   * Bind blocks as a previous kernel would have (BIND_ANY_ADDR) and never unbind them: what a
   * kexec, a panic or an LPAR fadump leaves behind. Returns the address; EBUSY when already bound.
   */
  leaveBinding(drcIndex: number, startBlock = 0n, blockCount?: bigint): bigint {
    const { device } = this.knob(drcIndex)
    const count = blockCount ?? device.blockCount - startBlock
    if (startBlock < 0n || count < 1n || startBlock + count > device.blockCount) {
      throw new NvdimmError(
        'EINVAL',
        `blocks ${startBlock}+${count} are outside DRC ${hex(drcIndex)}'s ${device.blockCount}`,
      )
    }
    const address = device.windowStart + startBlock * device.blockSize
    if (this.blocksBusy(drcIndex, startBlock, count) || this.addressBusy(address, count * device.blockSize)) {
      throw new NvdimmError('EBUSY', `blocks ${startBlock}+${count} of DRC ${hex(drcIndex)} are already bound`)
    }
    this.table.add({ drcIndex, startBlock, blockCount: count, address })
    return address
  }

  /** At most `blocks` blocks are bound or unbound per call, the rest after H_BUSY; undefined: no limit. */
  setBlocksPerCall(blocks: bigint | undefined): void {
    if (blocks !== undefined && (blocks < 1n || blocks > U64_MAX)) {
      throw new NvdimmError('EINVAL', `blocks per call is at least 1, not ${blocks}`)
    }
    this.stepLimit = blocks
  }

  /** Assert health bits (PAPR_PMEM_*). */
  setHealth(drcIndex: number, bits: bigint): void {
    const runtime = this.knob(drcIndex)
    runtime.health |= u64Bits(bits)
  }

  clearHealth(drcIndex: number, bits: bigint): void {
    const runtime = this.knob(drcIndex)
    runtime.health &= ~u64Bits(bits)
  }

  /** Which bits H_SCM_HEALTH reports as valid (default: bits 0-9; QEMU: only UNARMED). */
  setHealthValid(drcIndex: number, mask: bigint): void {
    this.knob(drcIndex).healthValid = u64Bits(mask)
  }

  health(drcIndex: number): { bitmap: bigint; valid: bigint } {
    const runtime = this.knob(drcIndex)
    return { bitmap: runtime.health, valid: runtime.healthValid }
  }

  /** Set a performance statistic ("MemLife" is padded to "MemLife "); a new id is added after the others. */
  setPerfStat(drcIndex: number, id: string, value: bigint): void {
    const runtime = this.knob(drcIndex)
    const key = normalizePerfStatId(id)
    if (key === PERF_STAT_NOOP) throw new NvdimmError('EINVAL', `"${PERF_STAT_NOOP}" is the hypervisor's placeholder`)
    if (!runtime.perfStats.has(key) && runtime.perfStats.size >= PERF_STATS_MAX_STATS) {
      throw new NvdimmError('ENOSPC', `DRC ${hex(drcIndex)} already has ${PERF_STATS_MAX_STATS} performance stats`)
    }
    runtime.perfStats.set(key, u64Bits(value))
  }

  perfStats(drcIndex: number): PerfStat[] {
    return [...this.knob(drcIndex).perfStats].map(([id, value]) => ({ id, value }))
  }

  /** How many H_SCM_FLUSH calls answer long-busy before a new flush completes. */
  setFlushPolls(drcIndex: number, polls: number): void {
    if (!Number.isInteger(polls) || polls < 0 || polls > 1_000_000) {
      throw new NvdimmError('EINVAL', `flush polls are 0..1000000, not ${polls}`)
    }
    this.knob(drcIndex).flushPolls = polls
  }

  // --- inspection -------------------------------------------------------------------------------

  bindings(drcIndex?: number): ScmBinding[] {
    return drcIndex === undefined ? [...this.table.all()] : this.table.of(drcIndex)
  }

  /** Calls in flight, with their continue-tokens. */
  inFlight(): ContinuationOp[] {
    return this.continuations.list()
  }

  device(drcIndex: number): ScmDevice | undefined {
    return this.runtimes.get(drcIndex)?.device
  }

  get devices(): ScmDevice[] {
    return [...this.runtimes.values()].map((runtime) => runtime.device)
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** Whether moving `blocks` blocks needs more than one call, so a continue-token. */
  private takesSteps(blocks: bigint): boolean {
    return this.stepLimit !== undefined && blocks > this.stepLimit
  }

  private runtime(register: bigint): DeviceRuntime | undefined {
    return this.runtimes.get(drcOf(register))
  }

  private knob(drcIndex: number): DeviceRuntime {
    const runtime = this.runtimes.get(drcIndex)
    if (!runtime) throw new NvdimmError('ENODEV', `no SCM device with DRC index ${hex(drcIndex)}`)
    return runtime
  }

  /** Bound, or reserved by a bind in flight. */
  private blocksBusy(drcIndex: number, startBlock: bigint, blockCount: bigint): boolean {
    if (this.table.blocksOverlap(drcIndex, startBlock, blockCount)) return true
    return this.pendingBinds().some(
      (op) =>
        op.drcIndex === drcIndex &&
        startBlock < op.startBlock + op.blockCount &&
        op.startBlock < startBlock + blockCount,
    )
  }

  private addressBusy(address: bigint, length: bigint): boolean {
    if (this.table.addressOverlap(address, length)) return true
    return this.pendingBinds().some((op) => {
      const size = op.blockCount * this.runtimes.get(op.drcIndex)!.device.blockSize
      return address < op.address + size && op.address < address + length
    })
  }

  private pendingBinds(): Extract<ContinuationOp, { kind: 'bind' }>[] {
    return this.continuations.list().filter((op) => op.kind === 'bind')
  }
}

function u64Bits(value: bigint): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new NvdimmError('EINVAL', `${String(value)} is not a u64`)
  }
  return value
}

function continuationJson(op: ContinuationOp): PaprHypervisorJson['continuations'][number] {
  const json: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(op)) json[key] = typeof value === 'bigint' ? hex(value) : value
  return json as PaprHypervisorJson['continuations'][number]
}
