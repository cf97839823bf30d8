import { checkField, checkU64, need, view } from './payload-bytes.js'

/**
 * SMART payloads of the Intel DSM family (ndctl/lib/intel.h, drivers/acpi/nfit/intel.h), packed,
 * little-endian. Offsets below are in the DSM buffer, status included.
 */

/** ND_INTEL_SMART_*_VALID: which fields of struct nd_intel_smart mean something. */
export const SmartValid = {
  HEALTH: 1 << 0,
  SPARES: 1 << 1,
  USED: 1 << 2,
  MTEMP: 1 << 3,
  CTEMP: 1 << 4,
  SHUTDOWN_COUNT: 1 << 5,
  AIT_STATUS: 1 << 6,
  PTEMP: 1 << 7,
  ALARM: 1 << 9,
  SHUTDOWN: 1 << 10,
  VENDOR: 1 << 11,
} as const

/** ND_INTEL_SMART_{NON_CRITICAL,CRITICAL,FATAL}_HEALTH; 0 is ok. */
export const SmartHealth = {
  NON_CRITICAL: 1 << 0,
  CRITICAL: 1 << 1,
  FATAL: 1 << 2,
} as const

/** ND_INTEL_SMART_*_TRIP: alarm_flags of SMART and alarm_control of the thresholds. */
export const SmartTrip = {
  SPARE: 1 << 0,
  MTEMP: 1 << 1,
  CTEMP: 1 << 2,
} as const

/** ND_INTEL_SMART_INJECT_*: the u64 flags of struct nd_intel_smart_inject. */
export const SmartInjectFlag = {
  MTEMP: 1n << 0n,
  SPARE: 1n << 1n,
  FATAL: 1n << 2n,
  SHUTDOWN: 1n << 3n,
} as const

export const SMART_VENDOR_DATA_SIZE = 92
/** sizeof(struct nd_intel_smart): status + 128 bytes of data. */
export const SMART_OUTPUT_SIZE = 132
/** sizeof(struct nd_intel_smart_threshold): status + 8 bytes of data. */
export const SMART_THRESHOLD_OUTPUT_SIZE = 12
/** offsetof(struct nd_intel_smart_set_threshold, status). */
export const SMART_SET_THRESHOLD_INPUT_SIZE = 7
/** offsetof(struct nd_intel_smart_inject, status). */
export const SMART_INJECT_INPUT_SIZE = 15

/** struct nd_intel_smart without the status; temperatures raw (1/16 °C, bit 15 sign). */
export interface IntelSmart {
  flags: number
  health: number
  spares: number
  lifeUsed: number
  alarmFlags: number
  mediaTemperature: number
  controllerTemperature: number
  shutdownCount: number
  aitStatus: number
  pmicTemperature: number
  shutdownState: number
  vendorSize: number
  vendorData: Uint8Array
}

/**
 * SMART (function 1) output: status @0, flags u32 @4, reserved0[4] @8, health u8 @12, spares @13,
 * life_used @14, alarm_flags @15, media_temperature u16 @16, ctrl_temperature u16 @18,
 * shutdown_count u32 @20, ait_status u8 @24, pmic_temperature u16 @25, reserved1[8] @27,
 * shutdown_state u8 @35, vendor_size u32 @36, vendor_data[92] @40.
 */
export function encodeSmartOutput(status: number, smart: IntelSmart): Uint8Array {
  checkField(smart.flags, 0xffffffff, 'smart flags')
  checkField(smart.health, 0xff, 'smart health')
  checkField(smart.spares, 0xff, 'smart spares')
  checkField(smart.lifeUsed, 0xff, 'smart life_used')
  checkField(smart.alarmFlags, 0xff, 'smart alarm_flags')
  checkField(smart.mediaTemperature, 0xffff, 'smart media_temperature')
  checkField(smart.controllerTemperature, 0xffff, 'smart ctrl_temperature')
  checkField(smart.shutdownCount, 0xffffffff, 'smart shutdown_count')
  checkField(smart.aitStatus, 0xff, 'smart ait_status')
  checkField(smart.pmicTemperature, 0xffff, 'smart pmic_temperature')
  checkField(smart.shutdownState, 0xff, 'smart shutdown_state')
  checkField(smart.vendorSize, 0xffffffff, 'smart vendor_size')
  const out = new Uint8Array(SMART_OUTPUT_SIZE)
  const dv = view(out)
  dv.setUint32(0, status >>> 0, true)
  dv.setUint32(4, smart.flags, true)
  out[12] = smart.health
  out[13] = smart.spares
  out[14] = smart.lifeUsed
  out[15] = smart.alarmFlags
  dv.setUint16(16, smart.mediaTemperature, true)
  dv.setUint16(18, smart.controllerTemperature, true)
  dv.setUint32(20, smart.shutdownCount, true)
  out[24] = smart.aitStatus
  dv.setUint16(25, smart.pmicTemperature, true)
  out[35] = smart.shutdownState
  dv.setUint32(36, smart.vendorSize, true)
  out.set(smart.vendorData.subarray(0, SMART_VENDOR_DATA_SIZE), 40)
  return out
}

