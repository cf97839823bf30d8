/**
 * Test doubles and conformance for @nvdimm/core: a mock provider (the kernel's nfit_test),
 * the provider compliance suite, and crash injection for the platform store.
 *
 * @packageDocumentation
 */
export { mockProvider } from './mock-provider.js'
export type {
  CommandFailure,
  MockBus,
  MockControl,
  MockDimm,
  MockMapping,
  MockProviderInit,
  MockRegion,
  MockSmartOp,
  MockTopology,
  SmartInjectField,
} from './mock-provider.js'
export { providerCompliance } from './compliance.js'
export type { ComplianceOptions, ComplianceSetup } from './compliance.js'
export { crashingFs, forEachCrashPoint, SimulatedCrash } from './crash.js'
export { exhaustiveCrashes, fuzzRuns } from './runs.js'
export { crashingMedia, forEachMediaCrashPoint } from './crash-media.js'
