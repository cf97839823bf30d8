import type { Command } from 'commander'
import cliProgress from 'cli-progress'
import {
  type Bus,
  type ClearErrorsOptions,
  type InjectErrorOptions,
  ndctlClearErrors,
  ndctlInjectError,
  ndctlStartScrub,
  ndctlWaitScrub,
  NvdimmError,
  type ScrubStatus,
} from '@nvdimm/core'
import { report } from '../output.js'
import { withUpdate } from '../session.js'

function seconds(value: string): number {
  const parsed = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) {
    throw new NvdimmError('EINVAL', `invalid poll interval '${value}': expected whole seconds`)
  }
  return parsed
}

/** A progress bar per bus on a terminal's stderr while wait-scrub waits; nothing otherwise. */
function scrubProgress(): { onPoll?: (bus: Bus, status: ScrubStatus) => void; stop(): void } {
  if (!process.stderr.isTTY) return { stop: () => undefined }
  const bars = new Map<string, cliProgress.SingleBar>()
  const stopAll = () => {
    for (const bar of bars.values()) bar.stop()
    bars.clear()
  }
  return {
    onPoll: (bus, status) => {
      let bar = bars.get(bus.name)
      if (!bar && !status.active) return
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: 'scrub {bus} [{bar}] {percentage}% | {duration_formatted}', stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
        bar.start(100, 0, { bus: bus.name })
        bars.set(bus.name, bar)
      }
      const done = status.active ? Math.floor((status.progress ?? 0) * 100) : 100
      bar.update(Math.min(100, Math.max(0, done)), { bus: bus.name })
      if (!status.active) {
        bar.stop()
        bars.delete(bus.name)
      }
    },
    stop: stopAll,
  }
}

export function registerScrub(program: Command): void {
  program
    .command('start-scrub')
    .description('start an Address Range Scrub (ARS) on the given buses (default: all)')
    .argument('[bus-id...]', 'bus ids, provider names or "all"')
    .option('-v, --verbose', 'turn on debug')
    .action(async (busIds: string[], options: { verbose?: boolean }, command: Command) => {
      report(await withUpdate(command, (nd) => ndctlStartScrub(nd, busIds, options)))
    })

  program
    .command('wait-scrub')
    .description('wait for an Address Range Scrub (ARS) to complete on the given buses (default: all)')
    .argument('[bus-id...]', 'bus ids, provider names or "all"')
    .option('-v, --verbose', 'turn on debug')
    .option('-p, --poll <seconds>', 'poll interval (seconds)', seconds)
    .action(async (busIds: string[], options: { verbose?: boolean; poll?: number }, command: Command) => {
      const progress = scrubProgress()
      try {
        const outcome = await withUpdate(command, (nd) =>
          ndctlWaitScrub(nd, busIds, { ...options, ...(progress.onPoll ? { onPoll: progress.onPoll } : {}) }),
        )
        progress.stop()
        report(outcome)
      } finally {
        progress.stop()
      }
    })

  program
    .command('inject-error')
    .description('inject media errors at a namespace offset, uninject them, or list them')
    .argument('[namespace]', 'a namespace name (namespace0.0)')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .option('-B, --block <namespace block offset (512B)>', 'specify the block at which to (un)inject the error')
    .option('-n, --count <count>', 'specify the number of blocks of errors to (un)inject')
    .option('-d, --uninject', 'un-inject a previously injected error')
    .option('-t, --status', 'get error injection status')
    .option('-N, --no-notify', 'firmware should not notify OS')
    .option('-S, --saturate', "inject full sector, not just 'ars_unit' bytes")
    .option('-u, --human', 'use human friendly number formats')
    .action(
      async (namespace: string | undefined, options: InjectErrorOptions & { notify?: boolean }, command: Command) => {
        if (namespace === undefined) throw new NvdimmError('EINVAL', 'specify a namespace to inject error to')
        const { notify, ...rest } = options
        const request: InjectErrorOptions = { ...rest, noNotify: notify === false }
        report(await withUpdate(command, (nd) => ndctlInjectError(nd, namespace, request)))
      },
    )

  program
    .command('clear-errors')
    .description('clear the known media errors of the given namespace(s) by asking the platform')
    .argument('[namespace]', 'a namespace name (namespace0.0) or "all"')
    .option('-b, --bus <bus-id>', 'limit namespace to a bus with an id or provider of <bus-id>')
    .option('-r, --region <region-id>', 'limit namespace to a region with an id or name of <region-id>')
    .option('-v, --verbose', 'emit extra debug messages to stderr')
    .option('-s, --scrub', 'run a scrub to find latent errors')
    .action(async (namespace: string | undefined, options: ClearErrorsOptions, command: Command) => {
      if (namespace === undefined) throw new NvdimmError('EINVAL', 'specify a namespace to clear errors for, or "all"')
      report(await withUpdate(command, (nd) => ndctlClearErrors(nd, namespace, options)))
    })
}
