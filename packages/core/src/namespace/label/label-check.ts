import { labelAreaGeometry } from './geometry.js'
import { currentIndexAt, type LabelAreaView } from './label-store.js'
import { decodeLabel, labelChecksum, type LabelSize } from './namespace-label.js'

/**
 * A reading of a label area that names every fault the kernel would trip over, slot by slot:
 * what check-labels reports beyond ndctl's index check. The kernel's own handling is noted for
 * each: an invalid index is passed over for the other, an invalid label is ignored, two
 * overlapping labels keep the dimm from binding, a uuid twice fails the region's probe.
 */
export interface LabelAreaFinding {
  /** The index block (0 or 1) or label slot the finding is about. */
  where: string
  fault: string
}

export interface LabelAreaReport {
  labelSize: LabelSize | undefined
  current: number
  findings: LabelAreaFinding[]
}

export function checkLabelArea(data: Uint8Array, configSize: number): LabelAreaReport {
  const findings: LabelAreaFinding[] = []
  let labelSize: LabelSize | undefined
  let current = -1
  const faults: string[] = []
  for (const size of [128, 256] as const) {
    const area: LabelAreaView = { data, configSize, labelSize: size }
    const seen: string[] = []
    current = currentIndexAt(area, (message) => seen.push(message))
    if (current >= 0) {
      labelSize = size
      for (const message of seen)
        findings.push({ where: message.slice(0, 8), fault: `${message} (the other index is used)` })
      break
    }
    faults.push(...seen)
  }
  if (current < 0) {
    for (const message of faults) findings.push({ where: message.slice(0, 8), fault: message })
    return { labelSize: undefined, current, findings }
  }
  const geometry = labelAreaGeometry(configSize, labelSize!)!
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const indexAt = current * geometry.indexSize
  const nslot = dv.getUint32(indexAt + 56, true)
  const live: { slot: number; uuid: string; dpa: bigint; end: bigint }[] = []
  const byUuid = new Map<string, number>()
  for (let slot = 0; slot < nslot; slot++) {
    const free = (data[indexAt + 72 + (slot >> 3)]! & (1 << (slot & 7))) !== 0
    if (free) continue
    const at = 2 * geometry.indexSize + slot * labelSize!
    if (at + labelSize! > data.length) break
    const bytes = data.subarray(at, at + labelSize!)
    const label = decodeLabel(bytes, labelSize!)
    const where = `slot ${slot}`
    if (label.slot !== slot) {
      findings.push({ where, fault: `in use but its slot field says ${label.slot} (the label is ignored)` })
      continue
    }
    if (labelSize === 256 && labelChecksum(bytes) !== label.checksum) {
      findings.push({
        where,
        fault: `checksum 0x${label.checksum.toString(16)} should be 0x${labelChecksum(bytes).toString(16)} (the label is ignored)`,
      })
      continue
    }
    if (label.rawsize === 0n) {
      findings.push({ where, fault: `${label.uuid} claims no DPA (rawsize 0): the dimm will not bind` })
      continue
    }
    const twin = byUuid.get(label.uuid)
    if (twin !== undefined)
      findings.push({ where, fault: `uuid ${label.uuid} is also in slot ${twin}: its region will not probe` })
    else byUuid.set(label.uuid, slot)
    live.push({ slot, uuid: label.uuid, dpa: label.dpa, end: label.dpa + label.rawsize })
  }
  // Overlaps as nd_label_reserve_dpa() meets them: each range against all earlier ones.
  const sorted = [...live].sort((a, b) => (a.dpa < b.dpa ? -1 : a.dpa > b.dpa ? 1 : a.slot - b.slot))
  const overlaps: { slot: number; finding: LabelAreaFinding }[] = []
  let reach: (typeof live)[number] | undefined
  for (const entry of sorted) {
    if (reach && entry.dpa < reach.end) {
      const [first, second] = reach.slot < entry.slot ? [reach, entry] : [entry, reach]
      overlaps.push({
        slot: second.slot,
        finding: {
          where: `slot ${second.slot}`,
          fault: `${second.uuid} DPA 0x${second.dpa.toString(16)}-0x${(second.end - 1n).toString(16)} overlaps slot ${first.slot} (${first.uuid}): the dimm will not bind`,
        },
      })
    }
    if (!reach || entry.end > reach.end) reach = entry
  }
  findings.push(...overlaps.sort((a, b) => a.slot - b.slot).map((overlap) => overlap.finding))
  return { labelSize, current, findings }
}
