import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { type Command, Option } from 'commander'
import {
  applyMonitorConfig,
  DimmMonitor,
  ERRNO,
  type Errno,
  formatMonitorLog,
  type MonitorLogEntry,
  type MonitorLogTarget,
  monitorLogTarget,
  NvdimmError,
} from '@nvdimm/core'
import { withReadOnly, withUpdate } from '../session.js'

/**
 * `monitor`: ndctl's options, plus three of ours because each command here is its own process
 * over a platform on disk: --poll-interval (how often the platform is sampled), --count and
 * --timeout (when to stop; SIGINT and SIGTERM stop it too). The decisions are core's
 * DimmMonitor; this file only keeps time and writes the log.
 */

interface MonitorCliOptions {
  bus?: string
  region?: string
  dimm?: string
  namespace?: string
  dimmEvent?: string
  log?: string
  configFile?: string
  daemon?: boolean
  human?: boolean
  verbose?: boolean
  poll?: number
  pollInterval: number
  count?: number
  timeout?: number
}

function wholeNumber(what: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new NvdimmError(
        'EINVAL',
        `${what} expects a whole number${min > 0 ? ` of at least ${min}` : ''}: '${value}'`,
      )
    }
    return Number(value)
  }
}

/** The errno of a failed open, as ndctl returns -errno. */
function fsErrno(error: unknown): Errno {
  const code = (error as NodeJS.ErrnoException).code
  return code !== undefined && code in ERRNO ? (code as Errno) : 'EIO'
}

function realtimeNanoseconds(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n
}

/** The log destination, opened: -l file is appended to, as fopen(…, "a+"). */
function openLog(target: MonitorLogTarget): (entries: readonly MonitorLogEntry[]) => void {
  let fd: number | undefined
  if (target.kind === 'file') {
    try {
      fd = fs.openSync(target.path, 'a+')
    } catch (error) {
      throw new NvdimmError(fsErrno(error), `open ${target.path} failed`)
    }
  }
  return (entries) => {
    for (const entry of entries) {
      const { to, text } = formatMonitorLog(entry, target, { nanoseconds: realtimeNanoseconds(), pid: process.pid })
      if (to === 'stdout') process.stdout.write(text)
      else if (to === 'stderr') process.stderr.write(text)
      else if (to === 'file') fs.writeSync(fd!, text)
      else {
        const logger = spawnSync('logger', ['-t', 'nvdimm', '-p', `user.${entry.priority}`, '--', text.trimEnd()])
        if (logger.error) throw new NvdimmError('EOPNOTSUPP', `cannot log to syslog: ${logger.error.message}`)
      }
    }
  }
}

async function runMonitor(options: MonitorCliOptions, command: Command): Promise<number> {
  if (options.daemon) {
    throw new NvdimmError(
      'EOPNOTSUPP',
      'monitor does not daemonize: run it in the background or under a service manager',
    )
  }
  let settings = { ...options }
  if (options.configFile !== undefined) {
    let text: string
    try {
      text = fs.readFileSync(options.configFile, 'utf8')
    } catch (error) {
      throw new NvdimmError(fsErrno(error), `${options.configFile} cannot be opened`)
    }
    settings = { ...settings, ...applyMonitorConfig(text, options).options }
  }
  const write = openLog(monitorLogTarget(settings.log))
  let monitor: DimmMonitor
  try {
    monitor = new DimmMonitor(settings)
  } catch (error) {
    // ndctl logs a bad -D and leaves with its earlier return code, 0.
    if (!(error instanceof NvdimmError)) throw error
    write([{ priority: 'err', message: error.message }])
    return 0
  }

  const started = performance.now()
  const { log, rc } = await withUpdate(command, (nd) => monitor.start(nd, performance.now()))
  write(log)
  if (rc < 0) return (256 + rc) & 0xff
  let events = log.filter((entry) => entry.priority === 'notice').length
  let stopped = false
  let wake: (() => void) | undefined
  const done = () =>
    stopped ||
    (options.count !== undefined && events >= options.count) ||
    (options.timeout !== undefined && performance.now() - started >= options.timeout)
  const stop = () => {
    stopped = true
    wake?.()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    while (!done()) {
      const left = options.timeout === undefined ? Infinity : options.timeout - (performance.now() - started)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(options.pollInterval, left)))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
      if (stopped) break
      const entries = await withReadOnly(command, (nd) => monitor.poll(nd, performance.now()))
      write(entries)
      events += entries.filter((entry) => entry.priority === 'notice').length
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  return 0
}

export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description('monitor the smart events of nvdimm objects, sampling the platform at an interval')
    .option('-b, --bus <bus-id>', 'filter by bus')
    .option('-r, --region <region-id>', 'filter by region')
    .option('-d, --dimm <dimm-id>', 'filter by dimm')
    .option('-n, --namespace <namespace-id>', 'filter by namespace id')
    .option('-D, --dimm-event <name>', 'filter by DIMM event type')
    .option('-l, --log <file|syslog|standard>', "where to output the monitor's notification")
    .option('-c, --config-file <config-file>', 'override default configs')
    .option('--daemon', 'run ndctl monitor as a daemon (not supported here)')
    .option('-u, --human', 'use human friendly output formats')
    .option('-v, --verbose', 'emit extra debug messages to log')
    .option('-p, --poll <n>', 'poll and report events/status every <n> seconds', wholeNumber('--poll', 0))
    .addOption(
      new Option('--poll-interval <ms>', 'sample the platform every <ms> milliseconds (ours: ndctl waits on sysfs)')
        .argParser(wholeNumber('--poll-interval', 1))
        .default(1000),
    )
    .option('--count <n>', 'exit after logging <n> events (ours)', wholeNumber('--count', 1))
    .option('--timeout <ms>', 'exit after <ms> milliseconds (ours)', wholeNumber('--timeout', 0))
    .action(async (options: MonitorCliOptions, command: Command) => {
      process.exitCode = await runMonitor(options, command)
    })
}
