/**
 * The storage-class-memory hcall opcodes (r3 before the call), from
 * arch/powerpc/include/asm/hvcall.h and QEMU's include/hw/ppc/spapr.h. 0x3FC and 0x400 once meant
 * H_SCM_MEM_QUERY and H_SCM_BLOCK_CLEAR (never implemented); they were reused, so behaviour is
 * keyed on these numbers only.
 */

export const H_SCM_READ_METADATA = 0x3e4
export const H_SCM_WRITE_METADATA = 0x3e8
export const H_SCM_BIND_MEM = 0x3ec
export const H_SCM_UNBIND_MEM = 0x3f0
export const H_SCM_QUERY_BLOCK_MEM_BINDING = 0x3f4
export const H_SCM_QUERY_LOGICAL_MEM_BINDING = 0x3f8
export const H_SCM_UNBIND_ALL = 0x3fc
export const H_SCM_HEALTH = 0x400
export const H_SCM_PERFORMANCE_STATS = 0x418
export const H_SCM_FLUSH = 0x44c

/** H_SCM_UNBIND_ALL's scmTargetScope (hvcall.h). */
export const H_UNBIND_SCOPE_ALL = 0x1n
export const H_UNBIND_SCOPE_DRC = 0x2n

/** papr_scm.c: H_SCM_BIND_MEM's target address when the hypervisor is to pick one. */
export const BIND_ANY_ADDR = 0xffff_ffff_ffff_ffffn

/** plpar_hcall9() hands back up to 9 return registers (r4-r12). */
export const PLPAR_HCALL9_BUFSIZE = 9

export const SCM_HCALL_OPCODES = [
  H_SCM_READ_METADATA,
  H_SCM_WRITE_METADATA,
  H_SCM_BIND_MEM,
  H_SCM_UNBIND_MEM,
  H_SCM_QUERY_BLOCK_MEM_BINDING,
  H_SCM_QUERY_LOGICAL_MEM_BINDING,
  H_SCM_UNBIND_ALL,
  H_SCM_HEALTH,
  H_SCM_PERFORMANCE_STATS,
  H_SCM_FLUSH,
] as const

export type ScmHcallOpcode = (typeof SCM_HCALL_OPCODES)[number]

const NAMES: ReadonlyMap<number, string> = new Map([
  [H_SCM_READ_METADATA, 'H_SCM_READ_METADATA'],
  [H_SCM_WRITE_METADATA, 'H_SCM_WRITE_METADATA'],
  [H_SCM_BIND_MEM, 'H_SCM_BIND_MEM'],
  [H_SCM_UNBIND_MEM, 'H_SCM_UNBIND_MEM'],
  [H_SCM_QUERY_BLOCK_MEM_BINDING, 'H_SCM_QUERY_BLOCK_MEM_BINDING'],
  [H_SCM_QUERY_LOGICAL_MEM_BINDING, 'H_SCM_QUERY_LOGICAL_MEM_BINDING'],
  [H_SCM_UNBIND_ALL, 'H_SCM_UNBIND_ALL'],
  [H_SCM_HEALTH, 'H_SCM_HEALTH'],
  [H_SCM_PERFORMANCE_STATS, 'H_SCM_PERFORMANCE_STATS'],
  [H_SCM_FLUSH, 'H_SCM_FLUSH'],
])

export function isScmHcallOpcode(opcode: number): opcode is ScmHcallOpcode {
  return NAMES.has(opcode)
}

/** "H_SCM_BIND_MEM", or the opcode in hex when it is not an SCM hcall. */
export function hcallName(opcode: number): string {
  return NAMES.get(opcode) ?? `0x${opcode.toString(16)}`
}
