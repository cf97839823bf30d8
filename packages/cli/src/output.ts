import { ERRNO, type NdctlOutcome, NvdimmError } from '@nvdimm/core'

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

/** Print what an ndctl command produced and set the exit code it asks for. */
export function report(outcome: NdctlOutcome): void {
  if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout)
  for (const error of outcome.errors) printError(error)
  printLines(outcome.messages)
  process.exitCode = outcome.exitCode
}
