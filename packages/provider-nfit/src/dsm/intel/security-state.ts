import { encodeStatus } from '@nvdimm/core'
import { z } from 'zod'
import { INTEL_PASSPHRASE_SIZE } from './intel-functions.js'
import { IntelExtendedStatus, IntelStatus } from './intel-status.js'
import {
  decodePassphraseInput,
  decodeSetPassphraseInput,
  encodeSecurityStateOutput,
  SecurityExtendedState,
  SecurityState,
} from './security-payloads.js'

/** How long an overwrite runs (nfit_test: 5 * HZ). */
export const INTEL_OVERWRITE_MS = 5000

/** What a sanitize did to the media, for the provider to apply to the data it holds. */
export type SanitizeKind = 'crypto-erase' | 'overwrite'

const passphraseHex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'expected 32 bytes as 64 lower-case hex digits' })
  .transform((text): Uint8Array => Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16)))

export const securityStateSchema = z
  .strictObject({
    /** A user passphrase is set (ND_INTEL_SEC_STATE_ENABLED). */
    enabled: z.boolean(),
    locked: z.boolean(),
    frozen: z.boolean(),
    passphrase: passphraseHex,
    /** A master passphrase may be used (ND_INTEL_SEC_ESTATE_ENABLED). */
    masterEnabled: z.boolean(),
    masterPassphrase: passphraseHex,
    /** An overwrite runs until `endsAt` (clock ms); the state before it comes back after. */
    overwrite: z
      .strictObject({ endsAt: z.number().finite(), wasEnabled: z.boolean(), wasLocked: z.boolean() })
      .nullable(),
  })
  .refine((state) => !state.locked || state.enabled, { error: 'a dimm without a passphrase cannot be locked' })
  .refine((state) => state.overwrite === null || (!state.enabled && !state.locked && !state.frozen), {
    error: 'during an overwrite the dimm reports no other security state',
  })

