import { describe, expect, it } from 'vitest'
import { createNvdimm, NvdimmError, type Nvdimm } from '../../src/index.js'
import {
  applyMonitorConfig,
  CONTROLLER_EVENTS,
  DIMM_EVENTS,
  dimmEventToJson,
  dimmEventFlags,
  type DimmEventName,
  DimmMonitor,
  type DimmSample,
  firedDimmEvents,
  formatMonitorLog,
  healthNotified,
  type MonitorOptions,
  monitorLogTarget,
  monitorTimestamp,
  parseDimmEvents,
  toJsonPlain,
} from '../../src/ndctl/monitor.js'
import { ndctlInjectSmart } from '../../src/ndctl/inject-smart.js'
import type { MockProviderInit } from '../../src/testing/mock-provider.js'
import { NFIT_TEST_SMART, NFIT_TEST_THRESHOLDS, nfitTestDimm, smartPlatform } from './smart-fixtures.js'

const NOW = 1_700_000_000_123_456_789n
const PID = 4242

async function started(provider: MockProviderInit = smartPlatform()): Promise<Nvdimm> {
  const nd = createNvdimm({ providers: [provider] })
  await nd.start()
  return nd
}

function monitor(options: Omit<MonitorOptions, 'clock' | 'pid'> = {}): DimmMonitor {
  return new DimmMonitor({ ...options, clock: () => NOW, pid: PID })
}

/** The JSON of the notice lines, in order. */
const notices = (log: { priority: string; message: string }[]) =>
  log.filter((entry) => entry.priority === 'notice').map((entry) => JSON.parse(entry.message))

/** nfit_test-like dimms whose alarms start quiet, so each event can be raised on its own. */
function quietPlatform() {
  const quiet = { ...NFIT_TEST_SMART, alarmTemperature: false, alarmSpares: false }
  return smartPlatform([0, 1, 0x100, 0x101].map((handle) => nfitTestDimm(handle, { health: { ...quiet } })))
}

