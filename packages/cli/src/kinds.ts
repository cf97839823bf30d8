import type { PlatformProviderKind } from '@nvdimm/core'
import { e820Kind } from '@nvdimm/provider-e820'
import { nfitKind } from '@nvdimm/provider-nfit'
import { ocxlKind } from '@nvdimm/provider-ocxl'
import { paprScmKind } from '@nvdimm/provider-papr-scm'

/** Every provider this build of the CLI can put in a platform. */
export const providerKinds: readonly PlatformProviderKind[] = [
  e820Kind as PlatformProviderKind,
  nfitKind as PlatformProviderKind,
  paprScmKind as PlatformProviderKind,
  ocxlKind as PlatformProviderKind,
]
