import { describe, expect, it } from 'vitest'
import {
  memoryKeyStore,
  ndctlFreezeSecurity,
  ndctlList,
  ndctlRemovePassphrase,
  ndctlSanitizeDimm,
  ndctlSetupPassphrase,
  ndctlUpdatePassphrase,
  ndctlWaitOverwrite,
  ndctlXableRegion,
  type NdctlOutcome,
} from '../../src/index.js'
import { boot, padded, secureProvider, typed } from './helpers.js'

/**
 * A passphrase never leaves the key store and the firmware: run every security command, the
 * failing ways too, and look for it in everything a person or a log could see, as text, hex
 * and base64.
 */

const SECRETS = ['correct horse battery staple', 'Tr0ub4dor&3 zebra', 'wrong-guess-42']

function forms(secret: string): string[] {
  const bytes = padded(secret)
  const raw = typed(secret)
  return [
    secret,
    Buffer.from(raw).toString('hex'),
    Buffer.from(bytes).toString('hex'),
    Buffer.from(raw).toString('base64'),
    Buffer.from(bytes).toString('base64'),
    Array.from(raw).join(','),
  ]
}

function outcomeText(outcome: NdctlOutcome): string {
  const errors = outcome.errors.flatMap((error) => [error.message, error.stack ?? '', String(error.cause ?? '')])
  return [typeof outcome.stdout === 'string' ? outcome.stdout : '', ...outcome.messages, ...errors].join('\n')
}

describe('no passphrase in any output or log', () => {
  it('holds across setup, update, remove, freeze, sanitize and wait-overwrite, failures included', async () => {
    const provider = secureProvider({ dimms: [{}, {}, { insecure: true }], overwriteQueries: 2 })
    const keys = memoryKeyStore()
    const { nd, log } = await boot(provider, keys)
    const seen: string[] = []
    const capture = async (run: () => Promise<NdctlOutcome>) => {
      try {
        seen.push(outcomeText(await run()))
      } catch (error) {
        seen.push(String(error), (error as Error).stack ?? '')
      }
    }
    const list = async () => seen.push((await ndctlList(nd, { dimms: true, regions: true, idle: true })) ?? '')

    await capture(() => ndctlSetupPassphrase(nd, ['all'], { keyHandle: 'user:kek', passphrase: typed(SECRETS[0]!) }))
    await ndctlXableRegion(nd, 'disable', 'all')
    await capture(() => ndctlSetupPassphrase(nd, ['all'], { keyHandle: 'user:kek', passphrase: typed(SECRETS[0]!) }))
    await capture(() => ndctlSetupPassphrase(nd, ['nmem0'], { keyHandle: 'user:kek', passphrase: typed(SECRETS[0]!) }))
    await list()
    await capture(() => ndctlUpdatePassphrase(nd, ['all'], { passphrase: typed(SECRETS[1]!) }))
    // A wrong key in the store: every operation that uses it fails.
    keys.put('5ec0-0a-0000-00000000', 'user', { kek: 'user:kek', passphrase: padded(SECRETS[2]!) })
    await capture(() => ndctlUpdatePassphrase(nd, ['nmem0'], { passphrase: typed(SECRETS[0]!) }))
    await capture(() => ndctlRemovePassphrase(nd, ['nmem0']))
    await capture(() => ndctlSanitizeDimm(nd, ['nmem0'], { verbose: true }))
    await capture(() => ndctlSanitizeDimm(nd, ['nmem0'], { overwrite: true }))
    await nd.stop()
    provider.control.powerCycle()

    // A power cycle with the wrong key: the unlock fails and says so, without the key.
    const second = await boot(provider, keys)
    seen.push(...second.log.map((entry) => entry.message))
    await capture(() => ndctlFreezeSecurity(second.nd, ['all']))
    await capture(() => ndctlRemovePassphrase(second.nd, ['nmem1']))
    await ndctlXableRegion(second.nd, 'disable', 'all')
    await capture(() => ndctlSanitizeDimm(second.nd, ['nmem1'], { overwrite: true, verbose: true }))
    await capture(() => ndctlWaitOverwrite(second.nd, ['all'], { pollIntervalMs: 0, verbose: true }))
    seen.push((await ndctlList(second.nd, { dimms: true, regions: true, idle: true })) ?? '')
    seen.push(...second.nd.dmesg.map((entry) => entry.message), ...second.log.map((entry) => entry.message))
    await second.nd.stop()
    seen.push(...nd.dmesg.map((entry) => entry.message), ...log.map((entry) => entry.message))

    // The commands did run (so there was something to leak).
    const firmware = provider.control.firmware(0)
    expect(
      firmware.received.some((call) => call.keys.some((key) => Buffer.from(key).equals(padded(SECRETS[2]!)))),
    ).toBe(true)
    expect(seen.join('\n')).toContain('Failed remove passphrase for nmem0')
    expect(seen.join('\n')).toContain('nmem0: key: nvdimm:5ec0-0a-0000-00000000 unlock: fail')

    const everything = seen.join('\n')
    for (const secret of SECRETS) {
      for (const form of forms(secret)) expect(everything).not.toContain(form)
    }
    // Nor any stored key (random ones included) in any form.
    for (const id of ['5ec0-0a-0000-00000000', '5ec0-0a-0000-00000001']) {
      const key = keys.get(id, 'user')
      if (!key) continue
      expect(everything).not.toContain(Buffer.from(key.passphrase).toString('hex'))
      expect(everything).not.toContain(Buffer.from(key.passphrase).toString('base64'))
    }
  })
})
