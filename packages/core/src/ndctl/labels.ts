import { submitUserCommand } from '../bus/ndctl.js'
import type { Dimm } from '../dimm/dimm.js'
import { NvdimmError } from '../errors.js'
import { labelAreaGeometry } from '../namespace/label/geometry.js'
import { checkLabelArea } from '../namespace/label/label-check.js'
import { fillIndexHeader, sealIndex } from '../namespace/label/index-block.js'
import { currentIndexAt } from '../namespace/label/label-store.js'
import type { LabelSize } from '../namespace/label/namespace-label.js'
import { DimmCmd } from '../provider/commands.js'
import {
  decodeConfigDataOut,
  decodeConfigSize,
  encodeGetConfigData,
  encodeSetConfigData,
} from '../provider/payloads.js'
import type { Nvdimm } from '../subsystem.js'
import { uuidFromBytes } from '../util/uuid.js'
import { busMatches, dimmMatches } from './filter.js'
import { hexField, type JsonObject, type JsonValue, sizeField, toJsonC } from './json.js'
import { type NdctlOutcome, plural } from './outcome.js'
import { ndctlBuses, ndctlDimms } from './topology.js'

/**
 * ndctl's label commands (ndctl/dimm.c, ndctl/lib/dimm.c): they reach the label area through
 * the config commands, as user space does, and keep ndctl's own view of it (its validation has
 * no labeloff check; its label size comes from the index headers).
 */

export type LabelVersion = '1.1' | '1.2'

/** What libndctl holds after reading part of a label area (struct nvdimm_data + the read command). */
interface UserLabelArea {
  dimm: Dimm
  configSize: number
  data: Uint8Array
  /** ndctl's nslabel_size: 0 until probed. */
  labelSize: 0 | LabelSize
}

async function configSize(dimm: Dimm): Promise<{ configSize: number; maxXfer: number }> {
  const result = await submitUserCommand(dimm.bus, dimm, DimmCmd.GET_CONFIG_SIZE)
  const size = decodeConfigSize(result.output)
  if (result.cmdRc < 0 || size.status !== 0) throw new NvdimmError('ENXIO', `${dimm.name}: get_config_size failed`)
  return size
}

/** ndctl_dimm_read_label_extent(): `length` bytes (0: all) from `offset`, in max_xfer pieces. */
async function readExtent(dimm: Dimm, length: number, offset: number): Promise<UserLabelArea & { maxXfer: number }> {
  const size = await configSize(dimm)
  const len = length === 0 ? size.configSize : length
  if (offset + len > size.configSize || offset < 0) {
    throw new NvdimmError('EINVAL', `${dimm.name}: ${offset}+${len} is beyond the ${size.configSize}-byte label area`)
  }
  const data = new Uint8Array(len)
  for (let done = 0; done < len;) {
    const chunk = Math.min(size.maxXfer, len - done)
    const result = await submitUserCommand(
      dimm.bus,
      dimm,
      DimmCmd.GET_CONFIG_DATA,
      encodeGetConfigData({ offset: offset + done, length: chunk }),
    )
    if (result.cmdRc < 0) throw new NvdimmError('EIO', `${dimm.name}: get_config_data failed (${result.cmdRc})`)
    data.set(decodeConfigDataOut(result.output).data.subarray(0, chunk), done)
    done += chunk
  }
  return { dimm, configSize: size.configSize, maxXfer: size.maxXfer, data, labelSize: 0 }
}

async function writeExtent(area: { dimm: Dimm; maxXfer: number }, offset: number, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const chunk = Math.min(area.maxXfer, bytes.length - done)
    const result = await submitUserCommand(
      area.dimm.bus,
      area.dimm,
      DimmCmd.SET_CONFIG_DATA,
      encodeSetConfigData(offset + done, bytes.subarray(done, done + chunk)),
    )
    if (result.cmdRc < 0) throw new NvdimmError('ENXIO', `${area.dimm.name}: set_config_data failed (${result.cmdRc})`)
    done += chunk
  }
}

/** ndctl_dimm_read_label_index(): just the two index blocks, sized for 128-byte labels. */
async function readLabelIndex(dimm: Dimm): Promise<UserLabelArea & { maxXfer: number }> {
  const size = await configSize(dimm)
  const geometry = labelAreaGeometry(size.configSize, 128)
  if (!geometry)
    throw new NvdimmError('ENXIO', `${dimm.name}: label area (${size.configSize}) too small to host (128 byte) labels`)
  const area = await readExtent(dimm, 2 * geometry.indexSize, 0)
  area.labelSize = 128
  return area
}

