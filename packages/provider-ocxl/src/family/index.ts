export * from './ocxl-client.js'
export * from './ocxl-family.js'
export * from './ocxl-service.js'
