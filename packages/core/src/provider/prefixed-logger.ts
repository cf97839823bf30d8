import type { Logger } from './types.js'

/** A logger whose lines start with the device's name, as dev_err() puts it before the message. */
export function prefixedLogger(logger: Logger, prefix: string): Logger {
  return {
    debug: (message) => logger.debug(`${prefix}${message}`),
    info: (message) => logger.info(`${prefix}${message}`),
    warn: (message) => logger.warn(`${prefix}${message}`),
    error: (message) => logger.error(`${prefix}${message}`),
  }
}
