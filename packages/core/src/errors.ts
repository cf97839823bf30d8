/**
 * Errors carry the errno name the kernel would return, so a caller can branch on
 * `err.errno === 'EBUSY'` exactly as it would on `-EBUSY` from an ioctl or sysfs write.
 */

// Numbers from include/uapi/asm-generic/errno-base.h and errno.h (x86_64 and ppc64 agree).
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  ERANGE: 34,
  ENOTSUP: 95,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
} as const

export type Errno = keyof typeof ERRNO

export class NvdimmError extends Error {
  override readonly name = 'NvdimmError'
  readonly errno: Errno

  constructor(errno: Errno, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.errno = errno
  }

  /** The negative return code the kernel would hand back (`-EINVAL` = -22). */
  get code(): number {
    return -ERRNO[this.errno]
  }
}

export function isNvdimmError(value: unknown, errno?: Errno): value is NvdimmError {
  return value instanceof NvdimmError && (errno === undefined || value.errno === errno)
}

/** Throw-expression helper: `x ?? fail('ENXIO', 'no such region')`. */
export function fail(errno: Errno, message: string): never {
  throw new NvdimmError(errno, message)
}

/** The errno name for a negative kernel return code, or undefined if it is not one we model. */
export function errnoName(rc: number): Errno | undefined {
  const n = Math.abs(rc)
  for (const [name, value] of Object.entries(ERRNO)) {
    if (value === n && name !== 'ENOTSUP') return name as Errno
  }
  return undefined
}

const MESSAGES: Record<Errno, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOTTY: 'Inappropriate ioctl for device',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  ENOTSUP: 'Operation not supported',
  EOPNOTSUPP: 'Operation not supported',
  ETIMEDOUT: 'Connection timed out',
}

/** strerror() as glibc words it, for ndctl's "error enabling namespaces: …" lines. */
export function strerror(errno: Errno): string {
  return MESSAGES[errno]
}
