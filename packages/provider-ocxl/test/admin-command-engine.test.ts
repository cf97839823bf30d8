import { describe, expect, it } from 'vitest'
import {
  ADMIN_COMMAND_CONTROLLER_DUMP,
  ADMIN_COMMAND_CONTROLLER_STATS,
  ADMIN_COMMAND_ERRLOG,
  ADMIN_COMMAND_FW_UPDATE,
  ADMIN_COMMAND_HEARTBEAT,
  ADMIN_COMMAND_SHUTDOWN,
  ADMIN_COMMAND_SMART,
  GLOBAL_MMIO_CHI_CDA,
  GLOBAL_MMIO_CHI_MA,
  ManualClock,
  OcxlCard,
  STATUS_BLOCKED_BG_TASK,
  STATUS_FW_UPDATE_BAD_IMAGE,
  STATUS_INVALID_COMMAND,
  STATUS_NO_DATA,
} from '../src/card/index.js'
import {
  ADMIN_DEFAULT_TIMEOUT_MS,
  AdminCommandEngine,
  adminStatusErrno,
  adminTimeoutMs,
  controllerStats,
  heartbeat,
  readControllerDump,
  shutdownController,
  updateFirmware,
} from '../src/driver/index.js'
import { readyCard } from './helpers.js'

const TIMEOUTS: Array<[number, number]> = [
  [ADMIN_COMMAND_ERRLOG, 2000],
  [ADMIN_COMMAND_HEARTBEAT, 100],
  [ADMIN_COMMAND_SMART, 100],
  [ADMIN_COMMAND_CONTROLLER_DUMP, 1000],
  [ADMIN_COMMAND_CONTROLLER_STATS, 100],
  [ADMIN_COMMAND_SHUTDOWN, 1000],
  [ADMIN_COMMAND_FW_UPDATE, 16000],
]

