import { ERRNO, NvdimmError } from '@nvdimm/core'

/** ndctl exits with its negative return code: -EINVAL leaves as 234, -ENXIO as 250. */
export function exitCodeOf(error: NvdimmError): number {
  return (256 - ERRNO[error.errno]) & 0xff
}

export function printError(error: NvdimmError): void {
  process.stderr.write(`error: ${error.message} (${error.errno})\n`)
}

export function printLines(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`${line}\n`)
}
