import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { pmemDrcIndex, SPAPR_MINIMUM_SCM_BLOCK_SIZE } from '../../src/device-tree/spapr-nvdimm-nodes.js'
import type { SpaprNvdimmDevice } from '../../src/device-tree/spapr-nvdimm-nodes.js'

/** shared/golden/qemu-pseries-dtb beside the project; tests that need it skip where it is absent. */
export const PSERIES_DTB = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/golden/qemu-pseries-dtb',
)
export const hasGolden = fs.existsSync(PSERIES_DTB)
export const GOLDEN_SKIP_NOTE = hasGolden ? '' : ` (skipped: ${PSERIES_DTB} is absent)`

/** Every variant that has a dumped blob (default, power9, power10, numa, no-nvdimm, …). */
export const VARIANTS: string[] = hasGolden
  ? fs
      .readdirSync(PSERIES_DTB)
      .filter((name) => name.endsWith('.dtb'))
      .map((name) => name.slice(0, -'.dtb'.length))
      .sort()
  : []

export function goldenDtb(variant: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(PSERIES_DTB, `${variant}.dtb`)))
}

export function goldenDts(variant: string): string {
  return fs.readFileSync(path.join(PSERIES_DTB, `${variant}.dts`), 'utf8')
}

/** dtc, when the machine has it (Debian's device-tree-compiler); its tests skip otherwise. */
export const hasDtc = spawnSync('dtc', ['--version']).status === 0
export const DTC_SKIP_NOTE = hasDtc ? '' : ' (skipped: no dtc on this machine)'

export function runDtc(args: string[], input: Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const result = spawnSync('dtc', args, { input })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() }
}

/** `1073872896`, `128K`, `512M` → bytes (QEMU's size suffixes are powers of 1024). */
function qemuSize(text: string): bigint {
  const match = /^(\d+)([KMGT]?)$/.exec(text)
  if (!match) throw new Error(`not a QEMU size: ${text}`)
  const shift = { '': 0n, K: 10n, M: 20n, G: 30n, T: 40n }[match[2] as '' | 'K' | 'M' | 'G' | 'T']
  return BigInt(match[1]!) << shift
}

/** `-object memory-backend-file,id=mem0,…` → { id: 'mem0', … } (the .cmd escapes its commas). */
function options(text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const part of text.split('\\,')) {
    const eq = part.indexOf('=')
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1))
    else map.set(part, '')
  }
  return map
}

/**
 * The spapr-nvdimm devices of a variant's QEMU command line, in creation order, with what
 * spapr_dt_nvdimm() derives from them: slot = creation index (QEMU picks the first free one),
 * blocks = (backing size - label-size) / 256 MiB, hcall flush unless the backend has pmem=on
 * and the device no pmem-override=on.
 */
export function devicesOfCommand(variant: string): SpaprNvdimmDevice[] {
  const words = fs
    .readFileSync(path.join(PSERIES_DTB, `${variant}.cmd`), 'utf8')
    .trim()
    .split(/\s+/)
  const backends = new Map<string, Map<string, string>>()
  const devices: SpaprNvdimmDevice[] = []
  for (let i = 0; i < words.length - 1; i++) {
    const value = options(words[i + 1]!)
    if (words[i] === '-object') backends.set(value.get('id') ?? '', value)
    if (words[i] !== '-device' || !value.has('spapr-nvdimm')) continue
    const backend = backends.get(value.get('memdev') ?? '')!
    const labelSize = qemuSize(value.get('label-size')!)
    devices.push({
      drcIndex: pmemDrcIndex(devices.length),
      unitGuid: value.get('uuid')!,
      blockCount: (qemuSize(backend.get('size')!) - labelSize) / SPAPR_MINIMUM_SCM_BLOCK_SIZE,
      metadataSize: Number(labelSize),
      hcallFlushRequired: backend.get('pmem') !== 'on' || value.get('pmem-override') === 'on',
      numaNode: Number(value.get('node') ?? '0'),
    })
  }
  return devices
}
