import * as fs from 'node:fs'
import type { Command } from 'commander'
import {
  ndctlFreezeSecurity,
  ndctlRemovePassphrase,
  ndctlSanitizeDimm,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  ndctlWaitOverwrite,
  NvdimmError,
} from '@nvdimm/core'
import { report } from '../output.js'
import { withUpdate } from '../session.js'

/**
 * ndctl's security commands (ndctl/dimm.c key_options, sanitize_options, remove_options). The
 * one addition is --passphrase-file: ndctl makes every passphrase at random inside the kernel;
 * here a person may choose the new one, and it never travels as an argument value.
 */

interface BaseOptions {
  bus?: string
  verbose?: boolean
}

interface KeyOptions extends BaseOptions {
  keyHandle?: string
  masterPassphrase?: boolean
  passphraseFile?: string
}

function dimmArguments(dimms: string[], verb: string): string[] {
  if (dimms.length === 0) throw new NvdimmError('EINVAL', `specify the dimms to ${verb} (nmemN ...), or "all"`)
  return dimms
}

function dimmCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument('[dimms...]', 'nmemN ... or "all"')
    .option('-b, --bus <bus-id>', '<nmem> must be on a bus with an id/provider of <bus-id>')
    .option('-v, --verbose', 'turn on debug')
}

/** Read from the terminal without echo, up to Enter; ^C or ^D gives up. */
function promptHidden(prompt: string): Promise<Uint8Array> {
  const input = process.stdin
  return new Promise((resolve, reject) => {
    const typed: number[] = []
    const done = (error?: NvdimmError) => {
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      process.stderr.write('\n')
      if (error) reject(error)
      else resolve(Uint8Array.from(typed))
      typed.fill(0)
    }
    const onData = (chunk: Buffer) => {
      for (const byte of chunk) {
        if (byte === 0x0d || byte === 0x0a) return done()
        if (byte === 0x03 || byte === 0x04) return done(new NvdimmError('EINVAL', 'no passphrase entered'))
        if (byte === 0x7f || byte === 0x08) typed.pop()
        else typed.push(byte)
      }
      chunk.fill(0)
    }
    process.stderr.write(prompt)
    input.setRawMode(true)
    input.resume()
    input.on('data', onData)
  })
}

/**
 * --passphrase-file FILE: the file's bytes, less one trailing newline; "-" is standard input,
 * where a terminal is asked twice, without echo. The bytes are checked (1 to 32) by core.
 */
async function readPassphrase(source: string): Promise<Uint8Array> {
  if (source === '-' && process.stdin.isTTY) {
    const first = await promptHidden('New passphrase: ')
    const again = await promptHidden('Again: ')
    const same = Buffer.from(first).equals(Buffer.from(again))
    again.fill(0)
    if (!same) {
      first.fill(0)
      throw new NvdimmError('EINVAL', 'the two passphrases differ')
    }
    return first
  }
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(fs.readFileSync(source === '-' ? 0 : source))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const errno = code === 'ENOENT' || code === 'EACCES' ? code : 'EIO'
    throw new NvdimmError(errno, `cannot read the passphrase from ${source === '-' ? 'standard input' : source}`)
  }
  let end = bytes.length
  if (bytes[end - 1] === 0x0a) end--
  if (bytes[end - 1] === 0x0d) end--
  return bytes.subarray(0, end)
}

function keyCommand(program: Command, name: string, description: string): Command {
  return dimmCommand(program, name, description)
    .option('-k, --key-handle <key-handle>', 'master encryption key handle')
    .option('-m, --master-passphrase', 'use master passphrase')
    .option(
      '--passphrase-file <file>',
      'read the new passphrase (1 to 32 bytes) from <file>, or "-" for standard input (asked on a terminal); without it a random 32-byte one is made, as ndctl does',
    )
}

async function passphraseOptions(options: KeyOptions) {
  return {
    ...(options.bus !== undefined ? { bus: options.bus } : {}),
    ...(options.keyHandle !== undefined ? { keyHandle: options.keyHandle } : {}),
    master: options.masterPassphrase ?? false,
    ...(options.passphraseFile !== undefined ? { passphrase: await readPassphrase(options.passphraseFile) } : {}),
  }
}

export function registerSecurity(program: Command): void {
  keyCommand(program, 'setup-passphrase', 'setup and enable the security passphrase for an NVDIMM').action(
    async (dimms: string[], options: KeyOptions, command: Command) => {
      const targets = dimmArguments(dimms, 'set up')
      // Asked before the platform is locked: a person may take their time.
      const settings = await passphraseOptions(options)
      report(await withUpdate(command, (nd) => ndctlSetupPassphrase(nd, targets, settings)))
      settings.passphrase?.fill(0)
    },
  )

  keyCommand(program, 'update-passphrase', 'update the security passphrase for an NVDIMM').action(
    async (dimms: string[], options: KeyOptions, command: Command) => {
      const targets = dimmArguments(dimms, 'update')
      const settings = await passphraseOptions(options)
      report(await withUpdate(command, (nd) => ndctlUpdatePassphrase(nd, targets, settings)))
      settings.passphrase?.fill(0)
    },
  )

  dimmCommand(program, 'remove-passphrase', 'stop a DIMM from locking at power-loss and requiring a passphrase')
    .option('-m, --master-passphrase', 'use master passphrase')
    .action(async (dimms: string[], options: BaseOptions & { masterPassphrase?: boolean }, command: Command) => {
      const targets = dimmArguments(dimms, 'remove the passphrase of')
      const settings = {
        ...(options.bus !== undefined ? { bus: options.bus } : {}),
        master: options.masterPassphrase ?? false,
      }
      report(await withUpdate(command, (nd) => ndctlRemovePassphrase(nd, targets, settings)))
    })

  dimmCommand(program, 'freeze-security', 'set the given DIMM(s) to reject future security operations').action(
    async (dimms: string[], options: BaseOptions, command: Command) => {
      const targets = dimmArguments(dimms, 'freeze')
      report(await withUpdate(command, (nd) => ndctlFreezeSecurity(nd, targets, options)))
    },
  )

  dimmCommand(
    program,
    'sanitize-dimm',
    'perform a cryptographic destruction or overwrite of the contents of the given NVDIMM(s)',
  )
    .option('-c, --crypto-erase', 'crypto erase a dimm')
    .option('-o, --overwrite', 'overwrite a dimm')
    .option('-z, --zero-key', 'pass in a zero key')
    .option('-m, --master-passphrase', 'use master passphrase')
    .action(
      async (
        dimms: string[],
        options: BaseOptions & {
          cryptoErase?: boolean
          overwrite?: boolean
          zeroKey?: boolean
          masterPassphrase?: boolean
        },
        command: Command,
      ) => {
        const targets = dimmArguments(dimms, 'sanitize')
        const settings = {
          ...(options.bus !== undefined ? { bus: options.bus } : {}),
          verbose: options.verbose ?? false,
          cryptoErase: options.cryptoErase ?? false,
          overwrite: options.overwrite ?? false,
          zeroKey: options.zeroKey ?? false,
          master: options.masterPassphrase ?? false,
        }
        report(await withUpdate(command, (nd) => ndctlSanitizeDimm(nd, targets, settings)))
      },
    )

  dimmCommand(program, 'wait-overwrite', 'wait for an overwrite operation to complete').action(
    async (dimms: string[], options: BaseOptions, command: Command) => {
      const targets = dimmArguments(dimms, 'wait for')
      report(await withUpdate(command, (nd) => ndctlWaitOverwrite(nd, targets, options)))
    },
  )
}