describe('monitor: the pure decisions', () => {
  it('parses -D as parse_monitor_event() does', () => {
    expect([...parseDimmEvents(undefined)]).toEqual([...DIMM_EVENTS, ...CONTROLLER_EVENTS])
    expect([...parseDimmEvents('dimm-unclean-shutdown all')]).toEqual([...DIMM_EVENTS, ...CONTROLLER_EVENTS])
    expect([...parseDimmEvents('dimm-health-state  dimm-spares-remaining')]).toEqual([
      'dimm-health-state',
      'dimm-spares-remaining',
    ])
    expect(parseDimmEvents('').size).toBe(0)
    expect(() => parseDimmEvents('dimm-spares-remaining dimm-on-fire')).toThrow(
      new NvdimmError('EINVAL', 'no dimm-event named dimm-on-fire'),
    )
  })

  it('reads the standing events off a sample, as ndctl_dimm_get_event_flags()', () => {
    expect([...dimmEventFlags(NFIT_TEST_SMART)]).toEqual(['dimm-spares-remaining', 'dimm-media-temperature'])
    expect([...dimmEventFlags({ alarmControllerTemperature: true, shutdownState: 'dirty' })]).toEqual([
      'dimm-controller-temperature',
      'dimm-unclean-shutdown',
    ])
    expect(dimmEventFlags({ state: 'fatal', shutdownState: 'clean' }).size).toBe(0)
  })

  it('adds dimm-health-state against the state the monitor started with, and filters by -D', () => {
    const all = new Set<DimmEventName>(DIMM_EVENTS)
    expect(firedDimmEvents({ state: 'fatal' }, 'non-critical', all)).toEqual(new Set(['dimm-health-state']))
    expect(firedDimmEvents({ state: 'ok' }, 'ok', all)).toBeUndefined()
    expect(firedDimmEvents({}, 'unreported', all)).toBeUndefined()
    expect(firedDimmEvents({ state: 'ok' }, 'failed', all)).toEqual(new Set(['dimm-health-state']))
    expect(firedDimmEvents(undefined, 'ok', all)).toBeUndefined()
    // Only a watched event lets the line out, but then it carries all that stand.
    const spares = new Set<DimmEventName>(['dimm-spares-remaining'])
    expect(firedDimmEvents({ state: 'fatal', alarmTemperature: true }, 'ok', spares)).toBeUndefined()
    expect(firedDimmEvents({ alarmSpares: true, alarmTemperature: true }, 'unreported', spares)).toEqual(
      new Set(['dimm-spares-remaining', 'dimm-media-temperature']),
    )
  })

  it('reports controller conditions as events only for a dimm whose health has them', () => {
    const conditions = { state: 'ok' as const, errorLogAvailable: true, hardwareFatal: false }
    expect([...dimmEventFlags(conditions)]).toEqual(['dimm-error-log-available'])
    const all = parseDimmEvents('all')
    expect(firedDimmEvents(conditions, 'ok', all)).toEqual(new Set(['dimm-error-log-available']))
    expect(firedDimmEvents(conditions, 'ok', new Set(DIMM_EVENTS))).toBeUndefined()
    const events = dimmEventFlags(conditions)
    expect(dimmEventToJson(events, all, conditions)).toEqual({
      'dimm-spares-remaining': false,
      'dimm-media-temperature': false,
      'dimm-controller-temperature': false,
      'dimm-health-state': false,
      'dimm-unclean-shutdown': false,
      'dimm-error-log-available': true,
      'dimm-hardware-fatal': false,
    })
    // A dimm without the indicator keeps ndctl's five.
    expect(Object.keys(dimmEventToJson(new Set(), all, NFIT_TEST_SMART))).toEqual([...DIMM_EVENTS])
    const before: DimmSample = { health: { ...conditions, errorLogAvailable: false }, thresholds: undefined }
    expect(healthNotified(before, { health: conditions, thresholds: undefined })).toBe(true)
  })

  it('counts a dimm as notified when its SMART data or thresholds changed', () => {
    const sample = (health: DimmSample['health'], spares = 5): DimmSample => ({
      health,
      thresholds: { ...NFIT_TEST_THRESHOLDS, spares },
    })
    expect(healthNotified(sample({ ...NFIT_TEST_SMART }), sample({ ...NFIT_TEST_SMART }))).toBe(false)
    expect(healthNotified(sample(NFIT_TEST_SMART), sample({ ...NFIT_TEST_SMART, temperature: 24 }))).toBe(true)
    expect(healthNotified(sample(NFIT_TEST_SMART), sample(NFIT_TEST_SMART, 6))).toBe(true)
    expect(healthNotified(sample(NFIT_TEST_SMART), sample(undefined))).toBe(true)
    expect(healthNotified(sample(undefined), sample(undefined))).toBe(false)
  })

  it('stamps "%10ld.%09ld" and renders JSON_C_TO_STRING_PLAIN', () => {
    expect(monitorTimestamp(NOW)).toBe('1700000000.123456789')
    expect(monitorTimestamp(5_000_000_007n)).toBe('         5.000000007')
    expect(toJsonPlain({ a: [1, 'x/y', true, null], b: { c: 2.5 }, d: {} })).toBe(
      '{"a":[1,"x\\/y",true,null],"b":{"c":2.5},"d":{}}',
    )
  })

  it('reads the config file as parse_monitor_config() does', () => {
    const text =
      '[monitor]\n  # a comment\ndimm = nmem1 \nbus=\ndimm-event = dimm-health-state\nlog = /tmp/m.log\nwhatever\n'
    expect(applyMonitorConfig(text, { dimm: 'nmem0' })).toEqual({
      options: { dimm: 'nmem0 nmem1', dimmEvent: 'dimm-health-state', log: '/tmp/m.log' },
      skippedLines: [1, 7],
    })
    expect(applyMonitorConfig('log = /tmp/m.log\n', { log: 'standard' }).options.log).toBe('standard')
  })

  it('routes the log as ndctl: -l file, syslog, standard', () => {
    expect(monitorLogTarget(undefined)).toEqual({ kind: 'standard' })
    expect(monitorLogTarget('standard')).toEqual({ kind: 'standard' })
    expect(monitorLogTarget('syslog')).toEqual({ kind: 'syslog' })
    expect(monitorLogTarget('./syslog')).toEqual({ kind: 'syslog' })
    // ndctl compares prefixes only.
    expect(monitorLogTarget('syslog.txt')).toEqual({ kind: 'syslog' })
    expect(monitorLogTarget('monitor.log')).toEqual({ kind: 'file', path: './monitor.log' })
    expect(monitorLogTarget('/var/log/ndctl.log')).toEqual({ kind: 'file', path: '/var/log/ndctl.log' })
    const stamp = { nanoseconds: NOW, pid: PID }
    const standard = { kind: 'standard' } as const
    expect(formatMonitorLog({ priority: 'notice', message: '{}' }, standard, stamp)).toEqual({
      to: 'stderr',
      text: '{}\n',
    })
    expect(formatMonitorLog({ priority: 'info', message: 'no dimms to monitor, exiting' }, standard, stamp).to).toBe(
      'stdout',
    )
    const file = { kind: 'file', path: './m.log' } as const
    expect(formatMonitorLog({ priority: 'notice', message: '{}' }, file, stamp).text).toBe('{}\n')
    expect(formatMonitorLog({ priority: 'err', message: 'nmem4: no smart support' }, file, stamp).text).toBe(
      '[1700000000.123456789] [4242] nmem4: no smart support\n',
    )
  })
})