/** ndctl_dimm_sizeof_namespace_label(): 256 only when both index headers say v1.2. */
function probedLabelSize(area: UserLabelArea): LabelSize {
  if (area.labelSize) return area.labelSize
  let v1 = 0
  let v2 = 0
  const dv = new DataView(area.data.buffer, area.data.byteOffset, area.data.byteLength)
  for (const offset of [0, 256]) {
    if (offset + 72 > area.data.length) break
    if (dv.getUint16(offset + 60, true) !== 1) continue
    const minor = dv.getUint16(offset + 62, true)
    if (minor === 1) v1++
    else if (minor === 2) v2++
  }
  area.labelSize = v2 > v1 ? 256 : 128
  return area.labelSize
}

/** label_validate(): the slot count of a valid index at 128 or 256 bytes, else EINVAL. */
function validateUserLabels(area: UserLabelArea, log: (message: string) => void): number {
  for (const size of [128, 256] as const) {
    area.labelSize = size
    const current = currentIndexAt({ data: area.data, configSize: area.configSize, labelSize: size }, log, false)
    if (current >= 0) return labelAreaGeometry(area.configSize, size)!.nslot
  }
  throw new NvdimmError('EINVAL', `${area.dimm.name}: no valid namespace index block`)
}

/** write_label_index(): ndctl's init, which leaves the bitmap's padding bits set (unlike the kernel). */
async function writeLabelIndex(
  area: UserLabelArea & { maxXfer: number },
  version: LabelVersion,
  index: number,
  seq: number,
): Promise<void> {
  const labelSize: LabelSize = version === '1.1' ? 128 : 256
  area.labelSize = labelSize
  const geometry = labelAreaGeometry(area.configSize, labelSize)
  if (!geometry)
    throw new NvdimmError(
      'EINVAL',
      `${area.dimm.name}: label area (${area.configSize}) too small to host (${labelSize} byte) labels`,
    )
  const size = geometry.indexSize
  const at = index * size
  if (at + size > area.data.length) {
    const grown = new Uint8Array(at + size)
    grown.set(area.data)
    area.data = grown
  }
  const bytes = area.data.subarray(at, at + size)
  fillIndexHeader(bytes, { index, indexSize: size, seq, nslot: geometry.nslot, labelSize })
  // ndctl sets the bitmap up to a multiple of 64 slots and, unlike the kernel, leaves the padding set.
  bytes.fill(0xff, 72, 72 + Math.ceil(geometry.nslot / 64) * 8)
  sealIndex(bytes)
  await writeExtent(area, at, bytes)
}

/** The kernel drops its cached copy of the labels when the dimm is re-bound. */
async function revalidate(dimm: Dimm): Promise<void> {
  if (!dimm.enabled) return
  await dimm.disable()
  await dimm.enable()
}

function refuseWhileActive(dimm: Dimm, message: string): void {
  if (dimm.busy > 0) throw new NvdimmError('EBUSY', `${dimm.name}: ${message}`)
}

export interface LabelCommandOptions {
  bus?: string
  /** -s: bytes to operate on (0: the whole area). */
  size?: number
  /** -O: where to start. */
  offset?: number
}

/** The dimms the arguments name ("nmemN" or "all"), in ndctl's order. */
export function selectDimms(nd: Nvdimm, idents: readonly string[], bus: string | undefined): Dimm[] {
  for (const ident of idents) {
    if (ident !== 'all' && !/^nmem\d+$/.test(ident))
      throw new NvdimmError('EINVAL', `'${ident}' is not a valid dimm name`)
  }
  const wanted = idents.includes('all') ? ['all'] : idents
  const dimms: Dimm[] = []
  for (const ident of wanted) {
    for (const candidate of ndctlBuses(nd)) {
      if (!busMatches(candidate, bus)) continue
      for (const dimm of ndctlDimms(candidate)) if (dimmMatches(dimm, ident) && !dimms.includes(dimm)) dimms.push(dimm)
    }
  }
  return dimms
}

async function eachDimm(
  nd: Nvdimm,
  idents: readonly string[],
  options: LabelCommandOptions,
  action: (dimm: Dimm) => Promise<void>,
): Promise<{ count: number; errors: NvdimmError[] }> {
  const errors: NvdimmError[] = []
  let count = 0
  for (const dimm of selectDimms(nd, idents, options.bus)) {
    try {
      await action(dimm)
      count++
    } catch (error) {
      if (!(error instanceof NvdimmError)) throw error
      errors.push(error)
    }
  }
  return { count, errors }
}

/** Label commands exit 0 when any dimm succeeded or none matched, 1 when all that matched failed. */
function labelOutcome(
  result: { count: number; errors: NvdimmError[] },
  summary: string,
  stdout?: string | Uint8Array,
): NdctlOutcome {
  const failed = result.count === 0 && result.errors.length > 0
  return {
    ...(stdout !== undefined ? { stdout } : {}),
    errors: result.errors,
    messages: [summary],
    exitCode: failed ? 1 : 0,
  }
}

