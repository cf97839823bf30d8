/**
 * Hcalls the hypervisor may not finish in one go (bind, unbind, flush) hand back an opaque
 * continue-token with H_BUSY / H_LONG_BUSY_*; the guest passes it back until the call completes
 * (Documentation/arch/powerpc/papr_hcalls.rst). A token only continues the call that issued it:
 * anything else is a bad parameter.
 */

export type ContinuationOp =
  | {
      kind: 'bind'
      token: bigint
      drcIndex: number
      startBlock: bigint
      blockCount: bigint
      /** The target address as the guest asked (BIND_ANY_ADDR or an address). */
      target: bigint
      /** Where block startBlock lands. */
      address: bigint
      /** Blocks bound so far. */
      done: bigint
    }
  | { kind: 'unbind-mem'; token: bigint; drcIndex: number; address: bigint; blockCount: bigint; done: bigint }
  | { kind: 'unbind-all'; token: bigint; scope: 'all' | 'drc'; drcIndex: number; unbound: bigint }
  | { kind: 'flush'; token: bigint; drcIndex: number; pollsLeft: number }

type WithoutToken<Op> = Op extends unknown ? Omit<Op, 'token'> : never

/** A call about to be tracked: the table hands it its token. */
export type NewContinuationOp = WithoutToken<ContinuationOp>

/** At most this many calls in flight; past it the hypervisor refuses new ones (QEMU: H_HARDWARE when a flush state cannot be allocated). */
export const MAX_CONTINUATIONS = 256

// An odd multiplier permutes u64: every counter value gets its own token (only counter 0 maps
// to 0), and the guest cannot guess one from another.
const TOKEN_MIX = 0x9e37_79b9_7f4a_7c15n
const U64_MASK = (1n << 64n) - 1n

export function continuationToken(counter: bigint): bigint {
  return (counter * TOKEN_MIX) & U64_MASK
}

export class ContinuationTable {
  private readonly ops = new Map<bigint, ContinuationOp>()

  /** `counter` is how many tokens were handed out before: tokens are never reused, across kexec too. */
  constructor(
    private counter = 0n,
    ops: readonly ContinuationOp[] = [],
  ) {
    for (const op of ops) this.ops.set(op.token, { ...op })
  }

  get issued(): bigint {
    return this.counter
  }

  /** Start tracking a call; undefined when too many are in flight. */
  open<Op extends NewContinuationOp>(op: Op): (Op & { token: bigint }) | undefined {
    if (this.ops.size >= MAX_CONTINUATIONS) return undefined
    let token: bigint
    do {
      this.counter = (this.counter + 1n) & U64_MASK
      token = continuationToken(this.counter)
    } while (token === 0n || this.ops.has(token))
    const opened = { ...op, token } as Op & { token: bigint }
    this.ops.set(token, opened as ContinuationOp)
    return opened
  }

  /** The call a token continues, when it is of this kind. */
  find<Kind extends ContinuationOp['kind']>(
    token: bigint,
    kind: Kind,
  ): Extract<ContinuationOp, { kind: Kind }> | undefined {
    const op = this.ops.get(token)
    return op?.kind === kind ? (op as Extract<ContinuationOp, { kind: Kind }>) : undefined
  }

  close(token: bigint): void {
    this.ops.delete(token)
  }

  /** Drop the calls that match (unbinding a device cancels its binds in flight). */
  drop(match: (op: ContinuationOp) => boolean): void {
    for (const [token, op] of this.ops) if (match(op)) this.ops.delete(token)
  }

  list(): ContinuationOp[] {
    return [...this.ops.values()].map((op) => ({ ...op }))
  }
}
