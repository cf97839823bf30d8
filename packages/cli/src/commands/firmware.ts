import * as fs from 'node:fs'
import type { Command } from 'commander'
import {
  checkUpdateFirmwareOptions,
  type Errno,
  ndctlUpdateFirmware,
  NvdimmError,
  strerror,
  type UpdateFirmwareOptions,
} from '@nvdimm/core'
import { report } from '../output.js'
import { withUpdate } from '../session.js'

interface FirmwareCliOptions {
  bus?: string
  verbose?: boolean
  firmware?: string
  force?: boolean
  arm?: boolean
  disarm?: boolean
}

/** fopen() and fstat() of the image as ndctl does them: the bytes, or the line ndctl prints. */
function readImage(file: string): Uint8Array | NvdimmError {
  try {
    if (!fs.statSync(file).isFile()) return new NvdimmError('EINVAL', 'Input not a regular file.')
    return new Uint8Array(fs.readFileSync(file))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const errno: Errno = code === 'ENOENT' || code === 'EACCES' ? code : 'EIO'
    return new NvdimmError(errno, `failed to open: ${file}: (${strerror(errno)})`)
  }
}

/** `update-firmware` with ndctl's options (ndctl/dimm.c BASE_OPTIONS, UPDATE_OPTIONS). */
export function registerFirmware(program: Command): void {
  program
    .command('update-firmware')
    .description('update the firmware of the given dimms')
    .argument('[dimms...]', 'nmemN ... or "all"')
    .option('-b, --bus <bus-id>', '<nmem> must be on a bus with an id/provider of <bus-id>')
    .option('-v, --verbose', 'turn on debug')
    .option('-f, --firmware <firmware-file>', 'firmware filename for update')
    .option('-i, --force', 'ignore ARS / arm status, try to force update')
    .option('-A, --arm', 'arm device for firmware activation (default)')
    .option('--no-arm', 'do not arm after the update')
    .option('-D, --disarm', 'disarm device for firmware activation')
    .option('--no-disarm', 'refused, as by ndctl')
    .action(async (dimms: string[], options: FirmwareCliOptions, command: Command) => {
      const settings: UpdateFirmwareOptions = {
        ...(options.bus !== undefined ? { bus: options.bus } : {}),
        ...(options.arm !== undefined ? { arm: options.arm } : {}),
        ...(options.disarm !== undefined ? { disarm: options.disarm } : {}),
        verbose: options.verbose ?? false,
        force: options.force ?? false,
        // ndctl prints human-friendly numbers when its output is a terminal.
        human: process.stdout.isTTY === true,
      }
      // ndctl checks its arguments before it opens the image (only whether one is given counts).
      const given = options.firmware !== undefined ? { firmware: new Uint8Array(0) } : {}
      checkUpdateFirmwareOptions(dimms, { ...settings, ...given })
      if (options.firmware !== undefined) {
        const image = readImage(options.firmware)
        if (image instanceof NvdimmError) {
          report({ errors: [image], messages: ['updated 0 nmem.'], exitCode: 1 })
          return
        }
        settings.firmware = image
      }
      report(await withUpdate(command, (nd) => ndctlUpdateFirmware(nd, dimms, settings)))
    })
}