/** `ndctl init-labels`: write two fresh index blocks (seq 3 and 2); -f overwrites a valid index. */
export async function ndctlInitLabels(
  nd: Nvdimm,
  idents: readonly string[],
  options: LabelCommandOptions & { force?: boolean; labelVersion?: string } = {},
): Promise<NdctlOutcome> {
  const version = (options.labelVersion ?? '1.1').replace(/^v/, '')
  if (version !== '1.1' && version !== '1.2')
    throw new NvdimmError('EINVAL', `'${options.labelVersion}' is not a valid label version`)
  const result = await eachDimm(nd, idents, options, async (dimm) => {
    const area = await readLabelIndex(dimm)
    refuseWhileActive(dimm, 'regions active, abort label write')
    let valid = false
    try {
      validateUserLabels(area, () => {})
      valid = true
    } catch {
      valid = false
    }
    if (valid && !options.force)
      throw new NvdimmError('EBUSY', `${dimm.name}: error: labels already initialized (use -f to overwrite)`)
    for (const index of [0, 1]) await writeLabelIndex(area, version, index, 3 - index)
    await revalidate(dimm)
  })
  return labelOutcome(result, `initialized ${plural(result.count, 'nmem')}`)
}

/**
 * `ndctl check-labels`: is there a valid index? Beyond ndctl, every fault the kernel would meet
 * in the area is reported by slot (a bad index, a label that would be ignored, overlapping
 * DPA, a uuid twice); only a missing valid index fails the dimm, as in ndctl.
 */
export async function ndctlCheckLabels(
  nd: Nvdimm,
  idents: readonly string[],
  options: LabelCommandOptions = {},
): Promise<NdctlOutcome> {
  const notes: string[] = []
  const result = await eachDimm(nd, idents, options, async (dimm) => {
    const area = await readExtent(dimm, 0, 0)
    const report = checkLabelArea(area.data, area.configSize)
    for (const finding of report.findings) notes.push(`${dimm.name}: ${finding.where}: ${finding.fault}`)
    if (report.current < 0) throw new NvdimmError('EINVAL', `${dimm.name}: no valid namespace index block`)
  })
  const outcome = labelOutcome(result, `successfully verified ${plural(result.count, 'nmem label')}`)
  outcome.messages.unshift(...notes)
  return outcome
}

/** `ndctl zero-labels`: zero the area (or -s bytes at -O). */
export async function ndctlZeroLabels(
  nd: Nvdimm,
  idents: readonly string[],
  options: LabelCommandOptions = {},
): Promise<NdctlOutcome> {
  const result = await eachDimm(nd, idents, options, async (dimm) => {
    const area = await readExtent(dimm, options.size ?? 0, options.offset ?? 0)
    refuseWhileActive(dimm, 'regions active, abort label write')
    await writeExtent(area, options.offset ?? 0, new Uint8Array(area.data.length))
    await revalidate(dimm)
  })
  return labelOutcome(result, `zeroed ${plural(result.count, 'nmem')}`)
}

/** `ndctl write-labels`: copy `input` over the area (or -s bytes at -O); one dimm only. */
export async function ndctlWriteLabels(
  nd: Nvdimm,
  ident: string,
  input: Uint8Array,
  options: LabelCommandOptions = {},
): Promise<NdctlOutcome> {
  const dimms = selectDimms(nd, [ident], options.bus)
  if (dimms.length > 1) throw new NvdimmError('EINVAL', 'write-labels only supports writing a single dimm')
  const result = await eachDimm(nd, [ident], options, async (dimm) => {
    refuseWhileActive(dimm, 'dimm is active, abort label write')
    const area = await readExtent(dimm, options.size ?? 0, options.offset ?? 0)
    area.data.set(input.subarray(0, area.data.length))
    await writeExtent(area, options.offset ?? 0, area.data)
    await revalidate(dimm)
  })
  return labelOutcome(result, `wrote ${plural(result.count, 'nmem')}`)
}

export interface ReadLabelsOptions extends LabelCommandOptions {
  json?: boolean
  human?: boolean
  /** -I: only the index blocks. */
  index?: boolean
}

/** dump_index_json(): both index headers, not validated. */
function indexJson(area: UserLabelArea, indexSize: number): JsonValue[] {
  const blocks: JsonValue[] = []
  const dv = new DataView(area.data.buffer, area.data.byteOffset, area.data.byteLength)
  for (let offset = 0; offset < indexSize * 2; offset += indexSize) {
    if (offset + 72 > area.data.length) break
    const signature = area.data.subarray(offset, offset + 15)
    const end = signature.indexOf(0)
    blocks.push({
      signature: new TextDecoder('latin1').decode(end < 0 ? signature : signature.subarray(0, end)),
      major: dv.getUint16(offset + 60, true),
      minor: dv.getUint16(offset + 62, true),
      labelsize: 1 << (7 + area.data[offset + 19]!),
      seq: dv.getUint32(offset + 20, true),
      nslot: dv.getUint32(offset + 56, true),
    })
  }
  return blocks
}

