import { AdminCommandEngine } from '../src/driver/index.js'
import { ManualClock, OcxlCard, type OcxlCardOptions } from '../src/card/index.js'

/** A ready card, its engine and the manual clock both run on. */
export function readyCard(options: Omit<OcxlCardOptions, 'clock'> = {}) {
  const clock = new ManualClock()
  const card = new OcxlCard({ clock, ...options })
  const engine = new AdminCommandEngine(card, clock)
  return { clock, card, engine }
}
