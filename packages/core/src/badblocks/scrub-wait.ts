import type { Bus } from '../bus/bus.js'
import { NvdimmError } from '../errors.js'
import type { ScrubStatus } from '../provider/bus-ops.js'

/** How the waits of the scrub commands pass time and report it; tests pass a clock of their own. */
export interface ScrubWaitEnv {
  /** Let `ms` milliseconds pass. */
  sleep?(ms: number): Promise<void>
  /** Every scrub status read while waiting (for a progress display). */
  onPoll?(bus: Bus, status: ScrubStatus): void
}

/** How often a wait "for the sysfs notification" looks again. */
export const SCRUB_POLL_STEP_MS = 100

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Read the bus's scrub state (sysfs nfit/scrub); EOPNOTSUPP when the bus cannot scrub. */
export async function scrubStatus(bus: Bus, env: ScrubWaitEnv = {}): Promise<ScrubStatus> {
  const scrub = bus.ops.scrub
  if (!scrub) throw new NvdimmError('EOPNOTSUPP', `${bus.name}: ${bus.providerName} does not scrub`)
  const status = await scrub.status()
  env.onPoll?.(bus, status)
  return status
}

/**
 * poll() on sysfs scrub: wait until the kernel notifies a change (the count moves or the scrub
 * ends) or `seconds` pass (0: no limit). True when woken by a change.
 */
async function waitForChange(bus: Bus, before: ScrubStatus, seconds: number, env: ScrubWaitEnv): Promise<boolean> {
  const sleep = env.sleep ?? defaultSleep
  const limit = seconds * 1000
  for (let waited = 0; limit === 0 || waited < limit;) {
    const step = limit === 0 ? SCRUB_POLL_STEP_MS : Math.min(SCRUB_POLL_STEP_MS, limit - waited)
    await sleep(step)
    waited += step
    const now = await scrubStatus(bus, env)
    if (now.count !== before.count || !now.active) return true
  }
  return false
}

/**
 * ndctl_bus_poll_scrub_completion() (ndctl/lib/libndctl.c): resolve once no scrub is running;
 * look again every `pollSeconds` (0: on change only); ETIMEDOUT after `timeoutSeconds` (0: never).
 */
export async function pollScrubCompletion(
  bus: Bus,
  pollSeconds: number,
  timeoutSeconds: number,
  env: ScrubWaitEnv = {},
): Promise<void> {
  let poll = pollSeconds
  let timeout = timeoutSeconds
  for (;;) {
    const status = await scrubStatus(bus, env)
    if (!status.active) return
    const tmo = !timeout ? poll : !poll ? timeout : Math.min(poll, timeout)
    if (await waitForChange(bus, status, tmo, env)) continue
    if (!timeout) continue
    if (!poll || poll > timeout) {
      throw new NvdimmError('ETIMEDOUT', `${bus.name}: the scrub is still running after ${timeoutSeconds} s`)
    }
    if (timeout > poll) timeout -= poll
    else if (timeout === poll) {
      timeout = 1
      poll = 0
    }
  }
}

/**
 * ndctl_bus_start_scrub(): ask for a scrub; when the kernel says one is already queued, give
 * it one poll cycle to finish (its backoff may hide an idle platform) and ask again.
 */
export async function startScrub(bus: Bus, env: ScrubWaitEnv = {}): Promise<void> {
  const scrub = bus.ops.scrub
  if (!scrub) throw new NvdimmError('EOPNOTSUPP', `${bus.name}: ${bus.providerName} does not scrub`)
  try {
    await scrub.start()
  } catch (error) {
    if (!(error instanceof NvdimmError) || error.errno !== 'EBUSY') throw error
    try {
      await pollScrubCompletion(bus, 1, 1, env)
    } catch {
      throw error
    }
    await scrub.start()
  }
}
