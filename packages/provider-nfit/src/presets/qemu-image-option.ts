import { NvdimmError, parseSize } from '@nvdimm/core'

/** What `--nfit-qemu IMG[,label-size=128K][,node=N][,unarmed=on]` asks for, before the image is looked at. */
export interface QemuImageOption {
  path: string
  labelSize: bigint
  node?: number
  unarmed?: boolean
}

const onOff = (key: string, value: string): boolean => {
  if (['on', 'yes', 'true'].includes(value)) return true
  if (['off', 'no', 'false'].includes(value)) return false
  throw new NvdimmError('EINVAL', `--nfit-qemu: ${key}=${value}: expected on or off`)
}

/**
 * Parse one `--nfit-qemu` value: the image path, then QEMU's `-device nvdimm` properties
 * that change what the guest sees. label-size defaults to 0 (no label area), as in QEMU.
 */
export function parseQemuImageOption(text: string): QemuImageOption {
  const [path, ...properties] = text.split(',')
  if (!path)
    throw new NvdimmError('EINVAL', `--nfit-qemu ${text}: expected IMG[,label-size=SIZE][,node=N][,unarmed=on]`)
  const option: QemuImageOption = { path, labelSize: 0n }
  for (const property of properties) {
    const [key, value = ''] = property.split('=', 2)
    switch (key) {
      case 'label-size': {
        const size = parseSize(value)
        if (size === undefined) throw new NvdimmError('EINVAL', `--nfit-qemu: label-size=${value} is not a size`)
        option.labelSize = size
        break
      }
      case 'node': {
        if (!/^\d+$/.test(value)) throw new NvdimmError('EINVAL', `--nfit-qemu: node=${value} is not a node number`)
        option.node = Number(value)
        break
      }
      case 'unarmed':
        option.unarmed = onOff(key, value)
        break
      default:
        throw new NvdimmError('EINVAL', `--nfit-qemu: unknown property '${key}' (label-size, node, unarmed)`)
    }
  }
  return option
}
