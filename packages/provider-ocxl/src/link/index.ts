export * from './opal.js'
export * from './lpc-link.js'
export * from './pci-identity.js'
