/**
 * @nvdimm/provider-nfit: NVDIMMs described by the ACPI NFIT, as drivers/acpi/nfit does it.
 *
 * @packageDocumentation
 */

export * from './table/nfit-types.js'
