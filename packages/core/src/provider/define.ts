import { providerSymbol } from './symbols.js'
import type { Provider, ProviderComponents, ProviderInit, ProviderStability } from './types.js'

export interface ProviderImplementation {
  probe(): Promise<void>
  remove?(): Promise<void>
}

/**
 * Build a ProviderInit from a name and a function of the components, so a provider needs
 * no class: `defineProvider('e820', ({ registerBus }) => ({ async probe() { … } }))`.
 */
export function defineProvider(
  name: string,
  build: (components: ProviderComponents) => ProviderImplementation,
  stability: ProviderStability = 'stable',
): ProviderInit {
  return (components) => {
    const implementation = build(components)
    const provider: Provider = {
      [providerSymbol]: true,
      name,
      stability,
      probe: () => implementation.probe(),
      remove: async () => {
        await implementation.remove?.()
      },
    }
    return provider
  }
}
