/**
 * Hypervisor call return codes (r3 after the call), as arch/powerpc/include/asm/hvcall.h defines
 * them. Signed: the kernel keeps them in an int64_t and compares against negative constants, so
 * here they are signed bigints too (H_OVERLAP is -68n, never 2^64 - 68).
 */

export const H_SUCCESS = 0n
/** Hardware busy: call again (with the continuation token, when the hcall has one). */
export const H_BUSY = 1n
export const H_CLOSED = 2n
export const H_NOT_AVAILABLE = 3n
export const H_CONSTRAINED = 4n
/** H_SCM_PERFORMANCE_STATS: some of the requested statistics are unknown. */
export const H_PARTIAL = 5n
export const H_IN_PROGRESS = 14n
export const H_PENDING = 17n
export const H_CONTINUE = 18n

/** Long busy: the same call should be made again, after about the hinted time. */
export const H_LONG_BUSY_ORDER_1_MSEC = 9900n
export const H_LONG_BUSY_ORDER_10_MSEC = 9901n
export const H_LONG_BUSY_ORDER_100_MSEC = 9902n
export const H_LONG_BUSY_ORDER_1_SEC = 9903n
export const H_LONG_BUSY_ORDER_10_SEC = 9904n
export const H_LONG_BUSY_ORDER_100_SEC = 9905n
export const H_LONG_BUSY_START_RANGE = H_LONG_BUSY_ORDER_1_MSEC
export const H_LONG_BUSY_END_RANGE = H_LONG_BUSY_ORDER_100_SEC

export const H_HARDWARE = -1n
/** Function not supported: an opcode the hypervisor does not implement. */
export const H_FUNCTION = -2n
export const H_PRIVILEGE = -3n
/** Parameter invalid, out of range or conflicting; for the SCM hcalls: the first parameter. */
export const H_PARAMETER = -4n
export const H_NOT_FOUND = -7n
export const H_NO_MEM = -9n
export const H_AUTHORITY = -10n
export const H_PERMISSION = -11n
export const H_RESOURCE = -16n
export const H_NOT_ENOUGH_RESOURCES = -44n
export const H_ABORTED = -54n
/** H_Pn: the n-th parameter (r3 + n) is bad. */
export const H_P2 = -55n
export const H_P3 = -56n
export const H_P4 = -57n
export const H_P5 = -58n
export const H_P6 = -59n
export const H_P7 = -60n
export const H_P8 = -61n
export const H_P9 = -62n
export const H_NOOP = -63n
export const H_TOO_BIG = -64n
export const H_UNSUPPORTED = -67n
/** The range is already bound: what H_SCM_BIND_MEM answers after a kexec left the old bindings. */
export const H_OVERLAP = -68n
export const H_INTERRUPT = -69n
export const H_BAD_DATA = -70n
export const H_NOT_ACTIVE = -71n
export const H_STATE = -75n
export const H_IN_USE = -77n

const NAMES: ReadonlyMap<bigint, string> = new Map([
  [H_SUCCESS, 'H_SUCCESS'],
  [H_BUSY, 'H_BUSY'],
  [H_CLOSED, 'H_CLOSED'],
  [H_NOT_AVAILABLE, 'H_NOT_AVAILABLE'],
  [H_CONSTRAINED, 'H_CONSTRAINED'],
  [H_PARTIAL, 'H_PARTIAL'],
  [H_IN_PROGRESS, 'H_IN_PROGRESS'],
  [H_PENDING, 'H_PENDING'],
  [H_CONTINUE, 'H_CONTINUE'],
  [H_LONG_BUSY_ORDER_1_MSEC, 'H_LONG_BUSY_ORDER_1_MSEC'],
  [H_LONG_BUSY_ORDER_10_MSEC, 'H_LONG_BUSY_ORDER_10_MSEC'],
  [H_LONG_BUSY_ORDER_100_MSEC, 'H_LONG_BUSY_ORDER_100_MSEC'],
  [H_LONG_BUSY_ORDER_1_SEC, 'H_LONG_BUSY_ORDER_1_SEC'],
  [H_LONG_BUSY_ORDER_10_SEC, 'H_LONG_BUSY_ORDER_10_SEC'],
  [H_LONG_BUSY_ORDER_100_SEC, 'H_LONG_BUSY_ORDER_100_SEC'],
  [H_HARDWARE, 'H_HARDWARE'],
  [H_FUNCTION, 'H_FUNCTION'],
  [H_PRIVILEGE, 'H_PRIVILEGE'],
  [H_PARAMETER, 'H_PARAMETER'],
  [H_NOT_FOUND, 'H_NOT_FOUND'],
  [H_NO_MEM, 'H_NO_MEM'],
  [H_AUTHORITY, 'H_AUTHORITY'],
  [H_PERMISSION, 'H_PERMISSION'],
  [H_RESOURCE, 'H_RESOURCE'],
  [H_NOT_ENOUGH_RESOURCES, 'H_NOT_ENOUGH_RESOURCES'],
  [H_ABORTED, 'H_ABORTED'],
  [H_P2, 'H_P2'],
  [H_P3, 'H_P3'],
  [H_P4, 'H_P4'],
  [H_P5, 'H_P5'],
  [H_P6, 'H_P6'],
  [H_P7, 'H_P7'],
  [H_P8, 'H_P8'],
  [H_P9, 'H_P9'],
  [H_NOOP, 'H_NOOP'],
  [H_TOO_BIG, 'H_TOO_BIG'],
  [H_UNSUPPORTED, 'H_UNSUPPORTED'],
  [H_OVERLAP, 'H_OVERLAP'],
  [H_INTERRUPT, 'H_INTERRUPT'],
  [H_BAD_DATA, 'H_BAD_DATA'],
  [H_NOT_ACTIVE, 'H_NOT_ACTIVE'],
  [H_STATE, 'H_STATE'],
  [H_IN_USE, 'H_IN_USE'],
])

/** The hvcall.h name of a return code ("H_OVERLAP"), or its decimal value when it has none. */
export function hcallReturnName(rc: bigint): string {
  return NAMES.get(rc) ?? rc.toString()
}

/** H_IS_LONG_BUSY(). */
export function isLongBusy(rc: bigint): boolean {
  return rc >= H_LONG_BUSY_START_RANGE && rc <= H_LONG_BUSY_END_RANGE
}

/** The long-busy code for order 0..5: the hint is 10^order milliseconds. */
export function longBusyCode(order: number): bigint {
  return H_LONG_BUSY_START_RANGE + BigInt(order)
}

/** get_longbusy_msecs(): the hinted wait in milliseconds; 1 for anything that is not long busy. */
export function getLongbusyMsecs(rc: bigint): number {
  return isLongBusy(rc) ? 10 ** Number(rc - H_LONG_BUSY_START_RANGE) : 1
}

/** H_Pn for the n-th parameter (1-based, r4 is parameter 1): H_PARAMETER for the first. */
export function badParameter(position: number): bigint {
  return position <= 1 ? H_PARAMETER : H_P2 - BigInt(position - 2)
}