describe('monitor: start', () => {
  it('logs the events already standing, one PLAIN line per dimm, as notify_dimm_event() shapes it', async () => {
    const nd = await started()
    const watch = monitor({ bus: 'nfit_test.0' })
    const { log, rc } = await watch.start(nd, 0)
    expect(rc).toBe(0)
    expect(watch.dimmNames.sort()).toEqual(['nmem0', 'nmem1', 'nmem2', 'nmem3'])
    const lines = log.filter((entry) => entry.priority === 'notice')
    expect(lines).toHaveLength(4)
    expect(lines.every((line) => !/\s/.test(line.message.replace(/"[^"]*"/g, '')))).toBe(true)
    const nmem0 = notices(log).find((line) => line.dimm.dev === 'nmem0')
    expect(Object.keys(nmem0)).toEqual(['timestamp', 'pid', 'event', 'dimm'])
    expect(nmem0.timestamp).toBe('1700000000.123456789')
    expect(nmem0.pid).toBe(PID)
    expect(nmem0.event).toEqual({
      'dimm-spares-remaining': true,
      'dimm-media-temperature': true,
      'dimm-controller-temperature': false,
      'dimm-health-state': false,
      'dimm-unclean-shutdown': false,
    })
    expect(Object.keys(nmem0.event)).toEqual([...DIMM_EVENTS])
    expect(Object.keys(nmem0.dimm)).toEqual(['dev', 'id', 'handle', 'phys_id', 'health'])
    expect(nmem0.dimm.health).toMatchObject({ health_state: 'non-critical', shutdown_count: 42 })
    const text = lines.find((line) => line.message.includes('"dev":"nmem0"'))!.message
    expect(text).toContain('"temperature_celsius":23.0,')
    await nd.stop()
  })

  it('enables the alarm of every watched event on the dimm (the only thing it writes)', async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    await monitor({ dimm: 'nmem0', dimmEvent: 'dimm-health-state' }).start(nd, 0)
    expect(provider.control.smartThresholds('nmem0')).toEqual(NFIT_TEST_THRESHOLDS)
    await monitor({ dimm: 'nmem0' }).start(nd, 0)
    expect(provider.control.smartThresholds('nmem0')).toEqual({
      ...NFIT_TEST_THRESHOLDS,
      alarmControllerTemperature: true,
    })
    expect(provider.control.smartThresholds('nmem1')).toEqual(NFIT_TEST_THRESHOLDS)
    await nd.stop()
  })

  it('prints PRETTY lines under --human, the dimm without hex', async () => {
    const nd = await started()
    const { log } = await monitor({ dimm: 'nmem3', human: true }).start(nd, 0)
    expect(log).toHaveLength(1)
    const lines = log[0]!.message.split('\n')
    expect(lines.slice(0, 5)).toEqual([
      '{',
      '  "timestamp":"1700000000.123456789",',
      `  "pid":${PID},`,
      '  "event":{',
      '    "dimm-spares-remaining":true,',
    ])
    expect(lines).toContain('      "temperature_celsius":23.0,')
    expect(lines).toContain('    "handle":257,')
    expect(lines[lines.length - 1]).toBe('}')
    await nd.stop()
  })

  it('selects dimms with -b, -d, -r and -n as ndctl_filter_walk()', async () => {
    const nd = await started()
    const names = async (options: MonitorOptions) => {
      const watch = monitor(options)
      await watch.start(nd, 0)
      return watch.dimmNames.sort()
    }
    expect(await names({ dimm: 'nmem1' })).toEqual(['nmem1'])
    expect(await names({ dimm: 'nmem1 nmem2' })).toEqual(['nmem1', 'nmem2'])
    expect(await names({ region: 'region0' })).toEqual(['nmem0', 'nmem1'])
    expect(await names({ region: 'region1', dimm: 'nmem3' })).toEqual(['nmem3'])
    expect(await names({ namespace: 'namespace0.0' })).toEqual(['nmem0', 'nmem1'])
    expect(await names({ bus: '0', region: 'region2' })).toEqual([])
    await nd.stop()
  })

  it('skips a dimm without SMART, and exits -ENXIO when nothing is left', async () => {
    const nd = await started()
    const { log, rc } = await monitor({ bus: 'ACPI.NFIT' }).start(nd, 0)
    expect(log).toEqual([
      { priority: 'err', message: 'nmem4: no smart support' },
      { priority: 'info', message: 'no dimms to monitor, exiting' },
    ])
    expect(rc).toBe(-6)
    await nd.stop()
  })

  it('watches a dimm without thresholds (debug line under -v), refuses one without alarm flags', async () => {
    const nd = await started(
      smartPlatform([
        nfitTestDimm(0, { smartThresholds: undefined }),
        nfitTestDimm(1, { health: { state: 'ok', temperature: 30 } }),
        nfitTestDimm(0x100),
        nfitTestDimm(0x101),
      ]),
    )
    const quiet = monitor({ dimm: 'nmem0 nmem1', dimmEvent: 'dimm-health-state' })
    const { log } = await quiet.start(nd, 0)
    expect(log).toEqual([{ priority: 'err', message: 'nmem1: smart alarm invalid' }])
    expect(quiet.dimmNames).toEqual(['nmem0'])
    const verbose = await monitor({ dimm: 'nmem0', dimmEvent: 'dimm-health-state', verbose: true }).start(nd, 0)
    expect(verbose.log).toEqual([{ priority: 'debug', message: 'nmem0: no smart threshold support' }])
    await nd.stop()
  })

  it('drops a dimm whose alarms cannot be enabled', async () => {
    const provider = smartPlatform()
    const nd = await started(provider)
    provider.control.failSmart('nmem2', 'setThresholds', new NvdimmError('EIO', 'no'))
    provider.control.failSmart('nmem3', 'thresholds', new NvdimmError('EIO', 'no'))
    const watch = monitor({ dimm: 'nmem2 nmem3' })
    const { log, rc } = await watch.start(nd, 0)
    // In libndctl's walk order (kernfs): nmem3 comes before nmem2.
    expect(log).toEqual([
      { priority: 'err', message: 'nmem3: smart threshold command failed' },
      { priority: 'err', message: 'nmem3: enable supported threshold alarms failed' },
      { priority: 'err', message: 'nmem2: smart set threshold command failed' },
      { priority: 'err', message: 'nmem2: enable supported threshold alarms failed' },
      { priority: 'info', message: 'no dimms to monitor, exiting' },
    ])
    expect(rc).toBe(-6)
    await nd.stop()
  })
})

describe('monitor: events between samples', () => {
  async function watching(options: Omit<MonitorOptions, 'clock' | 'pid'>, provider = quietPlatform()) {
    const nd = await started(provider)
    const watch = monitor(options)
    const { log } = await watch.start(nd, 0)
    return { nd, watch, provider, startLog: log }
  }

  it('logs nothing while nothing changes', async () => {
    const { nd, watch, startLog } = await watching({ dimm: 'nmem0' })
    expect(startLog).toEqual([])
    expect(await watch.poll(nd, 1000)).toEqual([])
    expect(await watch.poll(nd, 2000)).toEqual([])
    await nd.stop()
  })

  it('dimm-unclean-shutdown: an injected unsafe shutdown', async () => {
    const { nd, watch } = await watching({ dimm: 'nmem0', dimmEvent: 'dimm-unclean-shutdown' })
    await ndctlInjectSmart(nd, ['nmem0'], { unsafeShutdown: true })
    const [line] = notices(await watch.poll(nd, 1000))
    expect(line.event).toEqual({ 'dimm-unclean-shutdown': true })
    expect(line.dimm.health).toMatchObject({ shutdown_state: 'dirty', shutdown_count: 43 })
    expect(await watch.poll(nd, 2000)).toEqual([])
    await nd.stop()
  })

  it('dimm-spares-remaining, dimm-media-temperature, dimm-controller-temperature: alarm trips', async () => {
    const cases = [
      ['dimm-spares-remaining', { alarmSpares: true, sparesPercentage: 4 }],
      ['dimm-media-temperature', { alarmTemperature: true, temperature: 41 }],
      ['dimm-controller-temperature', { alarmControllerTemperature: true, controllerTemperature: 31 }],
    ] as const
    for (const [event, trip] of cases) {
      const { nd, watch, provider } = await watching({ dimm: 'nmem1', dimmEvent: event })
      // A value change without a trip notifies, but no watched event stands: nothing.
      provider.control.setHealth('nmem1', { ...(await nd.dimm('nmem1').health()), sparesPercentage: 60 })
      expect(await watch.poll(nd, 1000)).toEqual([])
      provider.control.setHealth('nmem1', { ...(await nd.dimm('nmem1').health()), ...trip })
      const lines = notices(await watch.poll(nd, 2000))
      expect(lines).toHaveLength(1)
      expect(lines[0].event).toEqual({ [event]: true })
      expect(lines[0].dimm.dev).toBe('nmem1')
      await nd.stop()
    }
  })

  it('dimm-health-state: against the state at start, for good (ndctl never moves it)', async () => {
    const { nd, watch, provider } = await watching({
      dimm: 'nmem2',
      dimmEvent: 'dimm-health-state dimm-spares-remaining',
    })
    await ndctlInjectSmart(nd, ['nmem2'], { fatal: true })
    let [line] = notices(await watch.poll(nd, 1000))
    expect(line.event).toEqual({ 'dimm-spares-remaining': false, 'dimm-health-state': true })
    expect(line.dimm.health.health_state).toBe('fatal')
    // Any later notification still carries the change.
    await ndctlInjectSmart(nd, ['nmem2'], { spares: '50' })
    ;[line] = notices(await watch.poll(nd, 2000))
    expect(line.event['dimm-health-state']).toBe(true)
    // Back to the starting state: nothing watched stands any more.
    await ndctlInjectSmart(nd, ['nmem2'], { fatalUninject: true })
    expect(await watch.poll(nd, 3000)).toEqual([])
    provider.control.setHealth('nmem2', { ...(await nd.dimm('nmem2').health()), alarmSpares: true })
    ;[line] = notices(await watch.poll(nd, 4000))
    expect(line.event).toEqual({ 'dimm-spares-remaining': true, 'dimm-health-state': false })
    await nd.stop()
  })

  it('logs the standing events of a notified dimm only, with all the watched keys', async () => {
    const { nd, watch } = await watching({ region: 'region1' }, smartPlatform())
    await ndctlInjectSmart(nd, ['nmem3'], { mediaTemperature: '45' })
    const lines = notices(await watch.poll(nd, 1000))
    expect(lines.map((line) => line.dimm.dev)).toEqual(['nmem3'])
    expect(lines[0].event).toEqual({
      'dimm-spares-remaining': true,
      'dimm-media-temperature': true,
      'dimm-controller-temperature': false,
      'dimm-health-state': false,
      'dimm-unclean-shutdown': false,
    })
    expect(lines[0].dimm.health.temperature_celsius).toBe(45)
    await nd.stop()
  })

  it('notices a threshold change too (the firmware re-evaluates its alarms)', async () => {
    const { nd, watch } = await watching({ dimm: 'nmem0' }, smartPlatform())
    await ndctlInjectSmart(nd, ['nmem0'], { sparesThreshold: '80' })
    const [line] = notices(await watch.poll(nd, 1000))
    expect(line.dimm.health.spares_threshold).toBe(80)
    await nd.stop()
  })

  it('with -p, checks every dimm once that long passes without a notification', async () => {
    const { nd, watch } = await watching({ bus: 'nfit_test.0', poll: 2 }, smartPlatform())
    expect(await watch.poll(nd, 1000)).toEqual([])
    expect(
      notices(await watch.poll(nd, 2000))
        .map((line) => line.dimm.dev)
        .sort(),
    ).toEqual(['nmem0', 'nmem1', 'nmem2', 'nmem3'])
    expect(await watch.poll(nd, 3000)).toEqual([])
    // A notification restarts the wait, as epoll_wait()'s timeout does.
    await ndctlInjectSmart(nd, ['nmem1'], { spares: '20' })
    expect(notices(await watch.poll(nd, 3500)).map((line) => line.dimm.dev)).toEqual(['nmem1'])
    expect(await watch.poll(nd, 4000)).toEqual([])
    expect(notices(await watch.poll(nd, 5500))).toHaveLength(4)
    await nd.stop()
  })

  it('logs nothing for a dimm whose SMART read fails, and carries on when it answers again', async () => {
    const { nd, watch, provider } = await watching({ dimm: 'nmem0', dimmEvent: 'dimm-health-state' })
    provider.control.failSmart('nmem0', 'health', new NvdimmError('EIO', 'gone'))
    expect(await watch.poll(nd, 1000)).toEqual([])
    provider.control.failSmart('nmem0', 'health')
    provider.control.setHealth('nmem0', { ...(await nd.dimm('nmem0').health()), state: 'critical' })
    const [line] = notices(await watch.poll(nd, 2000))
    expect(line.event).toEqual({ 'dimm-health-state': true })
    await nd.stop()
  })
})
