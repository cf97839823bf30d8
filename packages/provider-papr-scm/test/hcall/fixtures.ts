import { BufferMedia, type Media, SZ_256M } from '@nvdimm/core'
import { PaprHypervisor, type ScmDeviceConfig, scmGuestDevice, type ScmGuestDevice } from '../../src/hcall/index.js'

/** QEMU's shape: 256 MiB blocks, a 128 KiB label area. */
export const BLOCK = SZ_256M
export const LABEL_SIZE = 128 * 1024

export const DRC_A = 0x4410_0002
export const DRC_B = 0x4410_0003

export function scmDevice(drcIndex: number, overrides: Partial<ScmDeviceConfig> = {}): ScmDeviceConfig {
  return {
    drcIndex,
    blockSize: BLOCK,
    blockCount: 4n,
    metadata: new BufferMedia(new Uint8Array(LABEL_SIZE)),
    ...overrides,
  }
}

export function twoDevices(overrides: Partial<ScmDeviceConfig> = {}): ScmDeviceConfig[] {
  return [scmDevice(DRC_A, overrides), scmDevice(DRC_B, overrides)]
}

export function hypervisor(devices = twoDevices()): { hv: PaprHypervisor; a: ScmGuestDevice; b: ScmGuestDevice } {
  const hv = new PaprHypervisor(devices)
  return { hv, a: scmGuestDevice(devices[0]!), b: scmGuestDevice(devices[1] ?? devices[0]!) }
}

/** A sleep that never waits and remembers what it was asked. */
export function recordingSleep(): { sleep: (ms: number) => void; slept: number[] } {
  const slept: number[] = []
  return { sleep: (ms) => void slept.push(ms), slept }
}

/** Media whose every access fails, as a failing backing file would. */
export function brokenMedia(size: bigint): Media {
  const broken = () => {
    throw new Error('media failure')
  }
  return { size, read: broken, write: broken, sync: broken, close: () => {} }
}
