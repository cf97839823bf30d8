import { z } from 'zod'
import { NvdimmError } from '../errors.js'
import type { Media } from '../media/media.js'
import { U64_MAX } from '../units.js'
import { DIMM_FIRMWARE_FLAGS, DIMM_FLAGS, type DimmRef, REGION_FLAGS } from './types.js'

/** ND_MAX_MAPPINGS (include/linux/libnvdimm.h). */
export const ND_MAX_MAPPINGS = 32

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'expected a function')
const u64 = z.bigint().min(0n).max(U64_MAX)
const commandNumber = z.number().int().min(0).max(63)

const media = z.custom<Media>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Media).size === 'bigint' &&
    typeof (value as Media).read === 'function' &&
    typeof (value as Media).write === 'function' &&
    typeof (value as Media).sync === 'function',
  'expected a Media (size, read, write, sync)',
)

export const busDescriptorSchema = z.object({
  providerName: z
    .string()
    .min(1)
    .regex(/^[^\s/]+$/, 'a provider name has no spaces or slashes'),
  parentDevice: z
    .string()
    .regex(/^(\/[^\s/]+)+$/, 'a device path like /platform/e820_pmem')
    .optional(),
  cmdMask: z.array(commandNumber).optional(),
  dimmFamilyMask: z.array(z.number().int().min(0).max(63)).optional(),
  ndctl: fn.optional(),
  clearToSend: fn.optional(),
  ops: z.custom<object>((value) => typeof value === 'object' && value !== null, 'expected bus ops').optional(),
})

export const dimmDescriptorSchema = z.object({
  id: z.string().min(1).optional(),
  handle: z.number().int().min(0).max(0xffff_fffe).optional(),
  physId: z.number().int().min(0).max(0xfffe).optional(),
  flags: z.array(z.enum(DIMM_FLAGS)),
  firmwareFlags: z.array(z.enum(DIMM_FIRMWARE_FLAGS)).optional(),
  cmdMask: z.array(commandNumber),
  flushHints: z.array(u64).optional(),
  health: fn.optional(),
  ops: z.custom<object>((value) => typeof value === 'object' && value !== null, 'expected dimm ops').optional(),
  attributes: z
    .object({ group: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a sysfs group name (lower case, digits, _)'), read: fn })
    .optional(),
  providerData: z.unknown().optional(),
})

const dimmRef = z.custom<DimmRef>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { name: unknown }).name === 'string',
  'expected a dimm returned by createDimm()',
)

export const regionDescriptorSchema = z
  .object({
    type: z.enum(['pmem', 'volatile']),
    resource: z.object({ start: u64, size: u64.min(1n) }),
    media,
    mappings: z
      .array(z.object({ dimm: dimmRef, start: u64, size: u64.min(1n), position: z.number().int().min(0) }))
      .max(ND_MAX_MAPPINGS),
    interleaveSet: z.object({ cookie1: u64, cookie2: u64, altcookie: u64, typeGuid: z.string().optional() }).optional(),
    numaNode: z.number().int().min(-1),
    targetNode: z.number().int().min(-1),
    flags: z.array(z.enum(REGION_FLAGS)),
    flush: fn.optional(),
    firmwareResource: z.string().min(1).optional(),
    firmwareMemmap: z.boolean().optional(),
    flushName: z.string().min(1).optional(),
    providerData: z.unknown().optional(),
  })
  .superRefine((region, ctx) => {
    if (region.resource.start + region.resource.size - 1n > U64_MAX) {
      ctx.addIssue({ code: 'custom', path: ['resource'], message: 'the range wraps past the end of the address space' })
    }
    if (region.media.size !== region.resource.size) {
      ctx.addIssue({
        code: 'custom',
        path: ['media'],
        message: `media holds ${region.media.size} bytes but the range is ${region.resource.size}`,
      })
    }
    const async = region.flags.includes('async')
    if (async !== (region.flush !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['flush'],
        message: async ? "an 'async' region needs a flush()" : "flush() is only for regions flagged 'async'",
      })
    }
  })

/** Validate a descriptor at the provider boundary; a bad one fails loudly with EINVAL. */
export function validateDescriptor<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path = issue.path.length ? `${issue.path.join('.')}: ` : ''
  throw new NvdimmError('EINVAL', `invalid ${what}: ${path}${issue.message}`)
}

/** A Soft Reserved range (registerSoftReserved()): whole pages, not wrapping. */
export const softReservedSchema = z
  .object({
    start: z.bigint().min(0n),
    size: z.bigint().min(1n),
    targetNode: z.number().int().min(0),
    firmwareMemmap: z.boolean().optional(),
  })
  .refine((range) => range.start + range.size <= 1n << 64n, {
    message: 'the range wraps past the end of the address space',
  })