export function decodeSmartOutput(bytes: Uint8Array): { status: number; smart: IntelSmart } {
  need(bytes, SMART_OUTPUT_SIZE, 'intel smart')
  const dv = view(bytes)
  return {
    status: dv.getUint32(0, true),
    smart: {
      flags: dv.getUint32(4, true),
      health: bytes[12]!,
      spares: bytes[13]!,
      lifeUsed: bytes[14]!,
      alarmFlags: bytes[15]!,
      mediaTemperature: dv.getUint16(16, true),
      controllerTemperature: dv.getUint16(18, true),
      shutdownCount: dv.getUint32(20, true),
      aitStatus: bytes[24]!,
      pmicTemperature: dv.getUint16(25, true),
      shutdownState: bytes[35]!,
      vendorSize: dv.getUint32(36, true),
      vendorData: bytes.slice(40, 40 + SMART_VENDOR_DATA_SIZE),
    },
  }
}

/** struct nd_intel_smart_threshold data; temperatures raw. */
export interface IntelSmartThreshold {
  alarmControl: number
  spares: number
  mediaTemperature: number
  controllerTemperature: number
}

function checkThreshold(value: IntelSmartThreshold): void {
  checkField(value.alarmControl, 0xffff, 'threshold alarm_control')
  checkField(value.spares, 0xff, 'threshold spares')
  checkField(value.mediaTemperature, 0xffff, 'threshold media_temperature')
  checkField(value.controllerTemperature, 0xffff, 'threshold ctrl_temperature')
}

/** SMART_THRESHOLD (function 2) output: status @0, alarm_control u16 @4, spares u8 @6, media_temperature u16 @7, ctrl_temperature u16 @9, reserved @11. */
export function encodeSmartThresholdOutput(status: number, value: IntelSmartThreshold): Uint8Array {
  checkThreshold(value)
  const out = new Uint8Array(SMART_THRESHOLD_OUTPUT_SIZE)
  const dv = view(out)
  dv.setUint32(0, status >>> 0, true)
  dv.setUint16(4, value.alarmControl, true)
  out[6] = value.spares
  dv.setUint16(7, value.mediaTemperature, true)
  dv.setUint16(9, value.controllerTemperature, true)
  return out
}

export function decodeSmartThresholdOutput(bytes: Uint8Array): { status: number; threshold: IntelSmartThreshold } {
  need(bytes, SMART_THRESHOLD_OUTPUT_SIZE, 'intel smart threshold')
  const dv = view(bytes)
  return {
    status: dv.getUint32(0, true),
    threshold: {
      alarmControl: dv.getUint16(4, true),
      spares: bytes[6]!,
      mediaTemperature: dv.getUint16(7, true),
      controllerTemperature: dv.getUint16(9, true),
    },
  }
}

/** SMART_SET_THRESHOLD (function 17) input: alarm_control u16 @0, spares u8 @2, media_temperature u16 @3, ctrl_temperature u16 @5; output is a status. */
export function encodeSetThresholdInput(value: IntelSmartThreshold): Uint8Array {
  checkThreshold(value)
  const out = new Uint8Array(SMART_SET_THRESHOLD_INPUT_SIZE)
  const dv = view(out)
  dv.setUint16(0, value.alarmControl, true)
  out[2] = value.spares
  dv.setUint16(3, value.mediaTemperature, true)
  dv.setUint16(5, value.controllerTemperature, true)
  return out
}

export function decodeSetThresholdInput(bytes: Uint8Array): IntelSmartThreshold {
  need(bytes, SMART_SET_THRESHOLD_INPUT_SIZE, 'intel smart set threshold')
  const dv = view(bytes)
  return {
    alarmControl: dv.getUint16(0, true),
    spares: bytes[2]!,
    mediaTemperature: dv.getUint16(3, true),
    controllerTemperature: dv.getUint16(5, true),
  }
}

/** struct nd_intel_smart_inject without the status; the *Enable bytes are 0 (uninject) or 1. */
export interface IntelSmartInject {
  flags: bigint
  mtempEnable: number
  mediaTemperature: number
  spareEnable: number
  spares: number
  fatalEnable: number
  unsafeShutdownEnable: number
}

/** SMART_INJECT (function 18) input: flags u64 @0, mtemp_enable u8 @8, media_temperature u16 @9, spare_enable @11, spares @12, fatal_enable @13, unsafe_shutdown_enable @14; output is a status. */
export function encodeSmartInjectInput(value: IntelSmartInject): Uint8Array {
  checkU64(value.flags, 'inject flags')
  checkField(value.mtempEnable, 0xff, 'inject mtemp_enable')
  checkField(value.mediaTemperature, 0xffff, 'inject media_temperature')
  checkField(value.spareEnable, 0xff, 'inject spare_enable')
  checkField(value.spares, 0xff, 'inject spares')
  checkField(value.fatalEnable, 0xff, 'inject fatal_enable')
  checkField(value.unsafeShutdownEnable, 0xff, 'inject unsafe_shutdown_enable')
  const out = new Uint8Array(SMART_INJECT_INPUT_SIZE)
  const dv = view(out)
  dv.setBigUint64(0, value.flags, true)
  out[8] = value.mtempEnable
  dv.setUint16(9, value.mediaTemperature, true)
  out[11] = value.spareEnable
  out[12] = value.spares
  out[13] = value.fatalEnable
  out[14] = value.unsafeShutdownEnable
  return out
}

export function decodeSmartInjectInput(bytes: Uint8Array): IntelSmartInject {
  need(bytes, SMART_INJECT_INPUT_SIZE, 'intel smart inject')
  const dv = view(bytes)
  return {
    flags: dv.getBigUint64(0, true),
    mtempEnable: bytes[8]!,
    mediaTemperature: dv.getUint16(9, true),
    spareEnable: bytes[11]!,
    spares: bytes[12]!,
    fatalEnable: bytes[13]!,
    unsafeShutdownEnable: bytes[14]!,
  }
}
