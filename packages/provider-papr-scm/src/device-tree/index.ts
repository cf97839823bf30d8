export * from './dt-property.js'
export * from './dt-node.js'
export * from './fdt-layout.js'
export { decodeFdt, decodeFdtHeader } from './fdt-decode.js'
export type { FdtDecoded, FdtHeader } from './fdt-decode.js'
export { encodeFdt } from './fdt-encode.js'
export type { FdtEncodeOptions } from './fdt-encode.js'
export { formatDts, formatDtsProperty } from './dts-format.js'
export type { FormatDtsOptions } from './dts-format.js'
export { readDeviceTreeDir, synthesizedNameValue, writeDeviceTreeDir } from './proc-device-tree.js'
export type { ReadDeviceTreeDirOptions, WriteDeviceTreeDirOptions } from './proc-device-tree.js'
export {
  PAPR_SCM_COMPATIBLES,
  PMEM_CONTAINER_DEVICE_TYPE,
  findPaprScmNodes,
  parsePaprScmNode,
  parsePmemoryNodes,
} from './pmemory-node.js'
export type { PaprScmNode } from './pmemory-node.js'
export * from './spapr-nvdimm-nodes.js'
export { buildPseriesTree } from './pseries-tree.js'
export type { PseriesTreeOptions } from './pseries-tree.js'
