/** A brand shared through the global symbol registry, so two copies of core still agree. */
export const providerSymbol = Symbol.for('@nvdimm/provider')

export function isProvider(value: unknown): value is { readonly [providerSymbol]: true } {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[providerSymbol] === true
}
