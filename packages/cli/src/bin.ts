import { main } from './program.js'

main(process.argv).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // Not an NvdimmError: a bug here, not bad input. Say so without a stack trace.
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`error: internal failure: ${message} (EIO)\n`)
    process.exitCode = 251
  },
)
