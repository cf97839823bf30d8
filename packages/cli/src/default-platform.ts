import type { PlatformSpec } from '@nvdimm/core'
import { e820Entry, parseMemmap } from '@nvdimm/provider-e820'

/**
 * The topology a first `nvdimm` run creates: an x86_64 machine booted with
 * `memmap=128M!512M memmap=64M!768M`, the same two legacy ranges as the kernel's own run in
 * ../shared/golden/linux-6.1-e820/aligned, so `nvdimm list` matches what ndctl printed there.
 */
export const DEFAULT_MEMMAP = 'memmap=128M!512M,64M!768M'

export const defaultPlatformSpec: PlatformSpec = {
  arch: 'x86_64',
  providers: [{ kind: 'e820', entry: e820Entry(parseMemmap(DEFAULT_MEMMAP)) }],
}
