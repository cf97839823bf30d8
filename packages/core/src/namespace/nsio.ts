import { MediaWindow } from '../media/media-window.js'
import type { Media } from '../media/media.js'
import type { Namespace } from './namespace.js'

/** nsio_rw_bytes(): the namespace's own bytes, a window of its region's media. */
export function namespaceMedia(namespace: Namespace): Media {
  const { start, size } = namespace.resource
  return new MediaWindow(namespace.region.media, start - namespace.region.resource.start, size)
}
