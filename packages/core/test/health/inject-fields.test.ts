import { describe, expect, it } from 'vitest'
import { createNvdimm, defineProvider, ndctlInjectSmart, type Health, type SmartInjection } from '../../src/index.js'

/** A dimm whose inject can set only fatal and unsafe shutdown, as a papr_scm dimm's. */
function paprLike(sent: SmartInjection[]) {
  const health: Health = { state: 'ok', shutdownState: 'clean' }
  return createNvdimm({
    providers: [
      defineProvider('papr-like', ({ registerBus }) => ({
        async probe() {
          registerBus({ providerName: 'papr-like' }).createDimm({
            flags: [],
            cmdMask: [],
            health: async () => ({ ...health }),
            ops: {
              smart: {
                injectFields: ['fatal', 'unsafeShutdown'],
                inject: async (injection) => {
                  sent.push(injection)
                  if (injection.fatal) health.state = 'fatal'
                },
              },
            },
          })
        },
      })),
    ],
  })
}

describe('inject-smart sends only the fields a dimm can inject (smart_inject_supported)', () => {
  it('skips the others silently and still injects the rest', async () => {
    const sent: SmartInjection[] = []
    const nd = paprLike(sent)
    await nd.start()
    const outcome = await ndctlInjectSmart(nd, ['nmem0'], { mediaTemperature: '60', fatal: true })
    expect(outcome).toMatchObject({ errors: [], exitCode: 0 })
    expect(sent).toEqual([{ fatal: true }])
    expect(JSON.parse(String(outcome.stdout))[0].health.health_state).toBe('fatal')
    await nd.stop()
  })

  it('is EOPNOTSUPP with nothing printed when no field it asked for can be injected', async () => {
    const sent: SmartInjection[] = []
    const nd = paprLike(sent)
    await nd.start()
    const outcome = await ndctlInjectSmart(nd, ['nmem0'], { mediaTemperature: '60' })
    expect(outcome).toMatchObject({ errors: [], exitCode: 256 - 95 })
    expect(outcome.stdout).toBeUndefined()
    expect(sent).toEqual([])
    await nd.stop()
  })
})
