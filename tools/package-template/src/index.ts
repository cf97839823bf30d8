/**
 * @nvdimm/provider-x: one paragraph on the firmware interface, then the usage example.
 *
 * @packageDocumentation
 */
export {}