/** dump_label_json(): every slot whose slot field names it, free or not. */
function labelJson(area: UserLabelArea, indexSize: number, human: boolean): JsonValue[] {
  const labelSize = probedLabelSize(area)
  const labels: JsonValue[] = []
  const dv = new DataView(area.data.buffer, area.data.byteOffset, area.data.byteLength)
  let slot = -1
  for (let offset = indexSize * 2; offset < area.data.length; offset += labelSize) {
    slot++
    if (offset + labelSize > area.data.length) break
    if (dv.getUint32(offset + 120, true) !== slot) continue
    const nameBytes = area.data.subarray(offset + 16, offset + 16 + 63)
    const nameEnd = nameBytes.indexOf(0)
    const label: JsonObject = {
      uuid: uuidFromBytes(area.data.subarray(offset, offset + 16)),
      name: new TextDecoder().decode(nameEnd < 0 ? nameBytes : nameBytes.subarray(0, nameEnd)),
      slot: dv.getUint32(offset + 120, true),
      position: dv.getUint16(offset + 86, true),
      nlabel: dv.getUint16(offset + 84, true),
      flags: hexField(BigInt(dv.getUint32(offset + 80, true)), human),
      isetcookie: hexField(dv.getBigUint64(offset + 88, true), human),
      lbasize: dv.getBigUint64(offset + 96, true),
      dpa: hexField(dv.getBigUint64(offset + 104, true), human),
      rawsize: sizeField(dv.getBigUint64(offset + 112, true), human),
    }
    if (labelSize >= 256) {
      // uuid_unparse() of the raw bytes: GUIDs print byte-swapped, as ndctl shows them.
      label.type_guid = uuidFromBytes(area.data.subarray(offset + 128, offset + 144))
      label.abstraction_guid = uuidFromBytes(area.data.subarray(offset + 144, offset + 160))
    }
    labels.push(label)
  }
  return labels
}

/** `ndctl read-labels`: the raw area (or -s bytes at -O), or ndctl's JSON of it with -j / -u. */
export async function ndctlReadLabels(
  nd: Nvdimm,
  idents: readonly string[],
  options: ReadLabelsOptions = {},
): Promise<NdctlOutcome> {
  const json = options.json || options.human
  if (json && (options.size || options.offset))
    throw new NvdimmError('EINVAL', '--size and --offset are incompatible with --json')
  if (options.index && options.size) throw new NvdimmError('EINVAL', 'pick either --size, or --index, not both')
  const dumps: JsonValue[] = []
  const raw: Uint8Array[] = []
  const result = await eachDimm(nd, idents, options, async (dimm) => {
    const area = options.index
      ? await readLabelIndex(dimm)
      : await readExtent(dimm, options.size ?? 0, options.offset ?? 0)
    if (!json) {
      raw.push(area.data)
      return
    }
    const labelSize = options.index ? 128 : probedLabelSize(area)
    const indexSize = labelAreaGeometry(area.configSize, labelSize)?.indexSize ?? 0
    if (indexSize === 0)
      throw new NvdimmError('ENOMEM', `${dimm.name}: label area (${area.configSize}) too small to host labels`)
    const dump: JsonObject = { dev: dimm.name, index: indexJson(area, indexSize) }
    if (!options.index) {
      const labels = labelJson(area, indexSize, options.human ?? false)
      if (labels.length === 0) throw new NvdimmError('ENOMEM', `${dimm.name}: no slot of the label area names itself`)
      dump.label = labels
    }
    dumps.push(dump)
  })
  let stdout: string | Uint8Array | undefined
  if (json) stdout = dumps.length ? `${toJsonC(dumps)}\n` : undefined
  else stdout = Buffer.concat(raw)
  return labelOutcome(result, `read ${plural(result.count, 'nmem')}`, stdout)
}

/** `ndctl enable-dimm` / `disable-dimm`: bind or unbind the nvdimm driver; an active dimm is skipped. */
export async function ndctlXableDimm(
  nd: Nvdimm,
  action: 'enable' | 'disable',
  idents: readonly string[],
  options: LabelCommandOptions = {},
): Promise<NdctlOutcome> {
  const result = await eachDimm(nd, idents, options, async (dimm) => {
    if (action === 'disable') {
      refuseWhileActive(dimm, 'is active, skipping...')
      await dimm.disable()
    } else {
      await dimm.enable()
      if (!dimm.enabled) throw dimm.probeError ?? new NvdimmError('ENXIO', `${dimm.name}: failed to enable`)
    }
  })
  return labelOutcome(result, `${action}d ${plural(result.count, 'nmem')}`)
}
