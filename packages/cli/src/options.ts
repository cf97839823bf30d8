/** A repeatable option: commander hands each value here to gather them in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}
