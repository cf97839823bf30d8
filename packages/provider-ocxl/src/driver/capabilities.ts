import {
  CCAP0_MEMORY_AVAILABLE_TIMEOUT,
  CCAP0_READ_LATENCY,
  CCAP0_READINESS_TIMEOUT,
  CCAP0_REVISION_MAJOR,
  CCAP0_REVISION_MINOR,
  CCAP1_MAX_CONTROLLER_DUMP_SIZE,
  FWVER_STRING,
  type OcxlMmio,
  readField,
} from '../card/index.js'

/** What read_device_metadata() took from CCAP0, CCAP1 and FWVER (patch 13/25). */
export interface OcxlCapabilities {
  revision: { major: number; minor: number }
  readLatencyNs: number
  readinessTimeoutS: number
  memoryAvailableTimeoutS: number
  maxControllerDumpSize: number
  /** FWVER's eight bytes up to the first NUL. */
  fwVersion: string
}

export function readCapabilities(mmio: OcxlMmio): OcxlCapabilities {
  const fw = readField(mmio, FWVER_STRING)
  let fwVersion = ''
  for (let i = 0; i < 8; i++) {
    const byte = Number((fw >> BigInt(8 * i)) & 0xffn)
    if (byte === 0) break
    fwVersion += String.fromCharCode(byte)
  }
  return {
    revision: {
      major: Number(readField(mmio, CCAP0_REVISION_MAJOR)),
      minor: Number(readField(mmio, CCAP0_REVISION_MINOR)),
    },
    readLatencyNs: Number(readField(mmio, CCAP0_READ_LATENCY)),
    readinessTimeoutS: Number(readField(mmio, CCAP0_READINESS_TIMEOUT)),
    memoryAvailableTimeoutS: Number(readField(mmio, CCAP0_MEMORY_AVAILABLE_TIMEOUT)),
    maxControllerDumpSize: Number(readField(mmio, CCAP1_MAX_CONTROLLER_DUMP_SIZE)),
    fwVersion,
  }
}