export type SecurityStateJson = z.input<typeof securityStateSchema>
type SecurityStateData = z.output<typeof securityStateSchema>

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function samePassphrase(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0
  for (let i = 0; i < INTEL_PASSPHRASE_SIZE; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

const ok = (): Uint8Array => encodeStatus(IntelStatus.SUCCESS)
const fail = (status: number): Uint8Array => encodeStatus(status)

/**
 * The security state machine of an Intel dimm (functions 19-28) as nfit_test emulates it
 * (tools/testing/nvdimm/test/nfit.c nd_intel_test_cmd_*), with what a real dimm adds:
 * - every change is refused (INVALID_STATE) while frozen, and while an overwrite runs;
 * - a locked dimm must be unlocked before its passphrase can be changed or disabled;
 * - the dimm locks at every power cycle while a passphrase is set; the freeze lasts until then.
 * As nfit_test: a secure erase clears both passphrases, a master erase only the user one; an
 * overwrite reports OVERWRITE until a query after its 5 s, then returns to the state before.
 */
export class IntelSecurity {
  private data: SecurityStateData

  constructor(
    private readonly clock: () => number,
    private readonly sanitized: (kind: SanitizeKind) => void,
    json?: SecurityStateData,
  ) {
    this.data = json
      ? { ...json, overwrite: json.overwrite && { ...json.overwrite } }
      : {
          enabled: false,
          locked: false,
          frozen: false,
          passphrase: new Uint8Array(INTEL_PASSPHRASE_SIZE),
          // nfit_test's security_init(): the master passphrase is usable (all zeros) from the start
          masterEnabled: true,
          masterPassphrase: new Uint8Array(INTEL_PASSPHRASE_SIZE),
          overwrite: null,
        }
  }

  isLocked(): boolean {
    return this.data.locked
  }

  isOverwriting(): boolean {
    return this.data.overwrite !== null
  }

  /** Function 19. */
  state(): Uint8Array {
    const { data } = this
    let state = 0
    if (data.overwrite) state = SecurityState.OVERWRITE
    else {
      if (data.enabled) state |= SecurityState.ENABLED
      if (data.locked) state |= SecurityState.LOCKED
      if (data.frozen) state |= SecurityState.FROZEN
    }
    const extendedState = data.masterEnabled ? SecurityExtendedState.ENABLED : 0
    return encodeSecurityStateOutput(IntelStatus.SUCCESS, { state, extendedState })
  }

  /** Function 20: `old` must match (all zeros when none is set). */
  setPassphrase(input: Uint8Array): Uint8Array {
    if (input.length < 2 * INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (this.busy() || this.data.locked) return fail(IntelStatus.INVALID_STATE)
    const { oldPass, newPass } = decodeSetPassphraseInput(input)
    if (!samePassphrase(oldPass, this.data.passphrase)) return fail(IntelStatus.INVALID_PASS)
    this.data.passphrase = newPass
    this.data.enabled = true
    return ok()
  }

  /** Function 21. */
  disablePassphrase(input: Uint8Array): Uint8Array {
    if (input.length < INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (!this.data.enabled || this.busy() || this.data.locked) return fail(IntelStatus.INVALID_STATE)
    if (!samePassphrase(decodePassphraseInput(input), this.data.passphrase)) return fail(IntelStatus.INVALID_PASS)
    this.data.passphrase = new Uint8Array(INTEL_PASSPHRASE_SIZE)
    this.data.enabled = false
    return ok()
  }

  /** Function 22. */
  unlock(input: Uint8Array): Uint8Array {
    if (input.length < INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (!this.data.locked || this.busy()) return fail(IntelStatus.INVALID_STATE)
    if (!samePassphrase(decodePassphraseInput(input), this.data.passphrase)) return fail(IntelStatus.INVALID_PASS)
    this.data.locked = false
    return ok()
  }

  /** Function 23: only with a passphrase set. */
  freeze(): Uint8Array {
    if (!this.data.enabled || this.data.overwrite) return fail(IntelStatus.INVALID_STATE)
    this.data.frozen = true
    return ok()
  }

  /** Function 24: a crypto erase with the user passphrase (zeros when none is set). */
  secureErase(input: Uint8Array): Uint8Array {
    if (input.length < INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (this.busy()) return fail(IntelStatus.INVALID_STATE)
    if (!samePassphrase(decodePassphraseInput(input), this.data.passphrase)) return fail(IntelStatus.INVALID_PASS)
    this.data.passphrase = new Uint8Array(INTEL_PASSPHRASE_SIZE)
    this.data.masterPassphrase = new Uint8Array(INTEL_PASSPHRASE_SIZE)
    this.data.enabled = false
    this.data.locked = false
    this.data.masterEnabled = true
    this.sanitized('crypto-erase')
    return ok()
  }

  /** Function 25: the passphrase is checked only when one is set. */
  overwrite(input: Uint8Array): Uint8Array {
    if (input.length < INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (this.busy()) return fail(IntelStatus.INVALID_STATE)
    if (this.data.enabled && !samePassphrase(decodePassphraseInput(input), this.data.passphrase)) {
      return fail(IntelStatus.INVALID_PASS)
    }
    this.data.overwrite = {
      endsAt: this.clock() + INTEL_OVERWRITE_MS,
      wasEnabled: this.data.enabled,
      wasLocked: this.data.locked,
    }
    this.data.enabled = false
    this.data.locked = false
    this.sanitized('overwrite')
    return ok()
  }

  /** Function 26: in progress until the deadline; the first query after it completes the overwrite. */
  queryOverwrite(): Uint8Array {
    const { overwrite } = this.data
    if (!overwrite) return fail(IntelExtendedStatus.OQUERY_SEQUENCE_ERR)
    if (this.clock() < overwrite.endsAt) return fail(IntelExtendedStatus.OQUERY_INPROGRESS)
    this.completeOverwrite()
    return ok()
  }

  /** Function 27: needs the master passphrase enabled. */
  setMasterPassphrase(input: Uint8Array): Uint8Array {
    if (input.length < 2 * INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (!this.data.masterEnabled) return fail(IntelStatus.NOTSUPP)
    if (this.busy()) return fail(IntelStatus.INVALID_STATE)
    const { oldPass, newPass } = decodeSetPassphraseInput(input)
    if (!samePassphrase(oldPass, this.data.masterPassphrase)) return fail(IntelStatus.INVALID_PASS)
    this.data.masterPassphrase = newPass
    return ok()
  }

  /** Function 28: a crypto erase with the master passphrase, which stays. */
  masterSecureErase(input: Uint8Array): Uint8Array {
    if (input.length < INTEL_PASSPHRASE_SIZE) return fail(IntelStatus.INVALPARM)
    if (!this.data.masterEnabled) return fail(IntelStatus.NOTSUPP)
    if (this.busy()) return fail(IntelStatus.INVALID_STATE)
    if (!samePassphrase(decodePassphraseInput(input), this.data.masterPassphrase)) {
      return fail(IntelStatus.INVALID_PASS)
    }
    this.data.passphrase = new Uint8Array(INTEL_PASSPHRASE_SIZE)
    this.data.enabled = false
    this.data.locked = false
    this.sanitized('crypto-erase')
    return ok()
  }

  /**
   * Power cycle: an overwrite still running is finished by the time the dimm is back (the
   * media is already wiped; only the report was pending), the freeze ends, and a dimm with a
   * passphrase comes up locked.
   */
  powerCycle(): void {
    if (this.data.overwrite) this.completeOverwrite()
    this.data.frozen = false
    if (this.data.enabled) this.data.locked = true
  }

  /** The dimm's own NVRAM: passphrases as hex. Never print or log it. */
  toJSON(): SecurityStateJson {
    return {
      ...this.data,
      passphrase: toHex(this.data.passphrase),
      masterPassphrase: toHex(this.data.masterPassphrase),
      overwrite: this.data.overwrite && { ...this.data.overwrite },
    }
  }

  private busy(): boolean {
    return this.data.frozen || this.data.overwrite !== null
  }

  private completeOverwrite(): void {
    const overwrite = this.data.overwrite
    if (!overwrite) return
    this.data.enabled = overwrite.wasEnabled
    this.data.locked = overwrite.wasLocked
    this.data.masterEnabled = true
    this.data.overwrite = null
  }
}
