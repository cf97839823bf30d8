import { z } from 'zod'
import { U64_MAX } from '../units.js'

/**
 * A u64 in a platform description: a "0x…" string (JSON has no 64-bit integers), decoded to
 * a bigint. Plain decimal strings are read too.
 */
export const u64Json = z.codec(
  z.string().regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/, 'expected a number as a "0x…" or decimal string'),
  z.bigint().min(0n).max(U64_MAX),
  {
    decode: (text) => BigInt(text),
    encode: (value) => `0x${value.toString(16)}`,
  },
)

/** A file name inside the platform directory (or an absolute path to an existing image). */
export const mediaPath = z
  .string()
  .min(1)
  .refine((file) => !file.split('/').includes('..'), 'a media path may not leave the platform directory')
