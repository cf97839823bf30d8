import type { Bus } from '../bus/bus.js'
import type { Dimm } from '../dimm/dimm.js'
import type { Namespace, NamespaceMode } from '../namespace/namespace.js'
import type { Region } from '../region/region.js'

/**
 * ndctl's device filters (ndctl/filter.c). An ident is a space-separated list of names,
 * or "all". As in ndctl, a numeric id is only recognised when the whole ident is one number.
 */

function wholeNumber(ident: string): number | undefined {
  const match = /^\s*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(ident)
  if (!match) return undefined
  const digits = match[1]!
  if (/^0[xX]/.test(digits)) return Number.parseInt(digits.slice(2), 16)
  return digits.length > 1 && digits.startsWith('0') ? Number.parseInt(digits, 8) : Number(digits)
}

function identMatches(ident: string | undefined, id: number, names: readonly string[]): boolean {
  if (ident === undefined) return true
  const numeric = wholeNumber(ident)
  for (const name of ident.split(' ').filter(Boolean)) {
    if (name === 'all') return true
    if (numeric !== undefined ? numeric === id : names.includes(name)) return true
  }
  return false
}

export function busMatches(bus: Bus, ident: string | undefined): boolean {
  return identMatches(ident, bus.id, [bus.providerName, bus.name])
}

export function regionMatches(region: Region, ident: string | undefined): boolean {
  return identMatches(ident, region.id, [region.name])
}

export function dimmMatches(dimm: Dimm, ident: string | undefined): boolean {
  return identMatches(ident, dimm.id, [dimm.name])
}

export function namespaceMatches(namespace: Namespace, ident: string | undefined): boolean {
  if (ident === undefined) return true
  for (const name of ident.split(' ').filter(Boolean)) {
    if (name === 'all' || name === namespace.name) return true
    const match = /^(\d+)\.(\d+)/.exec(name)
    if (match && Number(match[1]) === namespace.region.id && Number(match[2]) === namespace.id) return true
  }
  return false
}

function regionDimms(region: Region): Dimm[] {
  return region.mappings.map((mapping) => mapping.dimm)
}

const isAll = (ident: string | undefined) => ident === undefined || ident === 'all'

export function busHasDimm(bus: Bus, ident: string | undefined): boolean {
  return isAll(ident) || bus.dimms.some((dimm) => dimmMatches(dimm, ident))
}

export function busHasRegion(bus: Bus, ident: string | undefined): boolean {
  return isAll(ident) || bus.regions.some((region) => regionMatches(region, ident))
}

export function busHasNamespace(bus: Bus, ident: string | undefined): boolean {
  return isAll(ident) || bus.regions.some((region) => regionHasNamespace(region, ident))
}

export function regionHasDimm(region: Region, ident: string | undefined): boolean {
  return isAll(ident) || regionDimms(region).some((dimm) => dimmMatches(dimm, ident))
}

export function regionHasNamespace(region: Region, ident: string | undefined): boolean {
  return isAll(ident) || region.namespaces.some((namespace) => namespaceMatches(namespace, ident))
}

export function dimmInRegion(dimm: Dimm, ident: string | undefined): boolean {
  return (
    isAll(ident) ||
    dimm.bus.regions.some((region) => regionMatches(region, ident) && regionDimms(region).includes(dimm))
  )
}

export function dimmInNamespace(dimm: Dimm, ident: string | undefined): boolean {
  return (
    isAll(ident) ||
    dimm.bus.regions.some((region) => regionDimms(region).includes(dimm) && regionHasNamespace(region, ident))
  )
}

export function dimmOnNumaNode(dimm: Dimm, node: number | undefined): boolean {
  return (
    node === undefined ||
    dimm.bus.regions.some((region) => regionDimms(region).includes(dimm) && region.numaNode === node)
  )
}

/** util_nsmode(): the names ndctl accepts for a namespace mode, old ones included. */
export function parseNamespaceMode(text: string): NamespaceMode | undefined {
  const modes: Record<string, NamespaceMode> = {
    memory: 'fsdax',
    fsdax: 'fsdax',
    sector: 'sector',
    safe: 'sector',
    dax: 'devdax',
    devdax: 'devdax',
    raw: 'raw',
  }
  return modes[text.toLowerCase()]
}
