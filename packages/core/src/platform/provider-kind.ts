import type { z } from 'zod'
import type { Media } from '../media/media.js'
import type { ProviderInit } from '../provider/types.js'

/** A media file a provider's devices live on, relative to the platform directory. */
export interface MediaFile {
  file: string
  size: bigint
}

export interface MediaOpener {
  /** Open a media file of the platform (read-only when the platform was opened so). */
  open(file: string): Media
}

/**
 * How a provider package describes its part of a platform: the schema of its entry in
 * platform.json (decoded: bigints, not strings), the media files the entry needs, and the
 * provider built from it. The CLI hands a list of these to the platform store; core never
 * names a provider itself.
 */
export interface PlatformProviderKind<Entry = unknown> {
  readonly kind: string
  readonly schema: z.ZodType<Entry, unknown>
  mediaFiles(entry: Entry): MediaFile[]
  provider(entry: Entry, media: MediaOpener): ProviderInit
}
