import { field } from './register-field.js'

/**
 * This package's register map of the emulated card's global MMIO BAR. The ocxlpmem series named
 * the registers and bits but its offsets, opcodes and status values (patch 12/25) were never
 * quoted, so the numbers are ours; README.md holds the full table.
 */

export const OCXL_MMIO_SIZE = 0x2000

export const GLOBAL_MMIO_CCAP0 = 0x0000
export const GLOBAL_MMIO_CCAP1 = 0x0008
export const GLOBAL_MMIO_FWVER = 0x0010
/** Admin command metadata area: the CREQO pair of words (request/response, data offset/size). */
export const GLOBAL_MMIO_ACMA_CREQO = 0x0018
export const GLOBAL_MMIO_CHI = 0x0028
/** CHI interrupt enable: write 1 to set, reads the enabled bits. */
export const GLOBAL_MMIO_CHIE = 0x0030
/** CHI interrupt enable clear: write 1 to clear (free_ocxlpmem writes CHI_ALL here). */
export const GLOBAL_MMIO_CHIEC = 0x0038
/** Host command indicator: the admin doorbell. */
export const GLOBAL_MMIO_HCI = 0x0040

export const ADMIN_REQUEST_OFFSET = 0x0100
export const ADMIN_RESPONSE_OFFSET = 0x0140
export const ADMIN_AREA_SIZE = 0x40
export const ADMIN_DATA_OFFSET = 0x1000
export const ADMIN_DATA_SIZE = 0x1000

/** Controller health indicator bits. */
export const GLOBAL_MMIO_CHI_CRDY = 1n << 0n
export const GLOBAL_MMIO_CHI_MA = 1n << 1n
export const GLOBAL_MMIO_CHI_ELA = 1n << 2n
export const GLOBAL_MMIO_CHI_CDA = 1n << 3n
export const GLOBAL_MMIO_CHI_CFFS = 1n << 4n
export const GLOBAL_MMIO_CHI_CHFS = 1n << 5n
export const GLOBAL_MMIO_CHI_ALL = 0x3fn

/** HCI bit 0: admin command request written; the card clears it when the response is ready. */
export const GLOBAL_MMIO_HCI_ACRW = 1n << 0n

/** CCAP0 fields (patch 13/25: revision nibbles, read latency at 32, timeouts at 48 and 52). */
export const CCAP0_REVISION_MINOR = field(GLOBAL_MMIO_CCAP0, 0, 4)
export const CCAP0_REVISION_MAJOR = field(GLOBAL_MMIO_CCAP0, 4, 4)
/** Read latency, nanoseconds; the series' mask was lost, 16 bits is ours. */
export const CCAP0_READ_LATENCY = field(GLOBAL_MMIO_CCAP0, 32, 16)
/** Seconds. */
export const CCAP0_READINESS_TIMEOUT = field(GLOBAL_MMIO_CCAP0, 48, 4)
/** Seconds. */
export const CCAP0_MEMORY_AVAILABLE_TIMEOUT = field(GLOBAL_MMIO_CCAP0, 52, 12)
/** Largest controller dump, bytes; 32 bits is ours. */
export const CCAP1_MAX_CONTROLLER_DUMP_SIZE = field(GLOBAL_MMIO_CCAP1, 0, 32)
/** Eight ASCII bytes in address order (the series read them host-endian into char[8]). */
export const FWVER_STRING = field(GLOBAL_MMIO_FWVER, 0, 64)

/** extract_command_metadata(): upper 32 bits request offset, lower response offset; then data. */
export const ACMA_REQUEST_OFFSET = field(GLOBAL_MMIO_ACMA_CREQO, 32, 32)
export const ACMA_RESPONSE_OFFSET = field(GLOBAL_MMIO_ACMA_CREQO, 0, 32)
export const ACMA_DATA_OFFSET = field(GLOBAL_MMIO_ACMA_CREQO + 8, 32, 32)
export const ACMA_DATA_SIZE = field(GLOBAL_MMIO_ACMA_CREQO + 8, 0, 32)