describe('AdminCommandEngine', () => {
  it('reads the command metadata from the ACMA words', () => {
    const { engine } = readyCard()
    expect(engine.metadata).toEqual({
      requestOffset: 0x100,
      responseOffset: 0x140,
      dataOffset: 0x1000,
      dataSize: 0x1000,
    })
  })

  it.each(TIMEOUTS)('opcode %i times out after %i ms when the card never answers', async (opcode, timeout) => {
    const { card, engine, clock } = readyCard()
    card.hangCommands(1)
    expect(adminTimeoutMs(opcode)).toBe(timeout)
    await expect(engine.execute(opcode)).rejects.toMatchObject({
      errno: 'ETIMEDOUT',
      message: new RegExp(`${timeout} ms`),
    })
    expect(clock.now()).toBe(timeout)
  })

  it('uses the default timeout for other opcodes, and the card rejects them', async () => {
    expect(adminTimeoutMs(0x42)).toBe(ADMIN_DEFAULT_TIMEOUT_MS)
    const { engine } = readyCard()
    await expect(engine.execute(0x42)).rejects.toMatchObject({ errno: 'EOPNOTSUPP', message: /INVALID_COMMAND/ })
  })

  it('completes a command that takes exactly its timeout', async () => {
    const { engine, clock } = readyCard({ commandDelayMs: { [ADMIN_COMMAND_HEARTBEAT]: 100 } })
    await heartbeat(engine)
    expect(clock.now()).toBe(100)
  })

  it('times out a command one millisecond slower than its timeout', async () => {
    const { engine } = readyCard({ commandDelayMs: { [ADMIN_COMMAND_HEARTBEAT]: 101 } })
    await expect(heartbeat(engine)).rejects.toMatchObject({ errno: 'ETIMEDOUT' })
  })

  it('recovers after a hung command: the next doorbell starts afresh', async () => {
    const { card, engine } = readyCard()
    card.hangCommands(1)
    await expect(heartbeat(engine)).rejects.toMatchObject({ errno: 'ETIMEDOUT' })
    await expect(heartbeat(engine)).resolves.toBeUndefined()
  })

  it('translates every bad status to its errno', async () => {
    expect(adminStatusErrno(STATUS_INVALID_COMMAND)).toBe('EOPNOTSUPP')
    expect(adminStatusErrno(STATUS_FW_UPDATE_BAD_IMAGE)).toBe('EINVAL')
    expect(adminStatusErrno(STATUS_BLOCKED_BG_TASK)).toBe('EBUSY')
    expect(adminStatusErrno(STATUS_NO_DATA)).toBe('EAGAIN')
    expect(adminStatusErrno(0x99)).toBe('EIO')
    const { card, engine } = readyCard()
    card.failCommands(STATUS_BLOCKED_BG_TASK)
    await expect(controllerStats(engine)).rejects.toMatchObject({
      errno: 'EBUSY',
      message: /CONTROLLER_STATS: BLOCKED_BG_TASK/,
    })
    card.failCommands(0x99)
    await expect(heartbeat(engine)).rejects.toMatchObject({ errno: 'EIO', message: /unknown status 0x99/ })
    await expect(heartbeat(engine)).resolves.toBeUndefined()
  })

  it('serialises concurrent commands in submission order', async () => {
    const { card, engine } = readyCard({ commandDelayMs: { [ADMIN_COMMAND_SMART]: 50 } })
    const results = await Promise.all([
      engine.execute(ADMIN_COMMAND_SMART),
      engine.execute(ADMIN_COMMAND_HEARTBEAT),
      engine.execute(ADMIN_COMMAND_CONTROLLER_STATS),
    ])
    expect(card.completedCommands).toEqual([
      ADMIN_COMMAND_SMART,
      ADMIN_COMMAND_HEARTBEAT,
      ADMIN_COMMAND_CONTROLLER_STATS,
    ])
    expect(results[0]?.data.length).toBe(24)
  })

  it('does not complete commands on a card that is not ready yet', async () => {
    const clock = new ManualClock()
    const card = new OcxlCard({ clock, controllerReadyAt: 'never' })
    await expect(heartbeat(new AdminCommandEngine(card, clock))).rejects.toMatchObject({ errno: 'ETIMEDOUT' })
  })

  it('fails commands with EIO once the controller is fatal', async () => {
    const { card, engine } = readyCard()
    card.setFirmwareFatal()
    await expect(heartbeat(engine)).rejects.toMatchObject({ errno: 'EIO', message: /DEVICE_ERROR/ })
  })

  it('reports controller stats', async () => {
    const { card, engine, clock } = readyCard()
    card.injectErrorLog({ programReferenceCode: 1 })
    await heartbeat(engine)
    const stats = await controllerStats(engine)
    expect(stats.adminCommands).toBe(1n)
    expect(stats.errorLogEntries).toBe(1n)
    expect(stats.powerOnMs).toBe(BigInt(clock.now()))
  })

  it('reads a controller dump across data buffers and clears CDA', async () => {
    const { card, engine } = readyCard({ maxControllerDumpSize: 0x2800 })
    await expect(readControllerDump(engine)).rejects.toMatchObject({ errno: 'EAGAIN' })
    const contents = Uint8Array.from({ length: 0x2345 }, (_, i) => i % 251)
    card.collectControllerDump(contents)
    expect(card.chi() & GLOBAL_MMIO_CHI_CDA).toBe(GLOBAL_MMIO_CHI_CDA)
    expect(await readControllerDump(engine)).toEqual(contents)
    expect(card.chi() & GLOBAL_MMIO_CHI_CDA).toBe(0n)
    expect(card.completedCommands.filter((op) => op === ADMIN_COMMAND_CONTROLLER_DUMP)).toHaveLength(3)
  })

  it('refuses a dump larger than CCAP1 allows', () => {
    const { card } = readyCard({ maxControllerDumpSize: 16 })
    expect(() => card.collectControllerDump(new Uint8Array(17))).toThrow(/CCAP1/)
  })

  it('updates firmware in chunks, then switches the version', async () => {
    const { card, engine } = readyCard()
    const image = new Uint8Array(0x2100).fill(0xa5)
    image.set(new TextEncoder().encode('OCXL0002'))
    await updateFirmware(engine, image)
    expect(card.fwVersion).toBe('OCXL0002')
    expect(card.completedCommands).toEqual([ADMIN_COMMAND_FW_UPDATE, ADMIN_COMMAND_FW_UPDATE, ADMIN_COMMAND_FW_UPDATE])
  })

  it('rejects a firmware image without a version string and keeps the old one', async () => {
    const { card, engine } = readyCard()
    await expect(updateFirmware(engine, new Uint8Array(64))).rejects.toMatchObject({ errno: 'EINVAL' })
    expect(card.fwVersion).toBe('OCXL0001')
  })

  it('rejects out-of-order firmware chunks', async () => {
    const { engine } = readyCard()
    await expect(engine.execute(ADMIN_COMMAND_FW_UPDATE, { params: [(8n << 32n) | 8n] })).rejects.toMatchObject({
      errno: 'EINVAL',
    })
  })

  it('shuts the controller down: memory is no longer available and the shutdown is clean', async () => {
    const { card, engine } = readyCard()
    await shutdownController(engine)
    expect(card.chi() & GLOBAL_MMIO_CHI_MA).toBe(0n)
    expect(card.toJSON().cleanShutdown).toBe(true)
  })
})
