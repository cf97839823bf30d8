import * as fs from 'node:fs'
import * as path from 'node:path'
import { NvdimmError, parseSize } from '@nvdimm/core'
import {
  nfitQemuEntry,
  nfitTableEntry,
  nfitTestEntries,
  parseQemuImageOption,
  type QemuPersistence,
} from '@nvdimm/provider-nfit'

export interface NfitInitOptions {
  nfitQemu: string[]
  nfitQemuBase: string
  nfitPersistence?: QemuPersistence
  nfitPreset?: 'nfit-test'
  nfit?: string
  nfitNoLabels?: boolean
}

function fileSize(file: string): bigint {
  try {
    return BigInt(fs.statSync(file).size)
  } catch (error) {
    throw new NvdimmError('ENXIO', `cannot open image ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

/** The nfit entries `platform init` asks for: QEMU images (one bus), the nfit_test buses, a table file. */
export function nfitPlatformEntries(options: NfitInitOptions): unknown[] {
  const entries: unknown[] = []
  if (options.nfitQemu.length) {
    const base = parseSize(options.nfitQemuBase)
    if (base === undefined)
      throw new NvdimmError('EINVAL', `--nfit-qemu-base ${options.nfitQemuBase} is not an address`)
    const images = options.nfitQemu.map((text) => {
      const option = parseQemuImageOption(text)
      const file = path.resolve(option.path)
      return { ...option, path: file, fileSize: fileSize(file) }
    })
    entries.push(
      nfitQemuEntry(images, { base, ...(options.nfitPersistence ? { persistence: options.nfitPersistence } : {}) }),
    )
  }
  if (options.nfitPreset === 'nfit-test') entries.push(...nfitTestEntries())
  if (options.nfit) {
    let bytes: Uint8Array
    try {
      bytes = fs.readFileSync(options.nfit)
    } catch (error) {
      throw new NvdimmError('ENXIO', `cannot read ${options.nfit}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
    }
    entries.push(nfitTableEntry(bytes, { labels: !options.nfitNoLabels }))
  }
  return entries
}
